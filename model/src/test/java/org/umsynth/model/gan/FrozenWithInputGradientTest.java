package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link FrozenWithInputGradient}: the same values as DL4J's {@link FrozenLayerWithBackprop} around a
 * {@link FastConvolution} (output, loss, the gradient passed to the input), while the inner layer computes no
 * parameter gradients and the frozen parameters do not move.
 */
class FrozenWithInputGradientTest {
    /** kernel, stride, padding, nOut, activation (0 identity, 1 tanh, 2 lrelu 0.2): im2col and direct paths. */
    private static final int[][] CASES = {
        {4, 2, 2, 6, 2}, // PatchGAN first layer, LeakyReLU: im2col
        {4, 1, 2, 6, 0},
        {3, 2, 1, 6, 1},
        {4, 1, 2, 1, 0}, // PatchGAN last layer: direct
        {7, 1, 0, 3, 2}, // direct with a kept pre-activation
    };

    private static IActivation activation(int code) {
        return switch (code) {
            case 1 -> new ActivationTanH();
            case 2 -> new ActivationLReLU(0.2);
            default -> new ActivationIdentity();
        };
    }

    /** A trainable stock 1x1 conv ("pre", its weight gradient carries the frozen layer's input gradient), then the frozen conv. */
    private static ComputationGraphConfiguration conf(int[] c, boolean inputGradientOnly, DataType type) {
        return conf(c, inputGradientOnly, type, WIDTH);
    }

    /** Input width: 13, and wide enough for the SIMD kernels' rows ({@link VectorConvolution#covers}): 70. */
    private static final int WIDTH = 13;

    private static int wideWidth() {
        return 70;
    }

