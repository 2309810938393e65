package org.umsynth.model.gan;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's {@link FrozenLayerWithBackprop} (parameters never updated, the gradient still passed to the input) that
 * also tells a fast inner layer its parameter gradients will be thrown away. DL4J's wrapper calls the inner
 * layer's full {@code backpropGradient} and then zeroes the weight and bias gradients; a {@link FastConvolutionLayer}
 * inside this wrapper computes only the input gradient (no im2col, no weight-gradient gemm, no bias sums) and
 * keeps the pre-activation of the wrapper's inference-mode forward pass for the backward pass. This is the
 * combined graph's frozen discriminator in the G phase, as PyTorch's {@code requires_grad_(False)}.
 *
 * <p>The flag lives in the class name of the configuration, so it survives JSON, {@code clone()} (Spark
 * executors) and checkpoints; a graph saved with DL4J's plain wrapper loads and computes the same values, only
 * with the discarded parameter gradients.
 */
public class FrozenWithInputGradient extends FrozenLayerWithBackprop {

    public FrozenWithInputGradient(@JsonProperty("layer") Layer layer) {
        super(layer);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        org.deeplearning4j.nn.api.Layer layer = super.instantiate(conf, trainingListeners, layerIndex, layerParamsView,
                initializeParams, networkDataType);
        if (layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop frozen) {
            if (frozen.getUnderlying() instanceof FastConvolutionLayer fast) {
                fast.setInputGradientOnly(true);
            }
            return new Runtime(frozen.getUnderlying()); // what DL4J's instantiate wraps, with a cheaper zeroing
        }
        return layer;
    }

    /**
     * DL4J's runtime wrapper, zeroing the inner layer's parameter-gradient view after its backprop with one memory
     * write instead of ND4J's {@code assign(0)} op (~20-40 us of op overhead per frozen layer and step: the combined
     * graph has one per discriminator layer). Same values: the view is all zeros afterwards either way.
     */
    static final class Runtime extends org.deeplearning4j.nn.layers.FrozenLayerWithBackprop {
        private static final long serialVersionUID = 1L;
        private final Gradient zero;

        Runtime(org.deeplearning4j.nn.api.Layer inner) {
            super(inner);
            zero = new DefaultGradient(inner.params());
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
            INDArray inputGradient = getUnderlying().backpropGradient(epsilon, workspaceMgr).getSecond();
            INDArray view = getUnderlying().getGradientsViewArray();
            if (view != null && !Blas.zeroFloats(view)) {
                view.assign(0);
            }
            return new Pair<>(zero, inputGradient);
        }
    }
}
