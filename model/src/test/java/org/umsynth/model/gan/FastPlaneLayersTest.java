package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@link FastInstanceNorm} and {@link FastReflectionPad2D} compute what the SameDiff {@link InstanceNorm} and
 * {@link ReflectionPad2D} compute; a GAN step with the fast layers ({@link FastConvolution} included) gives the
 * stock networks' losses and parameters.
 */
class FastPlaneLayersTest {
    private static ComputationGraphConfiguration conf(Layer layer, DataType type, int c, int h, int w) {
        return new NeuralNetConfiguration.Builder().dataType(type).seed(5).updater(new NoOp())
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, 0.4))).biasInit(0.2)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(h, w, c))
                // a 1x1 conv on each side: the first's weight gradient carries the layer's input gradient
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(c).activation(new ActivationIdentity())
                        .build(), "in")
                .addLayer("layer", layer, "pre")
                .addLayer("post", new ConvolutionLayer.Builder(1, 1).nOut(2).activation(new ActivationIdentity())
                        .build(), "layer")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(new ActivationIdentity()).build(), "post")
                .setOutputs("out").build();
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static Gradient gradient(ComputationGraph g, INDArray x, INDArray labels) {
        g.setInputs(x);
        g.setLabels(labels);
        g.computeGradientAndScore();
        Gradient copy = new DefaultGradient();
        g.gradient().gradientForVariable().forEach((k, v) -> copy.setGradientFor(k, v.dup()));
        return copy;
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what);
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        // plus a float-rounding floor: some gradients are analytically 0 (a bias in front of an instance norm)
        assertTrue(diff <= tol * scale + 1e-5, what + ": max |diff| " + diff + " vs scale " + scale);
    }

    private static void sameAsStock(Layer stockLayer, Layer fastLayer, int h, int w) {
        int c = 3;
        ComputationGraph stock = init(conf(stockLayer, DataType.FLOAT, c, h, w));
        ComputationGraph fast = init(conf(fastLayer, DataType.FLOAT, c, h, w));
        fast.setParams(stock.params());
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, c, h, w).muli(3).addi(1);
        INDArray y = stock.outputSingle(x);
        assertClose(y, fast.outputSingle(x), 1e-5, "output of " + fastLayer);
        INDArray labels = Nd4j.randn(DataType.FLOAT, y.shape());
        Gradient gs = gradient(stock, x, labels);
        Gradient gf = gradient(fast, x, labels);
        assertEquals(4, gs.gradientForVariable().size());
        for (Map.Entry<String, INDArray> e : gs.gradientForVariable().entrySet()) {
            assertClose(e.getValue(), gf.gradientForVariable().get(e.getKey()), 1e-4, e.getKey() + " of " + fastLayer);
        }
    }

    @Test
    void instanceNormEqualsTheSameDiffLayer() {
        sameAsStock(new InstanceNorm(), new FastInstanceNorm(), 7, 9);
        sameAsStock(new InstanceNorm(), new FastInstanceNorm(), 1, 1); // a 1x1 plane normalises to 0
    }

    @Test
    void reflectionPaddingEqualsTheSameDiffLayer() {
        sameAsStock(new ReflectionPad2D(1), new FastReflectionPad2D(1), 5, 4);
        sameAsStock(new ReflectionPad2D(3), new FastReflectionPad2D(3), 6, 8);
    }

    @Test
    void reflectionIndexMirrorsWithoutRepeatingTheBorder() {
        int[] expected = {3, 2, 1, 0, 1, 2, 3, 2, 1, 0}; // size 4, padding 3: rows -3..6
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], FastReflectionPad2D.source(i, 3, 4), "index " + i);
        }
    }

    @Test
    void passGradientChecksInDoublePrecision() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            for (Layer layer : new Layer[] {new FastInstanceNorm(), new FastReflectionPad2D(2)}) {
                ComputationGraph g = init(conf(layer, DataType.DOUBLE, 2, 5, 6));
                Nd4j.getRandom().setSeed(4);
                INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 2, 5, 6);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, g.outputSingle(x).shape());
                assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                        .inputs(new INDArray[] {x}).labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-3)
                        .minAbsoluteError(1e-8).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
                        .exitOnFirstError(false)), "gradient check of " + layer);
            }
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void ganNetworksRoundTripThroughJsonWithTheFastLayers() {
        GanProfile p = GanTestProfiles.micro();
        ComputationGraphConfiguration conf = GanNetworks.combinedConfiguration(p, DataType.FLOAT, 1);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertInstanceOf(FastReflectionPad2D.class, layer(back, "g_pad0"));
        assertInstanceOf(FastInstanceNorm.class, layer(back, "g_conv0_in"));
        assertInstanceOf(FastConvolution.class, layer(back, "g_conv0"));
        assertInstanceOf(FastDeconvolution2D.class, layer(back, "g_up0"));
        assertEquals(3, ((FastReflectionPad2D) layer(back, "g_pad0")).getPadding());
        ComputationGraphConfiguration stock = GanNetworks.combinedConfiguration(p.withStockLayers(true),
                DataType.FLOAT, 1);
        assertInstanceOf(InstanceNorm.class, layer(stock, "g_conv0_in"));
        assertEquals(ConvolutionLayer.class, layer(stock, "g_conv0").getClass());
        assertEquals(org.deeplearning4j.nn.conf.layers.Deconvolution2D.class, layer(stock, "g_up0").getClass());
        assertEquals(GanNetworks.parameterCount(stock), GanNetworks.parameterCount(back));
    }

    private static Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }

    @Test
    void aGanStepOnTheFastNetworksEqualsTheStockStep() {
        GanProfile fastProfile = GanTestProfiles.micro();
        GanProfile stockProfile = fastProfile.withStockLayers(true);
        GanTrainer stock = new GanTrainer(stockProfile, 3);
        GanTrainer fast = new GanTrainer(fastProfile, 4);
        fast.discriminator().setParams(stock.discriminator().params());
        fast.combined().setParams(stock.combined().params());
        fast.generator().setParams(stock.generator().params());
        Random r = new Random(2);
        GanTrainer.Batch batch = GanTrainerTest.batch(fastProfile, List.of(GanTrainerTest.phantom(32, r),
                GanTrainerTest.phantom(32, r)));
        for (int step = 0; step < 3; step++) {
            GanTrainer.StepLosses a = stock.step(batch);
            GanTrainer.StepLosses b = fast.step(batch);
            assertEquals(a.discriminator(), b.discriminator(), 1e-4 * Math.abs(a.discriminator()), "D loss " + step);
            assertEquals(a.generatorTotal(), b.generatorTotal(), 1e-4 * Math.abs(a.generatorTotal()), "G " + step);
            assertEquals(a.gan(), b.gan(), 1e-4 * Math.abs(a.generatorTotal()), "GAN loss " + step);
            assertEquals(a.l1(), b.l1(), 1e-4 * Math.abs(a.l1()), "L1 " + step);
        }
        // Adam turns float noise in analytically-zero gradients (conv biases in front of an instance norm) into
        // steps of up to ~lr either way, so single parameters may differ by a few lr; on average they must agree
        double lr = fastProfile.learningRate();
        for (String net : new String[] {"G", "D"}) {
            INDArray a = net.equals("G") ? stock.generator().params() : stock.discriminator().params();
            INDArray b = net.equals("G") ? fast.generator().params() : fast.discriminator().params();
            INDArray diff = Transforms.abs(a.sub(b));
            assertTrue(diff.maxNumber().doubleValue() <= 2 * 3 * lr, net + " max diff " + diff.maxNumber());
            assertTrue(diff.meanNumber().doubleValue() <= 0.02 * lr, net + " mean diff " + diff.meanNumber());
        }
    }
}
