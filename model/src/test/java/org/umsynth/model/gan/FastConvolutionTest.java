package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** {@link FastConvolution} computes what DL4J's {@code ConvolutionLayer} computes: outputs and all gradients. */
class FastConvolutionTest {
    /** kernel, stride, padding, mode (0 Truncate, 1 Same), activation (0 identity, 1 tanh, 2 lrelu 0.2). */
    private static final int[][] CASES = {
        {7, 1, 0, 0, 1}, // the generator's 7x7 heads (after reflection padding), tanh
        {7, 1, 0, 0, 0},
        {3, 2, 1, 0, 0}, // downsampling
        {3, 1, 0, 0, 0}, // residual blocks
        {4, 2, 2, 0, 2}, // PatchGAN, LeakyReLU
        {4, 1, 2, 0, 0},
        {3, 2, 0, 1, 0}, // Same mode, asymmetric implicit padding
        {5, 3, 1, 0, 1}, // stride larger than the padding, odd sizes
    };

    /** Transposed convolutions: kernel, stride, padding, activation (the generator's: 3x3 stride 2, no padding). */
    private static final int[][] DECONV_CASES = {{3, 2, 0, 0}, {3, 2, 1, 1}, {4, 2, 1, 2}, {3, 1, 1, 0}, {2, 3, 0, 0}};

    private static org.deeplearning4j.nn.conf.layers.Layer deconv(int[] c, boolean fast, int nOut) {
        org.deeplearning4j.nn.conf.layers.Deconvolution2D.Builder b = fast ? new FastDeconvolution2D.Builder(c[0], c[0])
                : new org.deeplearning4j.nn.conf.layers.Deconvolution2D.Builder(c[0], c[0]);
        return b.stride(c[1], c[1]).padding(c[2], c[2]).nOut(nOut).activation(activation(c[3]))
                .convolutionMode(ConvolutionMode.Truncate).build();
    }

    private static IActivation activation(int code) {
        return switch (code) {
            case 1 -> new ActivationTanH();
            case 2 -> new ActivationLReLU(0.2);
            default -> new ActivationIdentity();
        };
    }

    private static ComputationGraphConfiguration conf(int[] c, boolean fast, DataType type, int nIn, int nOut,
            int h, int w) {
        ConvolutionLayer.Builder b = fast ? new FastConvolution.Builder(c[0], c[0]) : new ConvolutionLayer.Builder(c[0], c[0]);
        b.stride(c[1], c[1]).padding(c[2], c[2]).nOut(nOut).activation(activation(c[4]));
        b.convolutionMode(c[3] == 1 ? ConvolutionMode.Same : ConvolutionMode.Truncate);
        return conf(b.build(), type, nIn, h, w);
    }

