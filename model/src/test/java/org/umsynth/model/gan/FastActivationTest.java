package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FastActivation} computes what DL4J's {@link ActivationLayer} computes, bit for bit (kink, signed zeros and
 * NaN included), on contiguous and strided inputs, without writing into its input or output gradient; passes
 * gradient checks in double; survives JSON; and is what {@link GanNetworks} builds unless told otherwise.
 */
class FastActivationTest {
    private static final IActivation[] COMPUTED = {new ActivationIdentity(), Activation.RELU.getActivationFunction(),
            new ActivationLReLU(0.2), new ActivationLReLU(0.01), new ActivationLReLU(1.5)};

    private static Layer layer(ActivationLayer conf, DataType type) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(type).layer(conf).build();
        return conf.instantiate(nnc, Collections.emptyList(), 0, null, false, type);
    }

    /** Gaussian values with exact zeros of both signs, NaN and large values at fixed places. */
    private static INDArray values(DataType type, long... shape) {
        INDArray a = Nd4j.randn(type, shape).muli(2);
        INDArray flat = a.reshape(a.length());
        double[] special = {0.0, -0.0, Double.NaN, 1e30, -1e30, Double.MIN_VALUE, -Double.MIN_VALUE};
        for (int i = 0; i < special.length && i * 5L < a.length(); i++) {
            flat.putScalar(i * 5L, special[i]);
        }
        return a;
    }

    /** Same bits (so NaN equals NaN, and 0.0 differs from -0.0). */
    private static void assertSameBits(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        if (expected.dataType() == DataType.FLOAT) {
            float[] e = expected.dup('c').data().asFloat();
            float[] a = actual.dup('c').data().asFloat();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Float.floatToIntBits(e[i]), Float.floatToIntBits(a[i]),
                        what + " at " + i + ": expected " + e[i] + ", got " + a[i]);
            }
        } else {
            double[] e = expected.dup('c').data().asDouble();
            double[] a = actual.dup('c').data().asDouble();
            for (int i = 0; i < e.length; i++) {
                assertEquals(Double.doubleToLongBits(e[i]), Double.doubleToLongBits(a[i]),
                        what + " at " + i + ": expected " + e[i] + ", got " + a[i]);
            }
        }
    }

    private static void sameAsStock(IActivation fn, INDArray x, INDArray eps, String what) {
        DataType type = x.dataType();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Layer stock = layer(new ActivationLayer(fn), type);
        Layer fast = layer(new FastActivation(fn), type);
        assertInstanceOf(FastActivation.Impl.class, fast);
        INDArray xBefore = x.dup();
        INDArray epsBefore = eps.dup();
        String name = what + " " + fn + " " + type;

        stock.setInput(x.dup(x.ordering()), mgr);
        fast.setInput(x, mgr);
        assertSameBits(stock.activate(true, mgr), fast.activate(true, mgr), name + " training forward");
        INDArray stockGrad = stock.backpropGradient(eps.dup(eps.ordering()), mgr).getSecond();
        INDArray fastGrad = fast.backpropGradient(eps, mgr).getSecond();
        if (type == DataType.DOUBLE) {
            // libnd4j's lrelu_bp rounds alpha to float even in double; the Java loop uses the exact alpha
            assertArrayEquals(stockGrad.shape(), fastGrad.shape(), name + " backprop shape");
            double[] e = stockGrad.dup('c').data().asDouble();
            double[] a = fastGrad.dup('c').data().asDouble();
            for (int i = 0; i < e.length; i++) {
                if (Double.doubleToLongBits(e[i]) != Double.doubleToLongBits(a[i])) { // NaN equals NaN here
                    assertEquals(e[i], a[i], 1e-7 * Math.abs(e[i]), name + " backprop at " + i);
                }
            }
        } else {
            assertSameBits(stockGrad, fastGrad, name + " backprop");
        }
        INDArray inference = fast.activate(false, mgr);
        stock.setInput(x.dup(x.ordering()), mgr); // the stock inference pass works in place on its input
        assertSameBits(stock.activate(false, mgr), inference, name + " inference forward");
        // the fast layer never writes into its input or the output gradient
        assertSameBits(xBefore, x, name + " input after the calls");
        assertSameBits(epsBefore, eps, name + " epsilon after the calls");
    }

    @Test
    void equalsTheStockLayerBitForBit() {
        try {
            for (boolean direct : new boolean[] {true, false}) { // SIMD on the off-heap arrays, or on heap copies
                FastActivation.directKernels = direct;
                for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
                    for (IActivation fn : COMPUTED) {
                        equalsTheStockLayer(fn, type);
                    }
                }
            }
        } finally {
            FastActivation.directKernels = true;
        }
    }

    private static void equalsTheStockLayer(IActivation fn, DataType type) {
        Nd4j.getRandom().setSeed(7);
        // odd sizes: SIMD body plus a scalar tail
        sameAsStock(fn, values(type, 2, 3, 5, 7), Nd4j.randn(type, 2, 3, 5, 7), "contiguous");
        sameAsStock(fn, values(type, 4, 8, 10, 10), values(type, 4, 8, 10, 10), "contiguous");
        sameAsStock(fn, values(type, 3, 1), values(type, 3, 1), "tiny 2-d");
        // contiguous views at an offset into a bigger buffer
        INDArray slice = values(type, 5, 3, 4, 7).get(NDArrayIndex.interval(2, 4), NDArrayIndex.all(),
                NDArrayIndex.all(), NDArrayIndex.all());
        INDArray epsSlice = values(type, 4, 3, 4, 7).get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(),
                NDArrayIndex.all(), NDArrayIndex.all());
        assertTrue(ConvBuffers.isContiguousC(slice) && slice.offset() > 0 && epsSlice.offset() > 0);
        sameAsStock(fn, slice, epsSlice, "offset slice");
        // strided views: a channel range, a permuted (f-like) array
        INDArray big = values(type, 2, 6, 9, 11);
        INDArray view = big.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4), NDArrayIndex.all(),
                NDArrayIndex.interval(2, 9));
        INDArray epsView = values(type, 2, 6, 9, 11).get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5),
                NDArrayIndex.all(), NDArrayIndex.interval(0, 7));
        assertFalse(ConvBuffers.isContiguousC(view));
        sameAsStock(fn, view, epsView, "view");
        INDArray permuted = values(type, 5, 4, 3, 2).permute(3, 2, 1, 0);
        sameAsStock(fn, permuted, values(type, 2, 3, 4, 5).dup('f'), "permuted");
    }

    @Test
    void simdLoopsEqualTheScalarLoops() {
        java.util.Random r = new java.util.Random(3);
        float[] special = {0f, -0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        for (ActivationKernel.Kind kind : ActivationKernel.Kind.values()) {
            for (int n = 0; n < 70; n++) {
                float[] x = new float[n + 3]; // longer than n, as scratch arrays are: the rest must stay untouched
                float[] d = new float[n + 3];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 4 == 0 ? special[r.nextInt(special.length)] : (float) r.nextGaussian();
                    d[i] = (float) r.nextGaussian();
                }
                float[] xs = x.clone();
                float[] ds = d.clone();
                ActivationKernel.forward(kind, 0.3f, xs, 0, n);
                float[] xv = x.clone();
                ActivationKernel.forward(kind, 0.3f, xv, n);
                ActivationKernel.backward(kind, 0.3f, x, ds, 0, n);
                float[] dv = d.clone();
                ActivationKernel.backward(kind, 0.3f, x, dv, n);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Float.floatToIntBits(xs[i]), Float.floatToIntBits(xv[i]), kind + " fwd n=" + n + " @" + i);
                    assertEquals(Float.floatToIntBits(ds[i]), Float.floatToIntBits(dv[i]), kind + " bwd n=" + n + " @" + i);
                }
                for (int i = n; i < x.length; i++) {
                    assertEquals(Float.floatToIntBits(x[i]), Float.floatToIntBits(xv[i]), "past n forward");
                    assertEquals(Float.floatToIntBits(d[i]), Float.floatToIntBits(dv[i]), "past n backward");
                }
            }
        }
    }

    @Test
    void knownValuesAtTheKink() {
        float[] x = {-2f, -0f, 0f, 3f};
        float[] relu = x.clone();
        ActivationKernel.forward(ActivationKernel.Kind.RELU, 0f, relu, 4);
        assertArrayEquals(new float[] {0f, -0f, 0f, 3f}, relu);
        float[] lrelu = x.clone();
        ActivationKernel.forward(ActivationKernel.Kind.LEAKY_RELU, 0.2f, lrelu, 4);
        assertArrayEquals(new float[] {-0.4f, -0f, 0f, 3f}, lrelu);
        float[] d = {10f, 10f, 10f, 10f};
        ActivationKernel.backward(ActivationKernel.Kind.RELU, 0f, x, d, 4);
        assertArrayEquals(new float[] {0f, 0f, 0f, 10f}, d);
        float[] e = {10f, 10f, 10f, 10f};
        ActivationKernel.backward(ActivationKernel.Kind.LEAKY_RELU, 0.2f, x, e, 4);
        assertArrayEquals(new float[] {2f, 10f, 10f, 10f}, e);
    }

    @Test
    void otherActivationsRunTheStockCode() {
        assertNull(FastActivation.kind(Activation.TANH.getActivationFunction()));
        assertNull(FastActivation.kind(new ActivationReLU(6.0, null, null)));
        assertNull(FastActivation.kind(new ActivationReLU(null, 0.5, null)));
        assertTrue(FastActivation.computes(new ActivationLReLU(0.2)));
        Nd4j.getRandom().setSeed(2);
        for (IActivation fn : new IActivation[] {Activation.TANH.getActivationFunction(),
                new ActivationReLU(6.0, 0.5, 0.1)}) {
            sameAsStock(fn, Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5).muli(4), Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5),
                    "fallback");
        }
    }

    @Test
    void rejectsAnOutputGradientOfAnotherShape() {
        Layer fast = layer(new FastActivation(new ActivationLReLU(0.2)), DataType.FLOAT);
        fast.setInput(Nd4j.randn(DataType.FLOAT, 2, 3, 4, 5), LayerWorkspaceMgr.noWorkspaces());
        assertThrows(IllegalArgumentException.class, () -> fast.backpropGradient(
                Nd4j.randn(DataType.FLOAT, 2, 3, 5, 4), LayerWorkspaceMgr.noWorkspaces()));
    }

    private static ComputationGraphConfiguration graph(org.deeplearning4j.nn.conf.layers.Layer layer, DataType type) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(5).updater(new NoOp())
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, 0.5))).biasInit(0.1)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(5, 6, 3))
                // a 1x1 conv on each side: the first's weight gradient carries the layer's input gradient
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(new ActivationIdentity())
                        .build(), "in")
                .addLayer("act", layer, "pre")
                .addLayer("post", new ConvolutionLayer.Builder(1, 1).nOut(2).activation(new ActivationIdentity())
                        .build(), "act")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(new ActivationIdentity()).build(), "post")
                .setOutputs("out").build();
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    @Test
    void aGraphWithTheLayerHasTheStockGraphsOutputAndGradients() {
        for (IActivation fn : COMPUTED) {
            ComputationGraph stock = init(graph(new ActivationLayer(fn), DataType.FLOAT));
            ComputationGraph fast = init(graph(new FastActivation(fn), DataType.FLOAT));
            assertInstanceOf(FastActivation.Impl.class, fast.getLayer("act"));
            fast.setParams(stock.params());
            Nd4j.getRandom().setSeed(11);
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 5, 6);
            INDArray labels = Nd4j.randn(DataType.FLOAT, 2, 2, 5, 6);
            assertSameBits(stock.outputSingle(x), fast.outputSingle(x), "output " + fn);
            for (ComputationGraph g : List.of(stock, fast)) {
                g.setInputs(x);
                g.setLabels(labels);
                g.computeGradientAndScore();
            }
            assertEquals(stock.score(), fast.score(), 0.0, "score " + fn);
            Map<String, INDArray> gs = stock.gradient().gradientForVariable();
            assertEquals(4, gs.size());
            for (Map.Entry<String, INDArray> e : gs.entrySet()) {
                assertSameBits(e.getValue(), fast.gradient().gradientForVariable().get(e.getKey()),
                        e.getKey() + " gradient " + fn);
            }
        }
    }

    @Test
    void passesGradientChecksInDoublePrecision() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            for (IActivation fn : COMPUTED) {
                ComputationGraph g = init(graph(new FastActivation(fn), DataType.DOUBLE));
                Nd4j.getRandom().setSeed(4);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 5, 6);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, 2, 2, 5, 6);
                assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-3)
                        .minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                        .exitOnFirstError(false)), "gradient check of " + fn);
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void roundTripsThroughJsonAndStaysDistinctFromTheStockLayer() {
        ComputationGraphConfiguration conf = graph(new FastActivation(new ActivationLReLU(0.2)), DataType.FLOAT);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        FastActivation layer = assertInstanceOf(FastActivation.class, layerOf(back, "act"));
        assertEquals(0.2, ((ActivationLReLU) layer.getActivationFn()).getAlpha());
        assertInstanceOf(FastActivation.class, layer.clone());
        // a configuration naming the stock layer (an older checkpoint) keeps it
        ComputationGraphConfiguration stock = ComputationGraphConfiguration.fromJson(
                graph(new ActivationLayer(new ActivationLReLU(0.2)), DataType.FLOAT).toJson());
        assertEquals(ActivationLayer.class, layerOf(stock, "act").getClass());
        assertEquals(org.deeplearning4j.nn.layers.ActivationLayer.class, init(stock).getLayer("act").getClass());
        ActivationLayer plain = new ActivationLayer(new ActivationLReLU(0.2));
        plain.setLayerName("act");
        assertNotEquals(plain, layer);
        assertNotEquals(layer, plain);
        FastActivation same = new FastActivation(new ActivationLReLU(0.2));
        same.setLayerName("act");
        assertEquals(same, layer);
        assertEquals(same.hashCode(), layer.hashCode());
        same.setActivationFn(new ActivationLReLU(0.1));
        assertNotEquals(same, layer);
    }

    @Test
    void ganNetworksUseTheLayerUnlessStockLayersOrTheSwitchSayOtherwise() {
        GanProfile p = GanTestProfiles.micro();
        ComputationGraphConfiguration fast = GanNetworks.combinedConfiguration(p, DataType.FLOAT, 1);
        assertActivations(fast, FastActivation.class);
        assertEquals(0.2, ((ActivationLReLU) ((ActivationLayer) layerOf(fast, "d0_conv1_act")).getActivationFn())
                .getAlpha());
        assertInstanceOf(ActivationReLU.class, ((ActivationLayer) layerOf(fast, "g_conv0_relu")).getActivationFn());
        assertActivations(GanNetworks.combinedConfiguration(p.withStockLayers(true), DataType.FLOAT, 1),
                ActivationLayer.class);
        String previous = System.getProperty(FastActivation.ENABLED_PROPERTY);
        System.setProperty(FastActivation.ENABLED_PROPERTY, "false");
        try {
            assertActivations(GanNetworks.discriminatorConfiguration(p, DataType.FLOAT, 1), ActivationLayer.class);
            assertActivations(GanNetworks.generatorConfiguration(p, DataType.FLOAT, 1), ActivationLayer.class);
        } finally {
            if (previous == null) {
                System.clearProperty(FastActivation.ENABLED_PROPERTY);
            } else {
                System.setProperty(FastActivation.ENABLED_PROPERTY, previous);
            }
        }
    }

    /** Every activation layer of {@code conf} is exactly of class {@code type}; there are some. */
    private static void assertActivations(ComputationGraphConfiguration conf, Class<?> type) {
        int count = 0;
        for (var v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ActivationLayer a) {
                assertEquals(type, a.getClass(), a.getLayerName());
                count++;
            }
        }
        assertTrue(count > 0, "no activation layers");
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layerOf(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
