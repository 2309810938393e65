package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MetricsConfig;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.features.RandomConvFeatures;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.gan.GanTrainer;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.model.um.UmParams;
import org.umsynth.model.um.UnsupervisedMask;
import org.umsynth.tables.TableStore;
import org.umsynth.testing.SparkTestBase;

/**
 * The metrics stage on ingested phantom slices: one half of the slices against the other half
 * (same distribution: small FID) and against a blurred + noisy copy of that half (clearly larger),
 * with the small deterministic test extractor so the test needs no model download.
 */
class MetricsJobTest extends SparkTestBase {
    private static String data;

    @BeforeAll
    static void prepare() throws IOException {
        Path root = newFolder("metrics");
        Path images = root.resolve("in");
        Files.createDirectories(images);
        PhantomOptions options = PhantomOptions.forGrid(64, 40);
        for (int c = 0; c < 3; c++) {
            PhantomCase p = ChestPhantom.generate(9, c, options);
            try (OutputStream out = Files.newOutputStream(images.resolve("case" + c + ".nii.gz"))) {
                NiftiWriter.write(p.image(), NiftiDataType.INT16, out, true);
            }
        }
        data = root.resolve("data").toString();
        IngestJob.run(spark, images.toString(), null, data, new IngestConfig(), false);
        TableStore store = new TableStore(spark, data);
        Dataset<Row> slices = store.read("slices");
        Dataset<Row> even = slices.filter("slice_index % 2 = 0");
        Dataset<Row> odd = slices.filter("slice_index % 2 = 1");
        // the degraded copy looks like a synthetic table: sample_id + image, no rows/cols (square images)
        Dataset<Row> degraded = spark.createDataFrame(odd.select("case_id", "slice_index", "cols", "hu").javaRDD()
                .map(r -> RowFactory.create(r.getString(0) + "#" + r.getInt(1),
                        degrade(r.getAs("hu"), r.getInt(2), r.getInt(1)))),
                new org.apache.spark.sql.types.StructType()
                        .add("sample_id", "string").add("image", "binary"));
        store.publish(Map.of("half_a", even, "half_b", odd, "degraded", degraded), false);
    }

