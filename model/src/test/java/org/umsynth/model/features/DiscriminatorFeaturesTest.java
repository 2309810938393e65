package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.gan.GanTrainer;
import org.umsynth.model.image.Resize;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.model.um.UmParams;
import org.umsynth.model.um.UnsupervisedMask;

/** The GAN discriminator of a (tiny, briefly trained) run as a metrics feature extractor. */
class DiscriminatorFeaturesTest {
    /** 32x32, ngf/ndf 4, 2 downsamplings, 1 residual block, 3 PatchGAN layers on 2 scales. */
    static final GanProfile MICRO = GanProfile.demo().withResolution(32).withSizes(4, 4, 2, 1);
    static final int SIDE = 32;

    @TempDir
    static java.nio.file.Path root;
    static FileSystem fs;
    static java.nio.file.Path run;
    static ComputationGraph trainedDiscriminator;

    @BeforeAll
    static void trainTinyRun() throws Exception {
        fs = FileSystem.getLocal(new Configuration());
        run = root.resolve("models/tiny");
        GanTrainer trainer = new GanTrainer(MICRO, 7);
        Random r = new Random(3);
        UmParams um = UmParams.reference().withResolution(SIDE);
        for (int step = 0; step < 3; step++) {
            List<TrainingPair> pairs = List.of(pair(phantom(SIDE, r), um), pair(phantom(SIDE, r), um));
            List<float[]> cond = new ArrayList<>();
            List<float[]> img = new ArrayList<>();
            pairs.forEach(p -> {
                cond.add(p.input());
                img.add(p.image());
            });
            trainer.step(GanTrainer.Batch.imageOnly(GanInputs.batch(cond, 2, SIDE, SIDE),
                    GanInputs.batch(img, 1, SIDE, SIDE)));
        }
        trainedDiscriminator = trainer.discriminator();
        save(run, MICRO, Map.of("epochs", "1"), trainer, 3);
    }

    static Path save(java.nio.file.Path runDir, GanProfile profile, Map<String, String> config, GanTrainer t,
            long iteration) throws IOException {
        GanCheckpoint.State state = new GanCheckpoint.State(0, "labelled", 0, iteration, 7, profile, config);
        return GanCheckpoint.save(fs, new Path(runDir.resolve("checkpoints").toUri()), state, t.generator(),
                t.discriminator(), t.combined(), null);
    }

    static TrainingPair pair(float[] hu, UmParams params) throws Exception {
        byte[] um = UnsupervisedMask.fromHu(hu, SIDE, SIDE, params).um();
        return TrainingPair.of("c", 0, um, SIDE, new float[][]{hu}, null, SIDE, SIDE, Conditioning.UM, 3);
    }

