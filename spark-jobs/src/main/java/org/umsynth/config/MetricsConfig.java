package org.umsynth.config;

import java.util.Arrays;

/** Settings of the {@code metrics} stage (MM-FID / MM-STD, SPEC section 5). */
public class MetricsConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting("feature extractors (tasks), comma-separated: inception_v3_nsfwjs (offline default, non-standard), mobilenet_v2_nsfwjs, "
            + "random_conv_test, tfjs:DIR, keras:FILE.h5[+TOPOLOGY.json], segmenter:MODEL.zip (the encoder of a U-Net from the "
            + "utility stage, a CT task), discriminator:ROOT/models/RUN (the GAN discriminator of a um-conditioned "
            + "train run, each image conditioned on its own UM, judged at D's training resolution; discriminator-native: at "
            + "each r); tfjs-standard:/keras-standard: mark user-supplied "
            + "ImageNet weights")
    public String extractors = "inception_v3_nsfwjs";

    public enum RealSubset { ALL, MASKED }

    @Setting("real images: all rows of the real table, or masked (only slices with a UM in ROOT/masks: the real "
            + "counterparts of synthetic sets)")
    public RealSubset realSubset = RealSubset.ALL;

    @Setting("input resolutions r (scales), comma-separated")
    public String resolutions = "128,256,512,1024";

    @Setting("image column: auto (hu, else image), or a column name holding int16 LE HU bytes")
    public String imageColumn = "auto";

    @Setting(value = "images per extractor batch (does not change the features)", min = 1, max = 4096)
    public int batchSize = 8;

    @Setting(value = "Poisson bootstrap replicates B per cell (memory B * d^2 / 2 * 8 bytes per task; 0 = no CIs)", min = 0, max = 1000)
    public int bootstrap = 10;

    @Setting(value = "bootstrap seed", min = 0)
    public long seed = 20230322L;

    @Setting(value = "confidence level of the percentile intervals", min = 0.5, max = 0.999)
    public double confidence = 0.95;

    @Setting("reproduce the reference's 8-bit PNG quantisation before resizing (side-by-side checks only)")
    public boolean reference8bit = false;

    @Setting("model cache folder on every executor (blank: $UMSYNTH_MODEL_CACHE or ~/.cache/umsynth/models)")
    public String modelCache = "";

    @Override
    public String prefix() {
        return "metrics";
    }

    @Override
    public void validate() {
        if (extractorList().length == 0) {
            throw new ConfigException("key 'metrics.extractors': at least one extractor is needed");
        }
        try {
            for (int r : resolutionList()) {
                if (r < 16 || r > 4096) {
                    throw new ConfigException("key 'metrics.resolutions': " + r + " is outside [16, 4096]");
                }
            }
        } catch (NumberFormatException e) {
            throw new ConfigException("key 'metrics.resolutions': not a list of integers: " + resolutions);
        }
    }

    public String[] extractorList() {
        return Arrays.stream(extractors.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toArray(String[]::new);
    }

    public int[] resolutionList() {
        return Arrays.stream(resolutions.split(",")).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }
}
