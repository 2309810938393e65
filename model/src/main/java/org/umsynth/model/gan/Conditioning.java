package org.umsynth.model.gan;

/**
 * What the generator is conditioned on. The networks are the same; only the input channel count differs.
 */
public enum Conditioning {
    /** The method: the unsupervised mask scaled to [-1, 1] plus its edge map (2 channels). */
    UM,
    /** The baseline: the one-hot manual label map (C channels) plus its edge map. */
    SEG;

    /** Generator input channels for {@code classes} segmentation classes. */
    public int channels(int classes) {
        return this == UM ? 2 : classes + 1;
    }

    public static Conditioning parse(String name) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "um" -> UM;
            case "seg" -> SEG;
            default -> throw new IllegalArgumentException("conditioning mode must be um or seg: " + name);
        };
    }
}
