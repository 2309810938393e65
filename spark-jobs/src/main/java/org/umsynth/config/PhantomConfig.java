package org.umsynth.config;

/** Settings of the {@code phantom} command (deterministic chest-CT demo volumes). */
public class PhantomConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting(value = "in-plane size in pixels (square)", min = 32, max = 1024)
    public int size = 256;

    @Setting(value = "number of axial slices", min = 16, max = 1024)
    public int slices = 64;

    @Override
    public String prefix() {
        return "phantom";
    }
}