    private static ComputationGraphConfiguration conf(org.deeplearning4j.nn.conf.layers.Layer layer, DataType type,
            int nIn, int h, int w) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(7).updater(new NoOp())
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, 0.3))).biasInit(0.1)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(h, w, nIn))
                // a stock 1x1 layer first: its weight gradient carries the fast layer's input gradient
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(nIn).activation(new ActivationIdentity())
                        .build(), "in")
                .addLayer("conv", layer, "pre")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(new ActivationIdentity()).build(), "conv")
                .setOutputs("out").build();
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |diff| " + diff + " vs scale " + scale);
    }

    /** Stock vs fast from the same parameters: output, parameter gradients, input gradient, in float. */
    private static void compare(int[] c, int h, int w) {
        compare(c, h, w, 6);
    }

    private static void compare(int[] c, int h, int w, int nOut) {
        compare(conf(c, false, DataType.FLOAT, 5, nOut, h, w), conf(c, true, DataType.FLOAT, 5, nOut, h, w),
                FastConvolutionLayer.class, java.util.Arrays.toString(c) + " " + h + "x" + w + " nOut " + nOut, h, w);
    }

    private static void compareDeconv(int[] c, int h, int w) {
        compare(conf(deconv(c, false, 6), DataType.FLOAT, 5, h, w), conf(deconv(c, true, 6), DataType.FLOAT, 5, h, w),
                FastDeconvolution2DLayer.class, "deconv " + java.util.Arrays.toString(c) + " " + h + "x" + w, h, w);
    }

    private static void compare(ComputationGraphConfiguration stockConf, ComputationGraphConfiguration fastConf,
            Class<?> fastLayer, String name, int h, int w) {
        int nIn = 5;
        ComputationGraph stock = init(stockConf);
        ComputationGraph fast = init(fastConf);
        fast.setParams(stock.params());
        assertInstanceOf(fastLayer, fast.getLayer("conv"));
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, nIn, h, w);
        INDArray yStock = stock.outputSingle(x);
        INDArray yFast = fast.outputSingle(x);
        assertClose(yStock, yFast, 1e-5, "output " + name);
        INDArray labels = Nd4j.randn(DataType.FLOAT, yStock.shape());
        Gradient gs = gradient(stock, x, labels);
        Gradient gf = gradient(fast, x, labels);
        assertEquals(4, gs.gradientForVariable().size());
        for (Map.Entry<String, INDArray> e : gs.gradientForVariable().entrySet()) {
            assertClose(e.getValue(), gf.gradientForVariable().get(e.getKey()), 1e-4,
                    "gradient " + e.getKey() + " " + name);
        }
        assertEquals(stock.score(), fast.score(), 1e-5 * Math.abs(stock.score()), "loss " + name);
    }

    private static Gradient gradient(ComputationGraph g, INDArray x, INDArray labels) {
        g.setInputs(x);
        g.setLabels(labels);
        g.computeGradientAndScore();
        Gradient copy = new org.deeplearning4j.nn.gradient.DefaultGradient();
        g.gradient().gradientForVariable().forEach((k, v) -> copy.setGradientFor(k, v.dup()));
        return copy;
    }

    /** Runs {@code body} with oneDNN's convolutions off: the im2col + gemm paths (what other platforms run). */
    private static void withoutOneDnn(Runnable body) {
        OneDnnConvolution.enabled = false;
        try {
            body.run();
        } finally {
            OneDnnConvolution.enabled = true;
        }
    }

    @Test
    void sameFunctionAndGradientsAsTheStockLayer() {
        assertTrue(OneDnnConvolution.available()); // float layers with more than 4 outputs run on oneDNN here
        Runnable all = () -> {
            for (int[] c : CASES) {
                compare(c, 13, 11);
                compare(c, 16, 16);
            }
        };
        all.run();
        withoutOneDnn(all);
    }

    @Test
    void layersOverTheBufferLimitKeepTheColumnPath() {
        ConvGeometry g = new ConvGeometry(16, 33, 33, 4, 4, 2, 2, 2, 2, 17, 17);
        long bytes = OneDnnConvolution.blockedBytes(g, 4, 32);
        assertEquals(4L * (4 * (16 * 33 * 33 + 32 * 17 * 17) + 32 * 16 * 16), bytes); // channels already x16
        assertEquals(4L * (2 * 16 * 9 * 9 + 16 * 16 * 3 * 3),
                OneDnnConvolution.blockedBytes(new ConvGeometry(3, 9, 9, 3, 3, 1, 1, 1, 1, 9, 9), 1, 5)); // padded
        long saved = OneDnnConvolution.maxBufferBytes;
        try {
            OneDnnConvolution.maxBufferBytes = bytes;
            assertTrue(OneDnnConvolution.takes(g, 4, 32));
            OneDnnConvolution.maxBufferBytes = bytes - 1;
            assertFalse(OneDnnConvolution.takes(g, 4, 32));
            OneDnnConvolution.maxBufferBytes = 0; // every layer on the column path, same results
            compare(CASES[4], 16, 16);
            compareDeconv(DECONV_CASES[0], 8, 8);
        } finally {
            OneDnnConvolution.maxBufferBytes = saved;
        }
    }

    @Test
    void fewOutputChannelsUseTheDirectConvolutionWithTheSameResult() {
        // nOut 1 and 3 as in the generator's heads: DirectConvolution for horizontal stride 1, im2col otherwise
        assertTrue(FastConvolutionLayer.directMaxOutputs >= 3);
        for (int[] c : CASES) {
            for (int nOut : new int[] {1, 3}) {
                compare(c, 13, 11, nOut);
                compare(c, 16, 16, nOut);
            }
        }
        assertTrue(DirectConvolution.covers(new ConvGeometry(16, 70, 70, 7, 7, 1, 1, 0, 0, 64, 64)));
        assertFalse(DirectConvolution.covers(new ConvGeometry(16, 70, 70, 3, 3, 2, 2, 1, 1, 35, 35)));
    }

    @Test
    void wideUnpaddedLayersTakeTheSimdKernelsWithTheSameResult() {
        // the generator's 7x7 stem (16 outputs) and heads (1, 3) on rows wide enough for VectorConvolution: one
        // whole chunk and a shifted last chunk, against the stock layer
        // (in the execution without the Vector API the same rows run the scalar FlatConvolution)
        SimdExpectation.check();
        for (int width : new int[] {70, 75}) { // rows of 64 and 69: whole chunks, and a shifted last chunk
            if (Simd.available()) {
                assertTrue(VectorConvolution.covers(new ConvGeometry(5, 9, width, 7, 7, 1, 1, 0, 0, 3, width - 6)));
            }
            for (int nOut : new int[] {16, 3, 1}) {
                compare(new int[] {7, 1, 0, 0, nOut == 1 ? 1 : 0}, 9, width, nOut);
            }
        }
    }

    @Test
    void directAndColumnConvolutionsAgree() {
        // the generator's 7x7 head geometry (reflection-padded input, no zero padding) and zero padding 2
        for (int[] c : new int[][] {{7, 1, 0, 0, 1}, {4, 1, 2, 0, 0}}) {
            ComputationGraph g = init(conf(c, true, DataType.FLOAT, 4, 3, 20, 18));
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 20, 18);
            INDArray labels = Nd4j.randn(DataType.FLOAT, g.outputSingle(x).shape());
            INDArray yDirect = g.outputSingle(x);
            Gradient direct = gradient(g, x, labels);
            int saved = FastConvolutionLayer.directMaxOutputs;
            FastConvolutionLayer.directMaxOutputs = 0;
            try {
                assertClose(g.outputSingle(x), yDirect, 1e-5, "output " + java.util.Arrays.toString(c));
                Gradient columns = gradient(g, x, labels);
                for (Map.Entry<String, INDArray> e : columns.gradientForVariable().entrySet()) {
                    assertClose(e.getValue(), direct.gradientForVariable().get(e.getKey()), 1e-5,
                            "gradient " + e.getKey() + " " + java.util.Arrays.toString(c));
                }
            } finally {
                FastConvolutionLayer.directMaxOutputs = saved;
            }
        }
    }

    @Test
    void flatAndDirectLoopsAgree() {
        // FlatConvolution (unpadded stride 1, float) against DirectConvolution's row loops on the same image pair
        java.util.Random r = new java.util.Random(9);
        // the last two: planes longer than FlatConvolution.DOT_BLOCK (several partial sums per weight)
        int[][] shapes = {{16, 20, 18, 7, 7, 3}, {3, 9, 11, 3, 5, 4}, {2, 6, 6, 1, 1, 1}, {4, 12, 9, 7, 2, 2},
            {3, 40, 44, 7, 7, 4}, {2, 50, 38, 3, 3, 1}};
        for (int[] s : shapes) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], 1, 1, 0, 0, s[1] - s[3] + 1, s[2] - s[4] + 1);
            int nOut = s[5];
            assertTrue(FlatConvolution.covers(g));
            int outImage = nOut * g.outH * g.outW;
            float[] x = new float[2 * g.imageSize()];
            float[] w = new float[nOut * g.columnRows()];
            float[] b = new float[nOut];
            float[] delta = new float[2 * outImage];
            for (float[] a : new float[][] {x, w, b, delta}) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) r.nextGaussian();
                }
            }
            float[] flat = new float[2 * outImage];
            float[] flatDx = new float[x.length];
            double[] flatDw = new double[w.length];
            float[] direct = new float[2 * outImage];
            float[] directDx = new float[x.length];
            double[] directDw = new double[w.length];
            for (int i = 0; i < 2; i++) {
                FlatConvolution.forward(g, x, i * g.imageSize(), w, b, nOut, flat, i * outImage);
                FlatConvolution.backward(g, x, flatDx, i * g.imageSize(), w, nOut, delta, i * outImage, flatDw);
                float[] image = new float[outImage];
                for (int o = 0; o < nOut; o++) {
                    java.util.Arrays.fill(image, o * g.outH * g.outW, (o + 1) * g.outH * g.outW, b[o]);
                }
                DirectConvolution.forward(g, x, i * g.imageSize(), w, nOut, image);
                System.arraycopy(image, 0, direct, i * outImage, outImage);
                DirectConvolution.backward(g, x, directDx, i * g.imageSize(), w, nOut,
                        java.util.Arrays.copyOfRange(delta, i * outImage, (i + 1) * outImage), directDw);
            }
            String name = java.util.Arrays.toString(s);
            for (int i = 0; i < flat.length; i++) {
                assertEquals(direct[i], flat[i], 1e-4 * (1 + Math.abs(direct[i])), "output " + name);
            }
            for (int i = 0; i < x.length; i++) {
                assertEquals(directDx[i], flatDx[i], 1e-4 * (1 + Math.abs(directDx[i])), "input gradient " + name);
            }
            for (int i = 0; i < w.length; i++) {
                assertEquals(directDw[i], flatDw[i], 1e-4 * (1 + Math.abs(directDw[i])), "weight gradient " + name);
            }
        }
        assertFalse(FlatConvolution.covers(new ConvGeometry(16, 9, 9, 4, 4, 1, 1, 2, 2, 10, 10)));
    }

    @Test
    void libnd4jConvolutionOpsGiveTheSameResult() {
        // the route the oneDNN build takes for the 7x7 heads, forced on: the default build runs libnd4j's generic ops
        String saved = NativeConvolution.MODE;
        NativeConvolution.MODE = "on";
        try {
            assertTrue(NativeConvolution.use(new ConvGeometry(16, 70, 70, 7, 7, 1, 1, 0, 0, 64, 64), 3, 4));
            assertFalse(NativeConvolution.use(new ConvGeometry(16, 70, 70, 7, 7, 1, 1, 0, 0, 64, 64), 16, 4));
            assertFalse(NativeConvolution.use(new ConvGeometry(16, 9, 9, 4, 4, 1, 1, 2, 2, 10, 10), 1, 4)); // D's last
            for (int[] c : new int[][] {{7, 1, 0, 0, 1}, {7, 1, 0, 0, 0}, {5, 3, 1, 0, 1}, {5, 1, 2, 0, 2}}) {
                for (int nOut : new int[] {1, 3}) {
                    compare(c, 13, 11, nOut);
                    compare(c, 16, 16, nOut);
                }
            }
            DataType before = Nd4j.dataType();
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
            try {
                int[] c = {7, 1, 0, 0, 1};
                ComputationGraph g = init(conf(c, true, DataType.DOUBLE, 2, 3, 10, 9));
                Nd4j.getRandom().setSeed(3);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 10, 9);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, g.outputSingle(x).shape());
                assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-3)
                        .minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                        .exitOnFirstError(false)), "gradient check through the libnd4j ops");
            } finally {
                Nd4j.setDefaultDataTypes(before, before);
            }
        } finally {
            NativeConvolution.MODE = saved;
        }
    }

    @Test
    void transposedConvolutionEqualsTheStockLayer() {
        Runnable all = () -> {
            for (int[] c : DECONV_CASES) {
                compareDeconv(c, 7, 5);
                compareDeconv(c, 8, 8);
            }
        };
        all.run();
        withoutOneDnn(all);
        withoutOneDnn(() -> {
            FastConvolutionLayer.maxBlockRows = 2; // blocks of input rows, a shorter last one
            try {
                for (int[] c : DECONV_CASES) {
                    compareDeconv(c, 7, 5);
                }
            } finally {
                FastConvolutionLayer.maxBlockRows = 0;
            }
        });
    }

    @Test
    void imagesSharingAGemmGiveTheSameResult() {
        // three images: one gemm each, and groups of two with a last group of one (the default puts all three in one)
        withoutOneDnn(FastConvolutionTest::imagesSharingAGemm);
    }

    private static void imagesSharingAGemm() {
        for (int limit : new int[] {1, 2}) {
            FastConvolutionLayer.maxImagesPerGemm = limit;
            try {
                for (int[] c : CASES) {
                    compare(c, 13, 11);
                }
                for (int[] c : DECONV_CASES) {
                    compareDeconv(c, 7, 5);
                }
            } finally {
                FastConvolutionLayer.maxImagesPerGemm = 0;
            }
        }
    }

    @Test
    void blocksOfRowsGiveTheSameResult() {
        withoutOneDnn(FastConvolutionTest::blocksOfRows);
    }

    private static void blocksOfRows() {
        int saved = FastConvolutionLayer.columnBlockElements;
        try {
            FastConvolutionLayer.columnBlockElements = 1; // one output row per block
            for (int[] c : CASES) {
                compare(c, 13, 11);
            }
            FastConvolutionLayer.columnBlockElements = saved;
            FastConvolutionLayer.maxBlockRows = 3; // a shorter last block
            for (int[] c : CASES) {
                compare(c, 13, 11);
                compare(c, 16, 16);
            }
        } finally {
            FastConvolutionLayer.columnBlockElements = saved;
            FastConvolutionLayer.maxBlockRows = 0;
        }
    }

    @Test
    void passesTheGradientCheckInDoublePrecision() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            for (int[] c : CASES) {
                ComputationGraph g = init(conf(c, true, DataType.DOUBLE, 2, 3, 9, 8));
                Nd4j.getRandom().setSeed(3);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 9, 8);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, g.outputSingle(x).shape());
                boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-3)
                        .minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                        .exitOnFirstError(false));
                assertTrue(ok, "gradient check " + java.util.Arrays.toString(c));
            }
            for (int[] c : DECONV_CASES) {
                ComputationGraph g = init(conf(deconv(c, true, 3), DataType.DOUBLE, 2, 5, 4));
                Nd4j.getRandom().setSeed(3);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 5, 4);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, g.outputSingle(x).shape());
                assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-3)
                        .minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                        .exitOnFirstError(false)), "gradient check deconv " + java.util.Arrays.toString(c));
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void roundTripsThroughJson() {
        ComputationGraphConfiguration conf = conf(CASES[4], true, DataType.FLOAT, 3, 4, 16, 16);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        var layer = ((LayerVertex) back.getVertices().get("conv")).getLayerConf().getLayer();
        assertInstanceOf(FastConvolution.class, layer);
        FastConvolution f = (FastConvolution) layer;
        assertEquals(4, f.getKernelSize()[0]);
        assertEquals(2, f.getStride()[0]);
        assertEquals(2, f.getPadding()[0]);
        assertInstanceOf(ActivationLReLU.class, f.getActivationFn());
        ComputationGraph g = init(back);
        assertInstanceOf(FastConvolutionLayer.class, g.getLayer("conv"));
        assertEquals(init(conf(CASES[4], false, DataType.FLOAT, 3, 4, 16, 16)).numParams(), g.numParams());
    }
}