    /** 3x3 box blur, then Gaussian noise of 80 HU (seeded by the slice). */
    static byte[] degrade(byte[] hu, int cols, int seed) {
        float[] v = PixelCodec.decodeHu(hu);
        int rows = v.length / cols;
        float[] out = new float[v.length];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                double s = 0;
                int n = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < rows && xx >= 0 && xx < cols) {
                            s += v[yy * cols + xx];
                            n++;
                        }
                    }
                }
                out[y * cols + x] = (float) Math.round(s / n + 80 * rnd.nextGaussian());
            }
        }
        return PixelCodec.encodeHu(out, 0, out.length);
    }

    private static MetricsConfig config() {
        MetricsConfig c = new MetricsConfig();
        c.extractors = RandomConvFeatures.NAME;
        c.resolutions = "32,64";
        c.bootstrap = 8;
        c.batchSize = 5;
        return c;
    }

    @Test
    void halvesAreCloseAndTheDegradedCopyIsFar() throws IOException {
        MetricsJob.Result r = MetricsJob.run(spark, data, "half_a", List.of("half_b", "degraded"), "demo", config(), false);
        System.out.print(MetricsJob.format(r));
        for (int res : new int[]{32, 64}) {
            MetricsJob.Cell halves = r.cell("half_b", RandomConvFeatures.NAME, res);
            MetricsJob.Cell degraded = r.cell("degraded", RandomConvFeatures.NAME, res);
            assertEquals(60, halves.nReal());
            assertEquals(60, halves.nSynthetic());
            assertEquals(60, degraded.nSynthetic());
            assertEquals(32, halves.dimension());
            assertFalse(halves.rankDeficient());
            assertTrue(halves.fid() >= 0);
            assertTrue(degraded.fid() > 10 * halves.fid(), "r=" + res + ": halves " + halves.fid() + " degraded " + degraded.fid());
            assertTrue(halves.fidCi()[0] <= halves.fid() && halves.fid() <= halves.fidCi()[1], "CI must hold the estimate");
            assertTrue(degraded.fidCi()[0] <= degraded.fid() && degraded.fid() <= degraded.fidCi()[1], "CI must hold the estimate");
            if (res == 64) {
                assertTrue(degraded.fidCi()[0] > halves.fidCi()[1], "CIs must separate the two sets");
            }
            assertTrue(halves.std() > 0 && halves.stdCi()[0] <= halves.stdCi()[1]);
        }
        // joint normalisation ranks the sets; the reference aggregate is reported per set
        assertTrue(r.jointFid().get("half_b").mean() < r.jointFid().get("degraded").mean());
        assertEquals(2, r.referenceFid().size());

        Path out = Path.of(data, "metrics", "demo");
        JsonNode doc = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(4, doc.get("cells").size());
        assertTrue(doc.get("extractors").get(0).get("description").asText().contains("not comparable"));
        assertTrue(doc.get("aggregates").has("joint_across_sets"));
        List<Row> rows = spark.read().parquet(out.resolve("cells").toString()).collectAsList();
        assertEquals(4, rows.size());
        // a re-run without --overwrite is refused before any work
        assertThrows(IllegalStateException.class,
                () -> MetricsJob.run(spark, data, "half_a", List.of("half_b", "degraded"), "demo", config(), false));
    }

    @Test
    void readsAndWritesOnHdfs() throws Exception {
        String root = org.umsynth.testing.MiniHdfs.uri() + "/metrics-" + System.nanoTime();
        TableStore local = new TableStore(spark, data);
        TableStore hdfs = new TableStore(spark, root);
        hdfs.publish(Map.of("real", local.read("half_a"), "synthetic", local.read("degraded")), false);
        MetricsConfig c = config();
        c.resolutions = "32";
        c.bootstrap = 2;
        MetricsJob.Result r = MetricsJob.run(spark, root, "real", List.of("synthetic"), "onhdfs", c, false);
        MetricsJob.Result expected = MetricsJob.run(spark, data, "half_a", List.of("degraded"), "ref32", c, false);
        assertEquals(expected.cells().get(0).fid(), r.cells().get(0).fid(), 1e-6 * expected.cells().get(0).fid());
        org.apache.hadoop.fs.FileSystem fs = org.umsynth.testing.MiniHdfs.fileSystem();
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(root + "/metrics/onhdfs/metrics.json")));
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path(root + "/metrics/onhdfs/cells/_SUCCESS")));
    }

    @Test
    void fewerImagesThanFeatureDimensionsAreFlagged() {
        RandomConvFeatures extractor = new RandomConvFeatures();
        java.util.function.IntFunction<org.umsynth.model.metrics.FeatureMoments[]> sample = seed -> {
            org.umsynth.model.metrics.FeatureMoments m = new org.umsynth.model.metrics.FeatureMoments(32);
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < 10; i++) {
                double[] x = new double[32];
                for (int j = 0; j < 32; j++) {
                    x[j] = rnd.nextGaussian();
                }
                m.add(x);
            }
            return new org.umsynth.model.metrics.FeatureMoments[]{m};
        };
        MetricsJob.Cell c = MetricsJob.cell("s", extractor, 32, sample.apply(1), sample.apply(2), 0, 0.95);
        assertTrue(c.rankDeficient());
        assertEquals(10, c.nReal());
        assertTrue(Double.isFinite(c.fid()) && c.fid() > 0);
        assertTrue(Double.isNaN(c.fidCi()[0]), "no bootstrap requested, no interval");
    }

    @Test
    void helpListsTheMetricsKeys() {
        picocli.CommandLine cli = org.umsynth.cli.Umsynth.commandLine();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        cli.setOut(new java.io.PrintWriter(out, true));
        assertEquals(0, cli.execute("metrics", "--help"));
        String help = out.toString();
        assertTrue(help.contains("--synthetic") && help.contains("metrics.resolutions") && help.contains("metrics.bootstrap"), help);
    }

    @Test
    void resultDoesNotDependOnPartitioning() throws IOException {
        MetricsConfig c = config();
        c.resolutions = "32";
        MetricsJob.Result a = MetricsJob.run(spark, data, "half_a", List.of("half_b"), "p1", c, false);
        TableStore store = new TableStore(spark, data);
        store.publish(Map.of("half_b_repart", store.read("half_b").repartition(5)), false);
        MetricsJob.Result b = MetricsJob.run(spark, data, "half_a", List.of("half_b_repart"), "p2", c, false);
        MetricsJob.Cell ca = a.cells().get(0), cb = b.cells().get(0);
        // equal up to float64 summation order (FID is a small difference of large traces here)
        assertEquals(ca.fid(), cb.fid(), 1e-6 * ca.fid());
        assertEquals(ca.fidCi()[0], cb.fidCi()[0], 1e-6 * ca.fid());
        assertEquals(ca.std(), cb.std(), 1e-12);
    }

    @Test
    void discriminatorOfATrainRunOnHdfsIsAnExtractor() throws Exception {
        // a tiny UM-conditioned GAN (32x32, ndf 2: 2 scales x 16 = 32 features), 3 steps on real slices, saved
        // as the train job does under ROOT/models/RUN on HDFS
        GanProfile profile = GanProfile.demo().withResolution(32).withSizes(4, 2, 2, 1);
        UmParams um = UmParams.reference().withResolution(32);
        List<Row> rows = new TableStore(spark, data).read("half_a").orderBy("case_id", "slice_index").limit(6)
                .collectAsList();
        GanTrainer trainer = new GanTrainer(profile, 5);
        for (int step = 0; step < 3; step++) {
            List<float[]> cond = new java.util.ArrayList<>();
            List<float[]> img = new java.util.ArrayList<>();
            for (Row row : rows.subList(2 * step, 2 * step + 2)) {
                float[] hu = PixelCodec.decodeHu(row.getAs("hu"));
                int h = row.<Integer>getAs("rows"), w = row.<Integer>getAs("cols");
                TrainingPair p = TrainingPair.of("c", 0, UnsupervisedMask.fromHu(hu, w, h, um).um(), 32,
                        new float[][]{hu}, null, h, w, Conditioning.UM, 3);
                cond.add(p.input());
                img.add(p.image());
            }
            trainer.step(GanTrainer.Batch.imageOnly(GanInputs.batch(cond, 2, 32, 32), GanInputs.batch(img, 1, 32, 32)));
        }
        String root = org.umsynth.testing.MiniHdfs.uri() + "/disc-" + System.nanoTime();
        GanCheckpoint.save(org.umsynth.testing.MiniHdfs.fileSystem(),
                new org.apache.hadoop.fs.Path(root + "/models/tiny/checkpoints"),
                new GanCheckpoint.State(0, "labelled", 0, 3, 5, profile, Map.of()), trainer.generator(),
                trainer.discriminator(), trainer.combined(), null);

        MetricsConfig c = config();
        c.extractors = "discriminator:" + root + "/models/tiny,discriminator-native:" + root + "/models/tiny";
        c.bootstrap = 4;
        MetricsJob.Result r = MetricsJob.run(spark, data, "half_a", List.of("half_b", "degraded"), "disc", c, false);
        System.out.print(MetricsJob.format(r));
        assertEquals(List.of("discriminator_tiny", "discriminator_native_tiny"), r.extractors());
        assertTrue(r.descriptions()[0].contains("project task network"), r.descriptions()[0]);
        for (int res : new int[]{32, 64}) {
            MetricsJob.Cell halves = r.cell("half_b", "discriminator_tiny", res);
            MetricsJob.Cell degraded = r.cell("degraded", "discriminator_tiny", res);
            assertEquals(32, halves.dimension());
            assertEquals(60, degraded.nSynthetic());
            assertFalse(halves.standard());
            assertTrue(halves.fid() >= 0 && Double.isFinite(halves.fid()));
            // a 3-step D separates less than the random conv test net (2.0x at r=32 measured): ask for 1.5x
            assertTrue(degraded.fid() > 1.5 * halves.fid(), "r=" + res + ": halves " + halves.fid() + " degraded " + degraded.fid());
        }
        // judged at D's 32x32, the images (64x64 slices) give the same cells at r = 32 and 64; the native variant
        // equals it at r = 32 and sees the 64x64 images at 64
        assertEquals(r.cell("degraded", "discriminator_tiny", 32).fid(), r.cell("degraded", "discriminator_tiny", 64).fid(),
                1e-3 * r.cell("degraded", "discriminator_tiny", 32).fid());
        assertEquals(r.cell("degraded", "discriminator_tiny", 32).fid(), r.cell("degraded", "discriminator_native_tiny", 32).fid(),
                1e-9);
        double native64 = r.cell("degraded", "discriminator_native_tiny", 64).fid();
        assertTrue(Math.abs(native64 - r.cell("degraded", "discriminator_tiny", 64).fid()) > 0.05 * native64, "native r=64 " + native64);
        assertTrue(native64 > 1.5 * r.cell("half_b", "discriminator_native_tiny", 64).fid());
    }
}
