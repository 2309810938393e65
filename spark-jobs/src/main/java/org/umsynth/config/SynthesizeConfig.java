package org.umsynth.config;

/** Settings of the {@code synthesize} stage (annotated synthetic slices from UMs and a generator). */
public class SynthesizeConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    public enum Split { TRAIN, TEST, ALL }

    public enum Export { NONE, NIFTI, PNG }

    @Setting(value = "samples per UM (each with its own seeded perturbation)", min = 1, max = 10000)
    public int samplesPerMask = 1;

    @Setting(value = "total samples (0: every selected UM times samplesPerMask); UMs are used round robin", min = 0)
    public long count = 0;

    @Setting("seed of every perturbation; same seed, same bytes")
    public long seed = 1;

    @Setting(value = "which UMs to use: train, test or all (by the case split)")
    public Split split = Split.ALL;

    @Setting(value = "perturbation: each superpixel's intensity moves by up to this many quantisation steps", min = 0, max = 25)
    public int jitterSteps = 0;

    @Setting(value = "perturbation: random ground-glass lesions painted into the lung of each sample", min = 0, max = 50)
    public int lesions = 0;

    @Setting(value = "random lesion radius range, minimum (pixels of the UM)", min = 0)
    public double lesionMinRadius = 3;

    @Setting(value = "random lesion radius range, maximum (pixels of the UM)", min = 0)
    public double lesionMaxRadius = 10;

    @Setting(value = "random lesion mean HU, minimum", min = -1500, max = 100)
    public double lesionMinHu = -700;

    @Setting(value = "random lesion mean HU, maximum", min = -1500, max = 100)
    public double lesionMaxHu = -300;

    @Setting(value = "UM quantisation step tr used when painting lesions (as in the masks stage)", min = 1, max = 255)
    public int quantStep = 10;

    @Setting(value = "generator batch size per task", min = 1, max = 256)
    public int batchSize = 8;

    @Setting(value = "also write files: none, nifti (nnU-Net/MONAI layout imagesTr/labelsTr + dataset.json) or png")
    public Export export = Export.NONE;

    @Override
    public String prefix() {
        return "synthesize";
    }

    @Override
    public void validate() {
        if (lesionMaxRadius < lesionMinRadius) {
            throw new ConfigException("key 'synthesize.lesionMaxRadius': " + lesionMaxRadius + " is below lesionMinRadius " + lesionMinRadius);
        }
        if (lesionMaxHu < lesionMinHu) {
            throw new ConfigException("key 'synthesize.lesionMaxHu': " + lesionMaxHu + " is below lesionMinHu " + lesionMinHu);
        }
    }
}
