package org.umsynth.config;

/** Settings of the {@code report} stage (static HTML report of everything under a dataset root). */
public class ReportConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting(value = "synthetic samples shown per synthetic set (UM | image | segmentation | source slice)", min = 0, max = 200)
    public int samples = 8;

    @Setting(value = "masks shown (HU | UM | edges) when no synthetic set exists", min = 0, max = 200)
    public int maskPictures = 6;

    @Setting(value = "side in pixels of every picture in the image grids (images are resized to it)", min = 32, max = 1024)
    public int pictureSize = 192;

    @Setting(value = "training sample PNGs copied per run (the most recent ones)", min = 0, max = 200)
    public int trainingSamples = 6;

    @Override
    public String prefix() {
        return "report";
    }
}
