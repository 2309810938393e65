package org.umsynth.config;

/** Settings of the {@code masks} stage (unsupervised masks from the {@code slices} table). */
public class MasksConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting(value = "working resolution of a mask in pixels (square)", min = 32, max = 2048)
    public int resolution = 256;

    @Override
    public String prefix() {
        return "masks";
    }
}
