package org.umsynth.model.gan;

import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A loss inside a {@code CnnLossLayer}, which hands it {@code [N*H*W, C]} pixel rows and never N, H or
 * W: {@code pixelsPerExample} (H*W) lets it average per example. {@code weight} scales score and
 * gradient. Jackson serialises the networks' losses through these getters and setters.
 */
public abstract class PixelLoss implements ILossFunction {
    protected int pixelsPerExample;
    protected double weight = 1.0;

    public int getPixelsPerExample() {
        return pixelsPerExample;
    }

    public void setPixelsPerExample(int pixelsPerExample) {
        this.pixelsPerExample = pixelsPerExample;
    }

    public double getWeight() {
        return weight;
    }

    public void setWeight(double weight) {
        this.weight = weight;
    }

    @Override
    public String toString() {
        return name();
    }
}
