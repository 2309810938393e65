package org.umsynth.model.gan;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@code ConvolutionLayer} configuration (every field, the parameter layout {@code W [nOut, nIn, kH, kW]},
 * {@code b}, the initialiser, JSON form apart from the class name) whose layer computes the same function
 * with {@link FastConvolutionLayer}: Java im2col + BLAS gemm per image, no forward pass repeated in backprop.
 * Parameters move freely between a stock and a fast layer of the same shape.
 */
public class FastConvolution extends ConvolutionLayer {

    /** For JSON. */
    public FastConvolution() {}

    protected FastConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FastConvolution", getLayerName(), layerIndex, getNIn(), getNOut());
        FastConvolutionLayer layer = new FastConvolutionLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    /** {@code ConvolutionLayer.Builder} (same validation) building a {@link FastConvolution}. */
    public static class Builder extends ConvolutionLayer.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        @SuppressWarnings("unchecked")
        public FastConvolution build() {
            super.build(); // the stock builder's validation
            return new FastConvolution(this);
        }
    }
}
