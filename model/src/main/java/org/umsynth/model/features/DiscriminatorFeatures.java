package org.umsynth.model.features;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.image.Resize;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.um.UmParams;
import org.umsynth.model.um.UnsupervisedMask;
import org.umsynth.model.um.UnusableSliceException;

/**
 * A project task network as MM-FID extractor (SPEC section 5): the multi-scale PatchGAN discriminator of a
 * UM-conditioned {@code train} run. Spec string {@code discriminator:PATH}, PATH on any Hadoop file system:
 * a run folder {@code ROOT/models/RUN} (its latest complete checkpoint), its {@code checkpoints/} folder, one
 * checkpoint folder, or that folder's {@value GanCheckpoint#DISCRIMINATOR} (the profile is read from the
 * {@value GanCheckpoint#STATE} next to it).
 *
 * <p>Each image (r x r on [-1, 1], {@link FeatureInput}) is resized to D's training resolution R (the
 * anti-aliased {@link Resize.Filter#BILINEAR}; identity when r = R), mapped back to the [0, 255] window, given
 * its own unsupervised mask and edge map ({@link UnsupervisedMask}, with the run's recorded UM parameters, else
 * {@link UmParams#reference()} at R), and fed to D as [UM / 127.5 - 1, edges, windowed / 127.5 - 1], the channel
 * order and scales of training ({@link UnsupervisedMask#generatorInput} and
 * {@link org.umsynth.model.train.TrainingPair}). Real and synthetic images are treated alike: each is
 * conditioned on its own UM.
 *
 * <p>Features: per scale, the global average pool of the last hidden layer (the 4x4 stride-1 conv after the
 * stride-2 stack, instance norm, LeakyReLU 0.2: what D's patch classifier reads, so its mean logit is a
 * linear function of these values), scales concatenated in order: {@code scales x min(ndf * 2^layers, 512)}
 * values (demo profile 2 x 128 = 256, paper 2 x 512 = 1024). Named {@code discriminator_<run>}; never standard.
 *
 * <p>Judged at R, every metric resolution r >= R gives (nearly) the same features: only r < R removes detail. The
 * variant {@code discriminator-native:PATH} (named {@code discriminator_native_<run>}) instead runs the fully
 * convolutional D and the UM at r itself, as MM-FID feeds its other extractors r x r directly: each r then shows
 * D another field of view, with filters learnt at R.
 */
public final class DiscriminatorFeatures implements FeatureExtractor {
    public static final String PREFIX = "discriminator:";
    /** The same network judging each image at the metric's resolution r instead of its training resolution. */
    public static final String NATIVE_PREFIX = "discriminator-native:";
    /** Optional key of a checkpoint's {@code config} holding the run's {@link UmParams#describe()} JSON. */
    public static final String UM_PARAMS_KEY = "umParams";

    private static final Logger LOG = LoggerFactory.getLogger(DiscriminatorFeatures.class);
    private static final String USAGE = "expected ROOT/models/RUN (a train run), its checkpoints/ folder, one "
            + "checkpoint folder or that folder's " + GanCheckpoint.DISCRIMINATOR;

    private final ComputationGraph discriminator;
    private final int resolution;
    private final UmParams umParams;
    private final List<String> hiddenLayers;
    private final int[] hiddenChannels;
    private final int dimension;
    private final String name;
    private final String description;
    private final int batchSize;
    private final boolean atInputResolution;

