package org.umsynth.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.train.Conditioning;

/**
 * Settings of the {@code train} stage: a GAN profile ({@code demo} or {@code paper}, SPEC section 4) with
 * optional overrides (0 keeps the profile's value), and the Spark distribution (design A of SPEC/STACK).
 */
public class TrainConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    /** The named profiles. */
    public enum Profile {
        DEMO, PAPER
    }

    @Setting("network and schedule profile: demo (minutes on 2 CPU cores) or paper (the reference's values)")
    public Profile profile = Profile.DEMO;

    @Setting("conditioning: um (the method) or seg (the baseline: one-hot manual labels, labelled cases only)")
    public Conditioning mode = Conditioning.UM;

    @Setting(value = "image side; must equal the masks table's rows/cols (0: the profile's)", min = 0, max = 4096)
    public int resolution = 0;

    @Setting(value = "generator filters of the first layer (0: the profile's)", min = 0, max = 1024)
    public int ngf = 0;

    @Setting(value = "discriminator filters of the first layer (0: the profile's)", min = 0, max = 1024)
    public int ndf = 0;

    @Setting(value = "generator stride-2 down/upsamplings (-1: the profile's)", min = -1, max = 8)
    public int downsamplings = -1;

    @Setting(value = "generator residual blocks (-1: the profile's)", min = -1, max = 64)
    public int residualBlocks = -1;

    @Setting(value = "PatchGAN stride-2 layers per scale (0: the profile's)", min = 0, max = 6)
    public int discriminatorLayers = 0;

    @Setting(value = "epochs at constant learning rate (-1: the profile's)", min = -1, max = 100000)
    public int epochs = -1;

    @Setting(value = "further epochs of linear learning-rate decay to 0 (-1: the profile's)", min = -1, max = 100000)
    public int decayEpochs = -1;

    @Setting(value = "minibatch size per worker (0: the profile's)", min = 0, max = 1024)
    public int batchSize = 0;

    @Setting(value = "Adam learning rate (0: the profile's)", min = 0, max = 1)
    public double learningRate = 0;

    @Setting("convolutions as SameDiff conv2d layers (fast with the oneDNN build: mvn -Ponednn and "
            + "-Dorg.bytedeco.javacpp.platform.extension=-onednn-avx2); checkpoints are not interchangeable")
    public boolean sameDiffConvolutions = false;

    @Setting("DL4J's stock ConvolutionLayer / Deconvolution2D and the SameDiff instance norm / reflection padding "
            + "instead of the fast Java layers (FastConvolution, FastDeconvolution2D, FastInstanceNorm, "
            + "FastReflectionPad2D): same function and parameters, checkpoints load either way, 4-7x slower GAN "
            + "steps on CPU")
    public boolean stockLayers = false;

    @Setting(value = "minibatches per worker in one round (one D phase, then one G phase)", min = 1, max = 100000)
    public int roundBatches = 8;

    @Setting(value = "minibatches per worker between parameter averagings (0: roundBatches, one average per phase)",
            min = 0, max = 100000)
    public int averagingFrequency = 0;

    @Setting(value = "Spark workers for parameter averaging (0: the default parallelism)", min = 0, max = 100000)
    public int workers = 0;

    @Setting(value = "checkpoint every this many rounds (and at each epoch end; 0: epoch ends only)", min = 0,
            max = 1000000)
    public int checkpointEvery = 20;

    @Setting(value = "checkpoints kept (the newest; older ones are deleted after a new one is complete)", min = 1,
            max = 1000000)
    public int keepCheckpoints = 3;

    @Setting("seed of the networks' initialisation, the per-epoch shuffles and every other pseudo-random choice")
    public long seed = 42;

    @Setting(value = "fewest labelled training cases needed to start", min = 0, max = 1000000)
    public int minLabelledCases = 1;

    @Setting(value = "use the manual labels of only this many labelled training cases (the first by case id; the "
            + "others count as unlabelled), to study few labels; 0: all", min = 0, max = 1000000)
    public int labelledCases = 0;

    @Setting(value = "labelled passes per epoch, before the unlabelled pass (the reference's epoch_gt_all; paper: 1); "
            + "with few labelled cases, more passes give the segmentation head as many steps as the image head",
            min = 1, max = 1000)
    public int labelledPassesPerEpoch = 1;

    @Setting("um mode: semi-supervised pass with pseudo-labels on unlabelled cases (false: those cases train "
            + "the image only)")
    public boolean semiSupervised = true;

    @Setting(value = "first epoch (0-based) whose unlabelled pass uses pseudo-labels; before it, unlabelled cases "
            + "train the image only (0: from the start, as the reference)", min = 0, max = 100000)
    public int pseudoLabelsFromEpoch = 0;

    @Setting(value = "training pairs in the fixed monitor batch (driver-side L1/Dice/CE/GAN per round)", min = 1,
            max = 64)
    public int monitorSamples = 4;

    @Setting(value = "sample pictures (UM | synthetic image | synthetic seg | real) written at the end", min = 0,
            max = 1000)
    public int samples = 4;

    @Override
    public String prefix() {
        return "train";
    }

    @Override
    public void validate() {
        GanProfile p;
        try {
            p = ganProfile();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train profile: " + e.getMessage());
        }
        if (averagingFrequency > roundBatches) {
            throw new ConfigException("key 'train.averagingFrequency' (" + averagingFrequency
                    + ") must not exceed 'train.roundBatches' (" + roundBatches + ")");
        }
        if (p.epochs() + p.decayEpochs() < 1) {
            throw new ConfigException("keys 'train.epochs' + 'train.decayEpochs' must give at least one epoch");
        }
    }

    /** The profile with every override applied. */
    public GanProfile ganProfile() {
        GanProfile base = profile == Profile.PAPER ? GanProfile.paper() : GanProfile.demo();
        return new GanProfile(resolution > 0 ? resolution : base.resolution(), ngf > 0 ? ngf : base.ngf(),
                ndf > 0 ? ndf : base.ndf(), downsamplings >= 0 ? downsamplings : base.downsamplings(),
                residualBlocks >= 0 ? residualBlocks : base.residualBlocks(),
                discriminatorLayers > 0 ? discriminatorLayers : base.discriminatorLayers(),
                base.discriminatorScales(), base.classes(), mode, batchSize > 0 ? batchSize : base.batchSize(),
                learningRate > 0 ? learningRate : base.learningRate(), base.beta1(),
                epochs >= 0 ? epochs : base.epochs(), decayEpochs >= 0 ? decayEpochs : base.decayEpochs(),
                base.l1Weight(), base.segWeightLabelled(), base.segWeightPseudo(), base.initStd(), base.diceSmooth(),
                sameDiffConvolutions, stockLayers);
    }

    public int averagingFrequencyOrDefault() {
        return averagingFrequency > 0 ? averagingFrequency : roundBatches;
    }

    /** Every setting as text, for the checkpoint state. */
    public Map<String, String> describe() {
        Map<String, String> m = new TreeMap<>();
        for (java.lang.reflect.Field f : TrainConfig.class.getFields()) {
            if (f.isAnnotationPresent(Setting.class)) {
                try {
                    Object v = f.get(this);
                    m.put(f.getName(), v instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(v));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return m;
    }
}