    /** A chest-like HU slice: air, body ellipse, two lungs, a lesion, noise. */
    static float[] phantom(int side, Random r) {
        float[] hu = new float[side * side];
        double c = (side - 1) / 2.0;
        double bodyA = side * (0.40 + 0.06 * r.nextDouble());
        double bodyB = side * (0.30 + 0.06 * r.nextDouble());
        double lungX = side * (0.18 + 0.04 * r.nextDouble());
        double lungA = side * (0.12 + 0.04 * r.nextDouble());
        double lungB = side * (0.18 + 0.05 * r.nextDouble());
        double lesionX = c + (r.nextBoolean() ? -lungX : lungX);
        double lesionR = side * (0.03 + 0.05 * r.nextDouble());
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x - c;
                double dy = y - c;
                double v = -1000;
                if (sq(dx / bodyA) + sq(dy / bodyB) <= 1) {
                    v = 40;
                }
                if (sq((Math.abs(dx) - lungX) / lungA) + sq(dy / lungB) <= 1) {
                    v = sq(x - lesionX) + sq(dy) <= sq(lesionR) ? -300 : -850;
                }
                hu[y * side + x] = (float) (v + 25 * r.nextGaussian());
            }
        }
        return hu;
    }

    private static double sq(double v) {
        return v * v;
    }

    static float[][] images(int n, int side, long seed, int resolution) {
        Random r = new Random(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = FeatureInput.fromHu(phantom(side, r), side, side, resolution);
        }
        return out;
    }

    @Test
    void runFolderGivesNamedNonStandardExtractorOfDocumentedDimension() throws Exception {
        FeatureExtractor e = Extractors.load("discriminator:" + run, null, 4);
        assertTrue(e instanceof DiscriminatorFeatures);
        assertEquals("discriminator_tiny", e.name());
        // 2 scales x min(ndf 4 * 2^3, 512) channels of the last hidden layer
        assertEquals(2 * 32, e.dimension());
        assertFalse(e.standard());
        assertTrue(e.description().contains("not the standard FID extractor"), e.description());
        assertTrue(e.description().contains("default (not recorded by the run)"), e.description());
        assertEquals(UmParams.reference().withResolution(SIDE), ((DiscriminatorFeatures) e).umParams());
        double[][] f = e.extract(images(3, 48, 11, 128), 128);
        assertEquals(3, f.length);
        for (double[] row : f) {
            assertEquals(64, row.length);
            for (double v : row) {
                assertTrue(Double.isFinite(v));
            }
        }
        // the checkpoints folder, one checkpoint folder, its D zip and a file:// URI name the same network
        Path latest = GanCheckpoint.latest(fs, new Path(run.resolve("checkpoints").toUri())).orElseThrow();
        String checkpointDir = latest.toUri().getPath();
        for (String location : List.of(run.resolve("checkpoints").toString(), checkpointDir,
                checkpointDir + "/" + GanCheckpoint.DISCRIMINATOR, "file://" + run)) {
            FeatureExtractor other = Extractors.load("discriminator:" + location, null, 2);
            assertEquals("discriminator_tiny", other.name(), location);
            double[][] g = other.extract(images(3, 48, 11, 128), 128);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(f[i], g[i], 1e-6, location);
            }
        }
    }

    @Test
    void featuresArePooledLastHiddenLayersOfTheTrainingInput() throws Exception {
        // at r = R, the extractor must see exactly what training showed D: TrainingPair's [UM, edges, image]
        DiscriminatorFeatures e = DiscriminatorFeatures.load(run.toString(), 2);
        Random r = new Random(21);
        float[] hu = phantom(SIDE, r);
        double[] features = e.extract(new float[][]{FeatureInput.fromHu(hu, SIDE, SIDE, SIDE)}, SIDE)[0];

        TrainingPair p = pair(hu, UmParams.reference().withResolution(SIDE));
        INDArray x = Nd4j.concat(1, GanInputs.batch(List.of(p.input()), 2, SIDE, SIDE),
                GanInputs.batch(List.of(p.image()), 1, SIDE, SIDE));
        Map<String, INDArray> acts = trainedDiscriminator.feedForward(new INDArray[]{x}, false);
        double[] expected = Nd4j.concat(1, acts.get("d0_conv3_act").mean(2, 3), acts.get("d1_conv3_act").mean(2, 3))
                .toDoubleVector();
        assertEquals(64, expected.length);
        assertArrayEquals(expected, features, 1e-4);
        // a trained D's pooled activations differ between channels (not a degenerate constant vector)
        double spread = 0;
        for (double v : features) {
            spread = Math.max(spread, Math.abs(v - features[0]));
        }
        assertTrue(spread > 1e-3, "features vary across channels: " + spread);
    }

    @Test
    void batchSizeDoesNotChangeFeaturesAndRunsAreDeterministic() throws Exception {
        float[][] imgs = images(5, 40, 5, 64);
        double[][] one = DiscriminatorFeatures.load(run.toString(), 1).extract(imgs, 64);
        DiscriminatorFeatures three = DiscriminatorFeatures.load(run.toString(), 3);
        double[][] batched = three.extract(imgs, 64);
        double[][] again = three.extract(imgs, 64);
        for (int i = 0; i < imgs.length; i++) {
            assertArrayEquals(one[i], batched[i], 1e-5, "image " + i);
            assertArrayEquals(batched[i], again[i], 0.0, "image " + i);
        }
        // different images, different features
        for (int i = 1; i < imgs.length; i++) {
            double diff = 0;
            for (int k = 0; k < batched[0].length; k++) {
                diff = Math.max(diff, Math.abs(batched[0][k] - batched[i][k]));
            }
            assertTrue(diff > 1e-4, "image 0 vs " + i + ": " + diff);
        }
        // r != R: the image is resized to R with the documented filter first
        float[] atR = Resize.resize(imgs[2], 64, 64, SIDE, SIDE, Resize.Filter.BILINEAR);
        assertArrayEquals(one[2], three.extract(new float[][]{atR}, SIDE)[0], 1e-7); // both ran as a batch of 1
    }

    @Test
    void constantImageIsConditionedOnItsConstantMask() throws Exception {
        // the metrics job probes every extractor with an all-zero image; SLIC has nothing to segment there
        DiscriminatorFeatures e = DiscriminatorFeatures.load(run.toString(), 2);
        float[] grey = new float[64 * 64];
        float[] dst = new float[3 * SIDE * SIDE];
        e.discriminatorInput(grey, 64, dst, 0);
        int px = SIDE * SIDE;
        // window 127.5 -> UM floor(127.5 / 10) * 10 = 120 -> 120 / 127.5 - 1; no edges; image 0
        assertEquals(120 / 127.5 - 1, dst[0], 1e-6);
        assertEquals(120 / 127.5 - 1, dst[px - 1], 1e-6);
        assertEquals(0f, dst[px + 17]);
        assertEquals(0f, dst[2 * px + 5], 1e-6);
        double[] f = e.extract(new float[][]{grey}, 64)[0];
        for (double v : f) {
            assertTrue(Double.isFinite(v));
        }
    }

    @Test
    void recordedUmParametersAreUsed() throws Exception {
        UmParams coarse = UmParams.reference().withResolution(SIDE).withNSegments(12).withQuantStep(20);
        java.nio.file.Path other = root.resolve("models/coarse");
        GanTrainer t = new GanTrainer(MICRO, 9);
        save(other, MICRO, Map.of(DiscriminatorFeatures.UM_PARAMS_KEY, coarse.describe()), t, 1);
        DiscriminatorFeatures e = DiscriminatorFeatures.load(other.toString(), 2);
        assertEquals(coarse, e.umParams());
        assertEquals("discriminator_coarse", e.name());
        assertTrue(e.description().contains("the run's recorded UM parameters"), e.description());
        // the UM channel holds multiples of 20 only
        float[] dst = new float[3 * SIDE * SIDE];
        e.discriminatorInput(images(1, SIDE, 4, SIDE)[0], SIDE, dst, 0);
        for (int k = 0; k < SIDE * SIDE; k++) {
            double um = (dst[k] + 1) * 127.5;
            assertEquals(0, Math.round(um) % 20, "UM value " + um);
        }
    }

    @Test
    void missingCorruptOrUnsuitableCheckpointsFailNamingThePath() throws Exception {
        String missing = root.resolve("models/nope").toString();
        IOException e1 = assertThrows(IOException.class, () -> Extractors.load("discriminator:" + missing, null, 2));
        assertTrue(e1.getMessage().contains(missing) && e1.getMessage().contains("not found"), e1.getMessage());

        java.nio.file.Path empty = Files.createDirectories(root.resolve("models/empty/checkpoints"));
        IOException e2 = assertThrows(IOException.class, () -> DiscriminatorFeatures.load(empty.getParent().toString(), 2));
        assertTrue(e2.getMessage().contains("no complete checkpoint") && e2.getMessage().contains(empty.toString()),
                e2.getMessage());

        // a copy of the run whose D zip is truncated
        java.nio.file.Path broken = root.resolve("models/broken");
        try (var files = Files.walk(run)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                Files.copy(f, broken.resolve(run.relativize(f).toString()));
            }
        }
        Path latest = GanCheckpoint.latest(fs, new Path(broken.resolve("checkpoints").toUri())).orElseThrow();
        java.nio.file.Path zip = java.nio.file.Path.of(latest.toUri().getPath(), GanCheckpoint.DISCRIMINATOR);
        byte[] bytes = Files.readAllBytes(zip);
        Files.write(zip, java.util.Arrays.copyOf(bytes, bytes.length / 3));
        Files.deleteIfExists(zip.resolveSibling("." + GanCheckpoint.DISCRIMINATOR + ".crc"));
        IOException e3 = assertThrows(IOException.class, () -> DiscriminatorFeatures.load(broken.toString(), 2));
        assertTrue(e3.getMessage().contains(zip.toString()) && e3.getMessage().contains("not a readable"), e3.getMessage());

        // a D zip taken out of its checkpoint folder has no profile
        java.nio.file.Path loose = root.resolve("loose.zip");
        Files.copy(java.nio.file.Path.of(GanCheckpoint.latest(fs, new Path(run.resolve("checkpoints").toUri()))
                .orElseThrow().toUri().getPath(), GanCheckpoint.DISCRIMINATOR), loose);
        IOException e4 = assertThrows(IOException.class, () -> DiscriminatorFeatures.load(loose.toString(), 2));
        assertTrue(e4.getMessage().contains(loose.toString()) && e4.getMessage().contains(GanCheckpoint.STATE),
                e4.getMessage());

        // the baseline's D needs label maps
        java.nio.file.Path seg = root.resolve("models/seg");
        GanProfile segProfile = MICRO.withConditioning(Conditioning.SEG);
        save(seg, segProfile, Map.of(), new GanTrainer(segProfile, 2), 1);
        IllegalArgumentException e5 = assertThrows(IllegalArgumentException.class,
                () -> DiscriminatorFeatures.load(seg.toString(), 2));
        assertTrue(e5.getMessage().contains(seg.toString()) && e5.getMessage().contains("seg-conditioned"),
                e5.getMessage());
    }

    @Test
    void nativeVariantJudgesAtTheMetricResolution() throws Exception {
        FeatureExtractor atR = Extractors.load("discriminator:" + run, null, 3);
        FeatureExtractor nat = Extractors.load("discriminator-native:" + run, null, 3);
        assertEquals("discriminator_native_tiny", nat.name());
        assertEquals(atR.dimension(), nat.dimension());
        assertTrue(nat.description().contains("judged at the metric's resolution"), nat.description());
        assertEquals(64, ((DiscriminatorFeatures) nat).workingResolution(64));
        assertEquals(SIDE, ((DiscriminatorFeatures) atR).workingResolution(64));
        float[][] at32 = images(3, 48, 8, SIDE);
        double[][] a = atR.extract(at32, SIDE);
        double[][] b = nat.extract(at32, SIDE);
        float[][] at64 = images(3, 48, 8, 64);
        double[][] c = atR.extract(at64, 64);
        double[][] d = nat.extract(at64, 64);
        double[][] d1 = DiscriminatorFeatures.load(run.toString(), 1, true).extract(at64, 64);
        double resizedVsNative = 0;
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a[i], b[i], 0.0, "r = R: the same computation");
            assertArrayEquals(d[i], d1[i], 1e-5, "batch size");
            for (int k = 0; k < a[i].length; k++) {
                resizedVsNative = Math.max(resizedVsNative, Math.abs(c[i][k] - d[i][k]));
            }
        }
        assertTrue(resizedVsNative > 1e-3, "r = 64 judged at 64 differs from judged at 32: " + resizedVsNative);
    }
}
