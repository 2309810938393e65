package org.umsynth.model.gan;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@code Deconvolution2D} configuration (fields, JSON form apart from the class name, weights
 * {@code [nIn, nOut, kH, kW]}, bias) computed by {@link FastDeconvolution2DLayer}: the transposed convolution as
 * one gemm + col2im per image ({@link ConvGeometry} with the roles of input and output swapped).
 */
public class FastDeconvolution2D extends Deconvolution2D {

    /** For JSON. */
    public FastDeconvolution2D() {}

    protected FastDeconvolution2D(Builder builder) {
        super(builder);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("FastDeconvolution2D", getLayerName(), layerIndex, getNIn(), getNOut());
        FastDeconvolution2DLayer layer = new FastDeconvolution2DLayer(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    /** {@code Deconvolution2D.Builder} (same validation) building a {@link FastDeconvolution2D}. */
    public static class Builder extends Deconvolution2D.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        @SuppressWarnings("unchecked")
        public FastDeconvolution2D build() {
            super.build(); // the stock builder's validation
            return new FastDeconvolution2D(this);
        }
    }
}