    private static ComputationGraphConfiguration conf(int[] c, boolean inputGradientOnly, DataType type, int width) {
        ConvolutionLayer inner = new FastConvolution.Builder(c[0], c[0]).stride(c[1], c[1]).padding(c[2], c[2])
                .nOut(c[3]).activation(activation(c[4])).convolutionMode(ConvolutionMode.Truncate).build();
        FrozenLayerWithBackprop frozen = inputGradientOnly ? new FrozenWithInputGradient(inner)
                : new FrozenLayerWithBackprop(inner);
        return new NeuralNetConfiguration.Builder().dataType(type).seed(7).updater(new Adam(1e-2))
                .weightInit(new WeightInitDistribution(new NormalDistribution(0, 0.3))).biasInit(0.1)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(15, width, 4))
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(5).activation(new ActivationIdentity())
                        .build(), "in")
                .addLayer("conv", frozen, "pre")
                .addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(new ActivationIdentity()).build(), "conv")
                .setOutputs("out").build();
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static FastConvolutionLayer inner(ComputationGraph g) {
        var frozen = assertInstanceOf(org.deeplearning4j.nn.layers.FrozenLayerWithBackprop.class, g.getLayer("conv"));
        return assertInstanceOf(FastConvolutionLayer.class, frozen.getUnderlying());
    }

    private static Gradient gradient(ComputationGraph g, INDArray x, INDArray labels) {
        g.setInputs(x);
        g.setLabels(labels);
        g.computeGradientAndScore();
        Gradient copy = new org.deeplearning4j.nn.gradient.DefaultGradient();
        g.gradient().gradientForVariable().forEach((k, v) -> copy.setGradientFor(k, v.dup()));
        return copy;
    }

    private static void assertClose(INDArray expected, INDArray actual, double tol, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= tol * scale, what + ": max |diff| " + diff + " vs scale " + scale);
    }

    @Test
    void sameValuesAndInputGradientAsDl4jsFrozenLayer() {
        for (int[] c : CASES) {
            sameValuesAndInputGradient(c, WIDTH);
        }
        // the unpadded 7x7 layer on rows the SIMD kernels take
        SimdExpectation.check();
        sameValuesAndInputGradient(CASES[4], wideWidth());
    }

    private static void sameValuesAndInputGradient(int[] c, int width) {
        {
            String name = java.util.Arrays.toString(c) + " width " + width;
            ComputationGraph plain = init(conf(c, false, DataType.FLOAT, width));
            ComputationGraph fast = init(conf(c, true, DataType.FLOAT, width));
            fast.setParams(plain.params());
            assertFalse(inner(plain).isInputGradientOnly(), name);
            assertTrue(inner(fast).isInputGradientOnly(), name);
            Nd4j.getRandom().setSeed(11);
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 15, width);
            INDArray y = plain.outputSingle(x);
            assertClose(y, fast.outputSingle(x), 1e-6, "output " + name);
            INDArray labels = Nd4j.randn(DataType.FLOAT, y.shape());
            Gradient gp = gradient(plain, x, labels);
            Gradient gf = gradient(fast, x, labels);
            assertEquals(plain.score(), fast.score(), 1e-6 * Math.abs(plain.score()), "loss " + name);
            for (String key : new String[] {"pre_W", "pre_b"}) {
                INDArray expected = gp.getGradientFor(key);
                assertTrue(expected.amaxNumber().doubleValue() > 0, key + " " + name);
                assertClose(expected, gf.getGradientFor(key), 1e-5, "input gradient via " + key + " " + name);
            }
            for (Map.Entry<String, INDArray> e : gf.gradientForVariable().entrySet()) {
                if (e.getKey().startsWith("conv_")) {
                    assertEquals(0.0, e.getValue().amaxNumber().doubleValue(), e.getKey() + " " + name);
                }
            }
        }
    }

    @Test
    void innerLayerComputesNoParameterGradient() {
        for (int[] c : CASES) {
            String name = java.util.Arrays.toString(c);
            ComputationGraph g = init(conf(c, true, DataType.FLOAT));
            Nd4j.getRandom().setSeed(12);
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 15, 13);
            gradient(g, x, Nd4j.randn(DataType.FLOAT, g.outputSingle(x).shape())); // allocates the gradient views
            INDArray a = g.feedForward(new INDArray[] {x}, false).get("pre").dup();
            FastConvolutionLayer layer = inner(g);
            INDArray view = layer.getGradientsViewArray();
            view.assign(7.0); // a sentinel: nothing may write into the parameter-gradient view
            layer.setInput(a, LayerWorkspaceMgr.noWorkspaces());
            INDArray epsilon = Nd4j.randn(DataType.FLOAT, layer.activate(false, LayerWorkspaceMgr.noWorkspaces()).shape());
            var result = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces());
            assertTrue(result.getFirst().gradientForVariable().isEmpty(), name);
            assertEquals(7.0, view.minNumber().doubleValue(), name);
            assertEquals(7.0, view.maxNumber().doubleValue(), name);
            // the input gradient equals the one of the same layer computing its parameter gradients too
            layer.setInputGradientOnly(false);
            layer.activate(false, LayerWorkspaceMgr.noWorkspaces());
            INDArray full = layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces()).getSecond();
            assertClose(full, result.getSecond(), 1e-6, "input gradient " + name);
        }
    }

    @Test
    void runtimeWrapperZeroesTheInnerGradientView() {
        ComputationGraph g = init(conf(CASES[0], true, DataType.FLOAT));
        Nd4j.getRandom().setSeed(14);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 15, 13);
        gradient(g, x, Nd4j.randn(DataType.FLOAT, g.outputSingle(x).shape())); // allocates the gradient views
        FrozenWithInputGradient.Runtime wrapper =
                assertInstanceOf(FrozenWithInputGradient.Runtime.class, g.getLayer("conv"));
        INDArray a = g.feedForward(new INDArray[] {x}, false).get("pre").dup();
        INDArray view = wrapper.getUnderlying().getGradientsViewArray();
        view.assign(7.0); // whatever was there (e.g. an updater's write) is zero after the wrapper's backprop
        wrapper.setInput(a, LayerWorkspaceMgr.noWorkspaces());
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, wrapper.activate(false, LayerWorkspaceMgr.noWorkspaces()).shape());
        var result = wrapper.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces());
        assertEquals(0.0, view.amaxNumber().doubleValue());
        assertTrue(result.getSecond().amaxNumber().doubleValue() > 0, "the input gradient passes");
    }

    @Test
    void frozenParametersDoNotMoveInTraining() {
        for (int[] c : new int[][] {CASES[0], CASES[3]}) {
            ComputationGraph g = init(conf(c, true, DataType.FLOAT));
            INDArray before = g.getLayer("conv").params().dup();
            INDArray preBefore = g.getLayer("pre").params().dup();
            Nd4j.getRandom().setSeed(13);
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 15, 13);
            INDArray labels = Nd4j.randn(DataType.FLOAT, g.outputSingle(x).shape());
            for (int i = 0; i < 3; i++) {
                g.fit(new INDArray[] {x}, new INDArray[] {labels});
            }
            assertEquals(before, g.getLayer("conv").params(), "frozen parameters moved");
            assertFalse(preBefore.equals(g.getLayer("pre").params()), "the trainable layer did not move");
        }
    }

    @Test
    void survivesJsonAndClone() {
        ComputationGraphConfiguration conf = conf(CASES[0], true, DataType.FLOAT);
        for (ComputationGraphConfiguration back : new ComputationGraphConfiguration[] {
                ComputationGraphConfiguration.fromJson(conf.toJson()), conf.clone()}) {
            var layer = ((LayerVertex) back.getVertices().get("conv")).getLayerConf().getLayer();
            FrozenWithInputGradient frozen = assertInstanceOf(FrozenWithInputGradient.class, layer);
            assertInstanceOf(FastConvolution.class, frozen.getUnderlying());
            assertTrue(inner(init(back)).isInputGradientOnly());
        }
    }

    @Test
    void combinedGanGraphMarksEveryFastDiscriminatorConvolution() {
        GanProfile nano = GanProfile.demo().withSizes(2, 2, 2, 1).withResolution(16);
        ComputationGraph combined = new ComputationGraph(
                ComputationGraphConfiguration.fromJson(GanNetworks.combinedConfiguration(nano, DataType.FLOAT, 5).toJson()));
        combined.init();
        int marked = 0;
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : combined.getVertices()) {
            if (!vertex.hasLayer()) {
                continue;
            }
            String name = vertex.getVertexName();
            org.deeplearning4j.nn.api.Layer layer = vertex.getLayer();
            if (layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop f) {
                assertTrue(GanNetworks.isDiscriminatorLayer(name), name);
                assertTrue(((FastConvolutionLayer) f.getUnderlying()).isInputGradientOnly(), name);
                marked++;
            } else if (layer instanceof FastConvolutionLayer fast) {
                assertFalse(fast.isInputGradientOnly(), name);
            }
        }
        assertEquals(2 * 5, marked); // 5 convs on 2 scales
    }
}
