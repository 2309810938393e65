package org.umsynth.model.gan;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ActivationLayer} with identity, ReLU and LeakyReLU (any alpha) computed by Java loops instead of
 * libnd4j ops: the stock layer pays a workspace {@code dup} plus a scalar op forward and a {@code dup} plus a custom
 * op ({@code relu_bp} / {@code lrelu_bp}) backward, 10-40 us fixed cost each and a slow LeakyReLU, which on the
 * discriminator's small tensors is most of its time. With the Vector API ({@link Simd#available()}) the loops
 * ({@link VectorActivation}) read the off-heap input (and output gradient) and write the new off-heap array in place;
 * strided arrays and JVMs without it go through per-thread heap copies ({@link Scratch}, {@link ActivationKernel}).
 * Measured per call on the GAN's shapes ({@code ActivationBenchmarkTest}, one core): forward 1.4-2.8x (ReLU) and
 * 11-19x (LeakyReLU) faster than the stock layer, backward 6-26x; in place about 2x faster than through heap copies on
 * [2, 16, 64, 64]. Same float values as the stock layer, bit for bit (kink, signed zeros, NaN); in double the
 * LeakyReLU gradient uses the exact alpha where libnd4j's {@code lrelu_bp} rounds it to float.
 *
 * <p>Other activations (and ReLU with a threshold, cap or negative slope), other data types than float and double,
 * non-CPU backends, and ReLU on JVMs without the Vector API run the stock layer's code. Unlike the stock layer's inference pass, which applies the
 * activation to its input in place, this layer never writes into its input or the output gradient: it returns new
 * {@link ArrayType#ACTIVATIONS} / {@link ArrayType#ACTIVATION_GRAD} arrays.
 *
 * <p>The configuration is the stock one (field {@code activationFn}) under this class name, so configurations that
 * name {@code ActivationLayer} (older checkpoints) load with the stock layer.
 */
public class FastActivation extends ActivationLayer {
    /** System property: {@code false} makes {@link #preferred} build DL4J's stock {@link ActivationLayer} (A/B runs). */
    public static final String ENABLED_PROPERTY = "umsynth.fastActivation";

    /**
     * The SIMD loops read and write the off-heap arrays in place, else (and without the Vector API, or for strided
     * arrays) they run on heap copies in {@link Scratch}; a switch for A/B runs and tests.
     */
    static volatile boolean directKernels = true;

    /** For Jackson. */
    public FastActivation() {
        super();
    }

    public FastActivation(IActivation activation) {
        super(activation);
    }

    public FastActivation(Activation activation) {
        super(activation);
    }

    /** A FastActivation, or the stock {@link ActivationLayer} when {@value #ENABLED_PROPERTY} is {@code false}. */
    public static ActivationLayer preferred(IActivation activation) {
        return Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true")) ? new FastActivation(activation)
                : new ActivationLayer(activation);
    }

    /** Whether the Java loops compute {@code activation} (else the stock code runs). */
    public static boolean computes(IActivation activation) {
        return kind(activation) != null;
    }

    /** The loop for {@code fn}, or null for the stock code. */
    static ActivationKernel.Kind kind(IActivation fn) {
        if (fn instanceof ActivationIdentity) {
            return ActivationKernel.Kind.IDENTITY;
        }
        if (fn instanceof ActivationLReLU) {
            return ActivationKernel.Kind.LEAKY_RELU;
        }
        // plain ReLU only: with any of max, threshold, negativeSlope set the stock code takes other paths
        if (fn instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null
                && r.getNegativeSlope() == null) {
            return ActivationKernel.Kind.RELU;
        }
        return null;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Impl layer = new Impl(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public FastActivation clone() {
        return (FastActivation) super.clone();
    }

    /** Not equal to a stock {@link ActivationLayer} of the same activation (and vice versa: Lombok's canEqual). */
    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FastActivation;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FastActivation && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + 1;
    }

    @Override
    public String toString() {
        return "FastActivation(" + getActivationFn() + ")";
    }

    /** Whether the SIMD loops can read {@code a} in place (no heap copy): contiguous, byte offsets in int range. */
    static boolean direct(INDArray a) {
        return directKernels && Simd.available() && a.dataType() == DataType.FLOAT && ConvBuffers.isContiguousC(a)
                && a.offset() + a.length() <= Integer.MAX_VALUE / Float.BYTES;
    }

    /** LeakyReLU's slope in float (0 for the other activations). */
    static float alpha(IActivation fn) {
        return fn instanceof ActivationLReLU l ? (float) l.getAlpha() : 0f;
    }

    /**
     * The SIMD loop that computes {@code fn} on float arrays read in place, or null (another activation, no Vector
     * API, a non-CPU backend): for layers that apply their own activation ({@link PreActivation}).
     */
    static ActivationKernel.Kind inPlaceKind(IActivation fn) {
        return directKernels && Simd.available() && ConvBuffers.hostBackend() ? kind(fn) : null;
    }

    /** The layer: the stock one with the Java loops where they apply. */
    public static class Impl extends org.deeplearning4j.nn.layers.ActivationLayer {
        public Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private IActivation fn() {
            return layerConf().getActivationFn();
        }

        /** The loop for this layer's activation on {@code a}, or null when the stock code must run. */
        private ActivationKernel.Kind loopFor(INDArray a) {
            if (!ConvBuffers.hostBackend() || a.dataType() != dataType
                    || (dataType != DataType.FLOAT && dataType != DataType.DOUBLE)) {
                return null;
            }
            ActivationKernel.Kind kind = kind(fn());
            // without the Vector API the scalar ReLU selects (mispredicted branches) are slower than libnd4j's ops
            return kind == ActivationKernel.Kind.RELU && !Simd.available() ? null : kind;
        }

        private float alpha() {
            return FastActivation.alpha(fn());
        }

        private double alphaDouble() {
            return fn() instanceof ActivationLReLU l ? l.getAlpha() : 0;
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            assertInputSet(false);
            ActivationKernel.Kind kind = loopFor(input);
            if (kind == null) {
                // the stock inference pass applies the activation to the input in place: work on a copy instead
                return training ? super.activate(true, mgr)
                        : fn().getActivation(mgr.dup(ArrayType.ACTIVATIONS, input, input.ordering()), false);
            }
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, input.shape(), 'c');
            if (dataType == DataType.FLOAT && direct(input)) {
                VectorActivation.forward(kind, alpha(), ConvBuffers.bytes(input), ConvBuffers.byteOffset(input),
                        ConvBuffers.bytes(out), ConvBuffers.byteOffset(out), (int) input.length());
            } else if (dataType == DataType.FLOAT) {
                int n = Math.toIntExact(input.length());
                float[] x = ConvBuffers.floatValues(input, Scratch.IN);
                ActivationKernel.forward(kind, alpha(), x, n);
                ConvBuffers.floats(out).put(0, x, 0, n);
            } else {
                double[] x = ConvBuffers.read(input);
                ActivationKernel.forward(kind, alphaDouble(), x);
                ConvBuffers.write(x, out);
            }
            return out;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            ActivationKernel.Kind kind = loopFor(input);
            if (kind == null || epsilon.dataType() != dataType) {
                return super.backpropGradient(epsilon, mgr);
            }
            if (!Arrays.equals(input.shape(), epsilon.shape())) {
                throw new IllegalArgumentException(layerId() + ": output gradient of shape "
                        + Arrays.toString(epsilon.shape()) + " for input of shape " + Arrays.toString(input.shape()));
            }
            INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
            if (dataType == DataType.FLOAT && direct(input) && direct(epsilon)) {
                VectorActivation.backward(kind, alpha(), ConvBuffers.bytes(input), ConvBuffers.byteOffset(input),
                        ConvBuffers.bytes(epsilon), ConvBuffers.byteOffset(epsilon), ConvBuffers.bytes(dx),
                        ConvBuffers.byteOffset(dx), (int) input.length());
            } else if (dataType == DataType.FLOAT) {
                int n = Math.toIntExact(input.length());
                float[] d = ConvBuffers.floatValues(epsilon, Scratch.GRAD);
                if (kind != ActivationKernel.Kind.IDENTITY) {
                    float[] x = ConvBuffers.floatValues(input, Scratch.IN);
                    ActivationKernel.backward(kind, alpha(), x, d, n);
                }
                ConvBuffers.floats(dx).put(0, d, 0, n);
            } else {
                double[] d = ConvBuffers.read(epsilon);
                ActivationKernel.backward(kind, alphaDouble(), ConvBuffers.read(input), d);
                ConvBuffers.write(d, dx);
            }
            return new Pair<>(new DefaultGradient(), dx);
        }
    }
}