    private DiscriminatorFeatures(ComputationGraph discriminator, GanProfile profile, UmParams umParams,
            boolean umParamsRecorded, String run, String location, int batchSize, boolean atInputResolution) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
        this.discriminator = discriminator;
        this.resolution = profile.resolution();
        this.umParams = umParams;
        this.batchSize = batchSize;
        this.atInputResolution = atInputResolution;
        ComputationGraphConfiguration conf = discriminator.getConfiguration();
        this.hiddenLayers = hiddenLayers(conf, location);
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(resolution, resolution, profile.discriminatorInputChannels()));
        this.hiddenChannels = new int[hiddenLayers.size()];
        int d = 0;
        for (int s = 0; s < hiddenChannels.length; s++) {
            hiddenChannels[s] = (int) ((InputType.InputTypeConvolutional) types.get(hiddenLayers.get(s))).getChannels();
            d += hiddenChannels[s];
        }
        this.dimension = d;
        this.name = (atInputResolution ? "discriminator_native_" : "discriminator_") + run;
        this.description = String.format(Locale.ROOT, "GAN discriminator of the umsynth train run '%s' (%s; trained at "
                + "%dx%d, ndf %d, %d layers): each image %s, conditioned on its own UM and edge map (%s UM "
                + "parameters %s), input [UM, edges, image]; global average pool of the last hidden layer of each of "
                + "%d PatchGAN scales, %d features; a project task network, not the standard FID extractor",
                run, location, resolution, resolution, profile.ndf(), profile.discriminatorLayers(),
                atInputResolution ? "judged at the metric's resolution r" : "resized to " + resolution,
                umParamsRecorded ? "the run's recorded" : "default (not recorded by the run)", umParams.describe(),
                hiddenLayers.size(), dimension);
    }

    /** Loads the discriminator of {@code location} (see the class comment for what it may name). */
    public static DiscriminatorFeatures load(String location, int batchSize) throws IOException {
        return load(location, batchSize, false);
    }

    /**
     * As {@link #load(String, int)}; {@code atInputResolution} runs D (fully convolutional) and the UM at each
     * metric resolution r instead of resizing to D's training resolution.
     */
    public static DiscriminatorFeatures load(String location, int batchSize, boolean atInputResolution)
            throws IOException {
        Configuration conf = new Configuration();
        Path path = HadoopPaths.qualify(location, conf);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) {
            throw new IOException("discriminator checkpoint " + location + " not found: " + USAGE);
        }
        Path checkpoint;
        Path zip;
        if (fs.getFileStatus(path).isFile()) {
            zip = path;
            checkpoint = path.getParent();
            if (!fs.exists(new Path(checkpoint, GanCheckpoint.STATE))) {
                throw new IOException("discriminator " + location + ": no " + GanCheckpoint.STATE + " next to it (the "
                        + "training profile and UM parameters are recorded there): " + USAGE);
            }
        } else {
            checkpoint = checkpointFolder(fs, path, location);
            zip = new Path(checkpoint, GanCheckpoint.DISCRIMINATOR);
            if (!fs.exists(zip)) {
                throw new IOException("discriminator checkpoint " + checkpoint + " (from " + location + ") has no "
                        + GanCheckpoint.DISCRIMINATOR);
            }
        }
        GanCheckpoint.State state;
        try {
            state = GanCheckpoint.readState(fs, checkpoint);
        } catch (IOException | RuntimeException e) {
            throw new IOException("discriminator checkpoint " + checkpoint + ": unreadable " + GanCheckpoint.STATE
                    + ": " + e.getMessage(), e);
        }
        GanProfile profile = state.profile();
        if (profile.conditioning() != Conditioning.UM) {
            throw new IllegalArgumentException("discriminator " + location + " is from a " + profile.conditioning()
                    .name().toLowerCase(Locale.ROOT) + "-conditioned run: its input needs manual label maps, which "
                    + "images have not; use a um-conditioned run");
        }
        ComputationGraph net;
        try (InputStream in = fs.open(zip)) {
            net = ModelSerializer.restoreComputationGraph(in, false);
        } catch (IOException | RuntimeException e) {
            throw new IOException("discriminator model " + zip + " is not a readable DL4J model zip: " + e.getMessage(), e);
        }
        String recorded = state.config().get(UM_PARAMS_KEY);
        UmParams um = recorded == null ? UmParams.reference().withResolution(profile.resolution())
                : umParamsFromJson(recorded, checkpoint);
        if (um.resolution() != profile.resolution()) {
            LOG.warn("discriminator {}: recorded UM resolution {} differs from D's {}; using {}", location,
                    um.resolution(), profile.resolution(), profile.resolution());
            um = um.withResolution(profile.resolution());
        }
        return new DiscriminatorFeatures(net, profile, um, recorded != null, runName(checkpoint, zip), location,
                batchSize, atInputResolution);
    }

    private static Path checkpointFolder(FileSystem fs, Path dir, String location) throws IOException {
        if (fs.exists(new Path(dir, GanCheckpoint.STATE))) {
            return dir;
        }
        Path checkpoints = new Path(dir, "checkpoints");
        Path folder = fs.exists(checkpoints) ? checkpoints : dir;
        return GanCheckpoint.latest(fs, folder).orElseThrow(() -> new IOException("discriminator checkpoint "
                + location + ": no complete checkpoint in " + folder + " (" + USAGE + ")"));
    }

    /** ROOT/models/RUN/checkpoints/ITER -> RUN; else the checkpoint folder's name. */
    private static String runName(Path checkpoint, Path zip) {
        Path parent = checkpoint.getParent();
        String run = parent != null && parent.getName().equals("checkpoints") && parent.getParent() != null
                ? parent.getParent().getName() : checkpoint.getName();
        if (run.isEmpty()) {
            run = zip.getName().replaceFirst("\\.zip$", "");
        }
        return run.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Per scale s, the layer feeding D's last conv (the input of {@code d<s>_out}'s input). */
    private static List<String> hiddenLayers(ComputationGraphConfiguration conf, String location) {
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> hidden = new ArrayList<>();
        for (int s = 0; inputs.containsKey(GanNetworks.discriminatorOutput(s)); s++) {
            List<String> lastConv = inputs.get(GanNetworks.discriminatorOutput(s));
            List<String> feeding = lastConv.size() == 1 ? inputs.get(lastConv.get(0)) : null;
            if (feeding == null || feeding.size() != 1) {
                throw new IllegalArgumentException("discriminator " + location + ": unexpected layout at scale " + s);
            }
            hidden.add(feeding.get(0));
        }
        if (hidden.isEmpty()) {
            throw new IllegalArgumentException("discriminator " + location + " has no layer "
                    + GanNetworks.discriminatorOutput(0) + ": not an umsynth GAN discriminator");
        }
        return hidden;
    }

    /** Parses {@link UmParams#describe()} JSON (the masks table's {@code params} column). */
    static UmParams umParamsFromJson(String json, Path checkpoint) throws IOException {
        try {
            return UmParams.fromDescription(json);
        } catch (IOException | RuntimeException e) {
            throw new IOException("discriminator checkpoint " + checkpoint + ": config key '" + UM_PARAMS_KEY
                    + "' is not UM parameters JSON: " + e.getMessage(), e);
        }
    }

    @Override public String name() { return name; }

    @Override public String description() { return description; }

    @Override public int dimension() { return dimension; }

    @Override public boolean standard() { return false; }

    /** D's training resolution R, at which every image is judged. */
    public int trainingResolution() { return resolution; }

    public UmParams umParams() { return umParams; }

    @Override
    public double[][] extract(float[][] images, int inputResolution) {
        int inPixels = inputResolution * inputResolution;
        int side = workingResolution(inputResolution);
        int pixels = side * side;
        double[][] out = new double[images.length][];
        for (int start = 0; start < images.length; start += batchSize) {
            int n = Math.min(batchSize, images.length - start);
            float[] batch = new float[n * 3 * pixels];
            for (int i = 0; i < n; i++) {
                float[] img = images[start + i];
                if (img.length != inPixels) {
                    throw new IllegalArgumentException("image " + (start + i) + " has " + img.length + " pixels, expected "
                            + inputResolution + "x" + inputResolution);
                }
                discriminatorInput(img, inputResolution, batch, i * 3 * pixels);
            }
            INDArray x = Nd4j.create(batch, new long[]{n, 3, side, side}, 'c');
            Map<String, INDArray> activations = discriminator.feedForward(new INDArray[]{x}, false);
            double[][] rows = new double[n][dimension];
            int offset = 0;
            for (int s = 0; s < hiddenLayers.size(); s++) {
                double[][] pooled = activations.get(hiddenLayers.get(s)).mean(2, 3).castTo(DataType.DOUBLE).toDoubleMatrix();
                for (int i = 0; i < n; i++) {
                    System.arraycopy(pooled[i], 0, rows[i], offset, hiddenChannels[s]);
                }
                offset += hiddenChannels[s];
            }
            System.arraycopy(rows, 0, out, start, n);
        }
        return out;
    }

    /** The side D judges an r x r image at: R, or r itself for {@link #NATIVE_PREFIX}. */
    public int workingResolution(int inputResolution) {
        return atInputResolution ? inputResolution : resolution;
    }

    /** Writes [UM, edges, image] at the working resolution for one [-1, 1] image into {@code dst} from {@code offset}. */
    void discriminatorInput(float[] image, int inputResolution, float[] dst, int offset) {
        int side = workingResolution(inputResolution);
        int pixels = side * side;
        float[] atR = inputResolution == side ? image
                : Resize.resize(image, inputResolution, inputResolution, side, side, Resize.Filter.BILINEAR);
        float[] windowed = new float[pixels];
        for (int k = 0; k < pixels; k++) {
            // FeatureInput's (w / 255 - 0.5) / 0.5 undone: back to the [0, 255] window training works in
            windowed[k] = Math.max(0f, Math.min(255f, (atR[k] + 1f) * 127.5f));
        }
        float[] condition = UnsupervisedMask.generatorInput(unsupervisedMask(windowed, side), side, side);
        System.arraycopy(condition, 0, dst, offset, 2 * pixels);
        for (int k = 0; k < pixels; k++) {
            dst[offset + 2 * pixels + k] = windowed[k] / 127.5f - 1f; // TrainingPair's image scale
        }
    }

    private byte[] unsupervisedMask(float[] windowed, int side) {
        // n_segments stays per image at any side (UmParams), so the UM keeps its anatomical granularity
        UmParams params = side == umParams.resolution() ? umParams : umParams.withResolution(side);
        try {
            return UnsupervisedMask.fromWindowed(windowed, side, side, params).um();
        } catch (UnusableSliceException e) {
            // a constant image has no superpixels to find, but every segmentation fills it with its one value
            float first = params.uint8Input() ? (int) windowed[0] : windowed[0];
            for (float v : windowed) {
                if ((params.uint8Input() ? (int) v : v) != first) {
                    throw new IllegalArgumentException("no unsupervised mask for an image: " + e.getMessage(), e);
                }
            }
            byte[] um = new byte[windowed.length];
            java.util.Arrays.fill(um, (byte) UnsupervisedMask.quantise(first, params.quantStep()));
            return um;
        }
    }
}
