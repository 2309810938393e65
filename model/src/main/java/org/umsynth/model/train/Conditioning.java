package org.umsynth.model.train;

/**
 * What the generator is conditioned on. {@link #UM} is the paper's method; {@link #SEG} is its
 * baseline (segmentation-mask-guided synthesis), trained on labelled cases only.
 */
public enum Conditioning {
    /** The unsupervised mask scaled to [-1, 1] plus its edge map: 2 channels. */
    UM,
    /** The one-hot manual label map plus its edge map: classes + 1 channels. */
    SEG;

    public int channels(int classes) {
        return this == UM ? 2 : classes + 1;
    }
}
