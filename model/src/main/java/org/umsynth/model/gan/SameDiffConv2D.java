package org.umsynth.model.gan;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A 2-D convolution (NCHW, explicit zero padding, truncated output, bias) as a SameDiff layer calling
 * libnd4j's {@code conv2d} op directly. The stock {@code ConvolutionLayer} of DL4J 1.0.0-M2.1 never uses
 * oneDNN; this op does when the {@code linux-x86_64-onednn-avx2} native classifier is on the class path.
 * Weights {@code W [kH, kW, nIn, nOut]} drawn from N(0, initStd), bias {@code b [nOut]} zero. Carries the
 * {@link SameDiffGradientFix}. Activation: {@code identity}, {@code tanh} or {@code lrelu} (slope 0.2).
 */
public class SameDiffConv2D extends SameDiffLayer {
    public static final String WEIGHTS = "W";
    public static final String BIAS = "b";

    private int kernel;
    private int stride = 1;
    private int padding;
    private long nIn;
    private long nOut;
    private double initStd = 0.02;
    private String activationName = "identity";

    public SameDiffConv2D() {}

    public SameDiffConv2D(int kernel, int stride, int padding, long nOut, double initStd, String activationName) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.nOut = nOut;
        this.initStd = initStd;
        this.activationName = activationName;
        checkActivation(activationName);
    }

    private static void checkActivation(String name) {
        if (!name.equals("identity") && !name.equals("tanh") && !name.equals("lrelu")) {
            throw new IllegalArgumentException("activation must be identity, tanh or lrelu: " + name);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        return InputType.convolutional(outSide(c.getHeight()), outSide(c.getWidth()), nOut);
    }

    private long outSide(long in) {
        return (in + 2L * padding - kernel) / stride + 1;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (override || nIn == 0) {
            nIn = ((InputType.InputTypeConvolutional) inputType).getChannels();
        }
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(WEIGHTS, kernel, kernel, nIn, nOut);
        params.addBiasParam(BIAS, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHTS);
        w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(initStd));
        params.get(BIAS).assign(0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        Conv2DConfig config = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(padding)
                .pW(padding).dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        SDVariable y = sd.cnn().conv2d(input, params.get(WEIGHTS), params.get(BIAS), config);
        y = switch (activationName) {
            case "tanh" -> sd.math().tanh(y);
            case "lrelu" -> sd.nn().leakyRelu(y, 0.2);
            default -> y;
        };
        return SameDiffGradientFix.apply(sd, y);
    }

    public int getKernel() {
        return kernel;
    }

    public void setKernel(int kernel) {
        this.kernel = kernel;
    }

    public int getStride() {
        return stride;
    }

    public void setStride(int stride) {
        this.stride = stride;
    }

    public int getPadding() {
        return padding;
    }

    public void setPadding(int padding) {
        this.padding = padding;
    }

    public long getNIn() {
        return nIn;
    }

    public void setNIn(long nIn) {
        this.nIn = nIn;
    }

    public long getNOut() {
        return nOut;
    }

    public void setNOut(long nOut) {
        this.nOut = nOut;
    }

    public double getInitStd() {
        return initStd;
    }

    public void setInitStd(double initStd) {
        this.initStd = initStd;
    }

    public String getActivationName() {
        return activationName;
    }

    public void setActivationName(String activationName) {
        checkActivation(activationName);
        this.activationName = activationName;
    }
}
