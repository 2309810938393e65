package org.umsynth.model.seg;

import java.io.Serializable;

/**
 * Shape and optimiser of the downstream segmentation U-Net: input {@code resolution x resolution}, one
 * channel (the HU-windowed slice on [-1, 1]); {@code depth} 2x2 max-poolings; {@code baseFilters} at the
 * top level, doubling per level; {@code classes} softmax outputs; Adam with {@code learningRate}.
 */
public record UNetSpec(int resolution, int depth, int baseFilters, int classes, double learningRate, double diceSmooth)
        implements Serializable {

    public UNetSpec {
        if (depth < 1 || depth > 6) {
            throw new IllegalArgumentException("U-Net depth must be 1..6: " + depth);
        }
        if (resolution < 8 || resolution % (1 << depth) != 0) {
            throw new IllegalArgumentException("U-Net resolution " + resolution + " must be divisible by 2^depth = "
                    + (1 << depth));
        }
        if (baseFilters < 1 || classes < 2) {
            throw new IllegalArgumentException("U-Net needs baseFilters >= 1 and classes >= 2: " + baseFilters + ", " + classes);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be positive: " + learningRate);
        }
    }

    /** Channels of the bottleneck: the dimension of the segmenter's pooled features. */
    public int bottleneckChannels() {
        return baseFilters << depth;
    }
}
