package org.umsynth.model.gan;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Instance normalisation without affine parameters (PyTorch {@code InstanceNorm2d(affine=False)}):
 * per sample and channel, subtract the mean over H,W and divide by {@code sqrt(biased var + eps)}.
 * DL4J 1.0.0-M2.1 has no such layer; this SameDiff layer carries the {@link SameDiffGradientFix}.
 */
public class InstanceNorm extends SameDiffLambdaLayer {
    private double epsilon = 1e-5;

    public InstanceNorm() {}

    public InstanceNorm(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x) {
        SDVariable centred = x.sub(x.mean(true, 2, 3));
        SDVariable variance = centred.mul(centred).mean(true, 2, 3);
        SDVariable y = centred.mul(sd.math().rsqrt(variance.add(epsilon)));
        return SameDiffGradientFix.apply(sd, y);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public void setEpsilon(double epsilon) {
        this.epsilon = epsilon;
    }
}
