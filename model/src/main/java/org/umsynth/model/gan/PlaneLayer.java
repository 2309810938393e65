package org.umsynth.model.gan;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the parameter-free NCHW layers computed plane by plane in Java ({@link FastInstanceNorm},
 * {@link FastReflectionPad2D}): the configuration side; {@link Impl} is the layer side.
 */
public abstract class PlaneLayer extends NoParamLayer {

    /** The layer computing this configuration. */
    protected abstract Impl create(NeuralNetConfiguration conf, DataType dataType);

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
            int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Impl layer = create(conf, networkDataType);
        layer.setListeners(trainingListeners);
        layer.setIndex(layerIndex);
        Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(params);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(inputType, getLayerName());
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, getOutputType(0, inputType))
                .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    /** The layer side: no parameters, no regularisation, 4-d activations. */
    public abstract static class Impl extends AbstractLayer<PlaneLayer> {
        protected Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public boolean isPretrainLayer() {
            return false;
        }

        @Override
        public void clearNoiseWeightParams() {}

        @Override
        public Type type() {
            return Type.CONVOLUTIONAL;
        }

        @Override
        public double calcRegularizationScore(boolean backpropOnlyParams) {
            return 0;
        }

        /** Float layers on float input compute in float (no conversions to and from double). */
        protected boolean floatPath() {
            return dataType == DataType.FLOAT && input.dataType() == DataType.FLOAT;
        }

        /** The input's values (c order) as doubles. */
        protected double[] inputValues() {
            return ConvBuffers.read(input);
        }

        protected void checkRank4() {
            if (input.rank() != 4) {
                throw new IllegalArgumentException(layerId() + ": expected 4-d NCHW input, got shape "
                        + java.util.Arrays.toString(input.shape()));
            }
        }

        protected INDArray newArray(LayerWorkspaceMgr mgr, org.deeplearning4j.nn.workspace.ArrayType type,
                long... shape) {
            return mgr.createUninitialized(type, dataType, shape, 'c');
        }
    }
}
