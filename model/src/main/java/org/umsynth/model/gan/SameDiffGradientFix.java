package org.umsynth.model.gan;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a DL4J 1.0.0-M2.1 defect: every SameDiff layer returns {@code f} (measured: 2) times
 * the correct gradient for its input and parameters, with no error. A layer whose output is {@code y}
 * emits {@code y/f + StopGradient(y*(1-1/f))} instead: the same value, gradient scaled by {@code 1/f}.
 *
 * <p>{@code f} is probed once per JVM by comparing a parameter gradient with and without a
 * pass-through SameDiff layer behind it, so the fix turns itself off (f = 1) once DL4J is fixed.
 */
public final class SameDiffGradientFix {
    private static final Logger LOG = LoggerFactory.getLogger(SameDiffGradientFix.class);
    private static volatile Double factor;

    private SameDiffGradientFix() {}

    /** The measured gradient factor of one SameDiff layer in this JVM (1 when DL4J is correct). */
    public static double factor() {
        Double f = factor;
        if (f == null) {
            synchronized (SameDiffGradientFix.class) {
                if (factor == null) {
                    // the first layer to ask may be defining itself inside another network's workspace
                    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                        factor = probe();
                    }
                    LOG.info("SameDiff layer gradient factor measured as {}", factor);
                }
                f = factor;
            }
        }
        return f;
    }

    /** {@code y} with its gradient divided by {@link #factor()}; {@code y} itself when no fix is needed. */
    public static SDVariable apply(SameDiff sd, SDVariable y) {
        double f = factor();
        if (f == 1.0) {
            return y;
        }
        SDVariable held = new StopGradient(sd, y.mul(1.0 - 1.0 / f)).outputVariable();
        return y.div(f).add(held);
    }

    private static double probe() {
        INDArray input = Nd4j.linspace(DataType.DOUBLE, -1.0, 0.25, 2 * 3 * 3).reshape(1, 2, 3, 3);
        INDArray labels = Nd4j.linspace(DataType.DOUBLE, 0.5, -0.1, 3 * 3).reshape(1, 1, 3, 3);
        double plain = weightGradientSum(false, input, labels);
        double wrapped = weightGradientSum(true, input, labels);
        if (!(Math.abs(plain) > 1e-12)) {
            throw new IllegalStateException("SameDiff gradient probe degenerate: reference gradient " + plain);
        }
        double ratio = wrapped / plain;
        long rounded = Math.round(ratio);
        if (rounded < 1 || Math.abs(ratio - rounded) > 1e-6) {
            throw new IllegalStateException("SameDiff layer gradient factor is not a positive integer: " + ratio);
        }
        return rounded;
    }

    private static double weightGradientSum(boolean passThrough, INDArray input, INDArray labels) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).seed(7)
                .trainingWorkspaceMode(WorkspaceMode.NONE).inferenceWorkspaceMode(WorkspaceMode.NONE).updater(new Sgd(0.0)).weightInit(WeightInit.ONES)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(3, 3, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(1, 1).nOut(1).activation(Activation.IDENTITY)
                        .build(), "in");
        String last = "conv";
        if (passThrough) {
            b.addLayer("pass", new PassThrough(), "conv");
            last = "pass";
        }
        b.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                .activation(Activation.IDENTITY).build(), last).setOutputs("out");
        ComputationGraph g = new ComputationGraph(b.build());
        g.init();
        g.setInputs(input);
        g.setLabels(labels);
        g.computeGradientAndScore();
        return g.gradient().getGradientFor("conv_W").sumNumber().doubleValue();
    }

    /** Identity SameDiff layer without the fix: the probe's subject. */
    public static final class PassThrough extends SameDiffLambdaLayer {
        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable input) {
            return input.mul(1.0);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return inputType;
        }
    }
}
