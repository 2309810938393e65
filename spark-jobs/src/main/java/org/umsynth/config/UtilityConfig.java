package org.umsynth.config;

/**
 * Settings of the {@code utility} stage: the downstream segmentation U-Net trained per arm (real only,
 * real + each synthetic set) and seed with one budget, its Spark distribution (parameter averaging),
 * the evaluation and the paired statistics.
 */
public class UtilityConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    public enum Slices { FOREGROUND, ALL }

    @Setting(value = "U-Net input side: real and synthetic slices are resized to it (a multiple of 2^depth)", min = 8, max = 4096)
    public int resolution = 128;

    @Setting(value = "U-Net max-poolings (levels below the top)", min = 1, max = 6)
    public int depth = 4;

    @Setting(value = "U-Net filters of the top level, doubled per level", min = 1, max = 512)
    public int baseFilters = 16;

    @Setting(value = "segmentation classes (0 background, 1 lung, 2 lesion)", min = 2, max = 255)
    public int classes = 3;

    @Setting(value = "training budget per model: minibatch steps (the same for every arm and seed)", min = 1)
    public int iterations = 400;

    @Setting(value = "slices per minibatch", min = 1, max = 1024)
    public int batchSize = 8;

    @Setting(value = "Adam learning rate", min = 0, max = 1)
    public double learningRate = 1e-3;

    @Setting(value = "models per arm, seeded seed, seed+1, ...", min = 1, max = 100)
    public int seeds = 3;

    @Setting("first seed (initialisation, sample order, augmentation, synthetic subset, bootstrap)")
    public long seed = 1;

    @Setting(value = "synthetic slices per synthetic arm = ratio x real training slices (the same count for every "
            + "synthetic arm: the smallest set caps it)", min = 0, max = 1000)
    public double syntheticRatio = 1.0;

    @Setting(value = "upper bound on synthetic slices per arm (0: none)", min = 0)
    public long maxSynthetic = 0;

    @Setting("seeded augmentation (left-right flip, small shifts), identical per seed in every arm")
    public boolean augmentation = true;

    @Setting(value = "largest shift of the augmentation, as a fraction of the resolution", min = 0, max = 0.5)
    public double maxShift = 0.0625;

    @Setting("which labelled slices train and test: foreground (any non-background label) or all")
    public Slices slices = Slices.FOREGROUND;

    @Setting(value = "Spark workers of the parameter averaging (0: the default parallelism)", min = 0, max = 10000)
    public int workers = 0;

    @Setting(value = "minibatches per worker between parameter averagings (one Spark fit each)", min = 1, max = 100000)
    public int averagingFrequency = 5;

    @Setting(value = "bootstrap replicates of the confidence intervals", min = 100, max = 1000000)
    public int bootstrap = 10000;

    @Setting(value = "confidence level of the intervals", min = 0.5, max = 0.999)
    public double confidence = 0.95;

    @Setting(value = "slices per evaluation batch on the executors", min = 1, max = 4096)
    public int evalBatchSize = 16;

    @Override
    public String prefix() {
        return "utility";
    }

    @Override
    public void validate() {
        if (resolution % (1 << depth) != 0) {
            throw new ConfigException("key 'utility.resolution': " + resolution + " is not a multiple of 2^depth = "
                    + (1 << depth) + " (utility.depth = " + depth + ")");
        }
        if (learningRate <= 0) {
            throw new ConfigException("key 'utility.learningRate': must be positive, got " + learningRate);
        }
    }
}
