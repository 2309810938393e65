package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.UtilityConfig;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.features.Extractors;
import org.umsynth.model.features.FeatureExtractor;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import org.umsynth.testing.SparkTestBase;

/**
 * The utility experiment on tiny phantom tables written directly (64x64 slices, 4 train and 6 test cases,
 * a 3-case "synthetic" set made of other phantoms): 2 arms x 2 seeds of a 32x32 U-Net.
 */
class UtilityJobTest extends SparkTestBase {
    private static final int TRAIN_CASES = 4;
    private static final int TEST_CASES = 6;
    private static String data;
    private static UtilityJob.Result result;
    private static long syntheticRows;

    @BeforeAll
    static void runUtility() throws Exception {
        Path root = newFolder("utility");
        data = root.resolve("data").toString();
        PhantomOptions options = PhantomOptions.forGrid(64, 16);
        List<Row> slices = new ArrayList<>();
        for (int i = 0; i < TRAIN_CASES + TEST_CASES; i++) {
            PhantomCase c = ChestPhantom.generate(3, i, options);
            String split = i < TRAIN_CASES ? "train" : "test";
            for (int z = 0; z < c.image().slices(); z++) {
                slices.add(RowFactory.create(caseId(i), z, 64, 64, c.image().spacingX(), c.image().spacingY(),
                        c.image().spacingZ(), PixelCodec.encodeHu(c.image().slice(z), 0, 64 * 64), labelBytes(c, z),
                        "phantoms/" + c.name() + ".nii.gz", "0".repeat(64), split));
            }
        }
        List<Row> synthetic = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PhantomCase c = ChestPhantom.generate(77, i, options);
            // the last set's "UM" came from a test case: the job must leave those samples out
            String source = i < 2 ? caseId(i) : caseId(TRAIN_CASES);
            for (int z = 2; z < c.image().slices() - 2; z++) {
                synthetic.add(RowFactory.create(String.format("s%d_z%03d_000", i, z), source, z, 0, 5L, "fake/0", "0001",
                        "{}", 64, 64, 1.0, 1.0, 1.0, PixelCodec.encodeHu(c.image().slice(z), 0, 64 * 64), labelBytes(c, z),
                        new byte[64 * 64], "test"));
            }
        }
        syntheticRows = synthetic.size();
        Map<String, org.apache.spark.sql.Dataset<Row>> tables = new LinkedHashMap<>();
        tables.put(Tables.SLICES, spark.createDataFrame(slices, Tables.SLICES_SCHEMA));
        tables.put(Tables.SYNTHETIC + "/fake", spark.createDataFrame(synthetic, Tables.SYNTHETIC_SCHEMA));
        new TableStore(spark, data).publish(tables, false);

        long start = System.nanoTime();
        result = UtilityJob.run(spark, data, "t1", List.of("real", "real+fake"), Map.of("fake", "synthetic/fake"),
                tiny(), false);
        System.out.printf("utility test: 2 arms x 2 seeds in %.1f s%n", (System.nanoTime() - start) / 1e9);
        System.out.print(UtilityJob.format(result));
    }

    static UtilityConfig tiny() {
        UtilityConfig c = new UtilityConfig();
        c.resolution = 32;
        c.depth = 2;
        c.baseFilters = 8;
        c.iterations = 60;
        c.batchSize = 4;
        c.learningRate = 3e-3;
        c.seeds = 2;
        c.seed = 1;
        c.workers = 2;
        c.averagingFrequency = 10;
        c.bootstrap = 1000;
        c.syntheticRatio = 0.5;
        return c;
    }

    private static String caseId(int i) {
        return String.format("case%02d", i);
    }

    private static byte[] labelBytes(PhantomCase c, int z) {
        float[] l = c.label().slice(z);
        byte[] out = new byte[l.length];
        for (int k = 0; k < l.length; k++) {
            out[k] = (byte) l[k];
        }
        return out;
    }

    @Test
    void diceTableCoversEveryArmSeedCaseAndClass() throws Exception {
        List<String> lines = Files.readAllLines(Path.of(data, "utility/t1/dice.csv"));
        assertEquals("arm,seed,case_id,class,dice", lines.get(0));
        assertEquals(1 + 2 * 2 * TEST_CASES * 2, lines.size());
        Set<String> cases = new TreeSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertTrue(Set.of("real", "real+fake").contains(f[0]), line);
            assertTrue(Set.of("1", "2").contains(f[1]), line);
            assertTrue(Set.of("lung", "lesion").contains(f[3]), line);
            double d = Double.parseDouble(f[4]);
            assertTrue(d >= 0 && d <= 1, line);
            cases.add(f[2]);
        }
        assertEquals(Set.of("case04", "case05", "case06", "case07", "case08", "case09"), cases, "test cases only");
        assertEquals(TEST_CASES, result.testCases());
        // foreground slices of the 4 train cases; half as many synthetic (syntheticRatio 0.5), from the 2 usable sets
        assertTrue(result.realTrainSlices() > 20 && result.realTrainSlices() <= 4 * 16, "" + result.realTrainSlices());
        assertEquals(Math.round(0.5 * result.realTrainSlices()), result.syntheticPerArm());
        assertTrue(result.syntheticPerArm() <= syntheticRows * 2 / 3);
    }

    @Test
    void realSegmenterLearnsLungs() {
        double lung = result.summary("real", "lung").mean();
        System.out.printf("utility test: real lung Dice %.3f, real+fake %.3f%n", lung, result.summary("real+fake", "lung").mean());
        assertTrue(lung > 0.5, "lung Dice after 60 iterations of 4 slices: " + lung);
        for (UtilityJob.ModelRun m : result.models()) {
            assertTrue(m.finalLoss() < m.initialLoss(), m.toString());
            assertEquals(3, m.sparkFits(), "60 iterations / (2 workers x 10 per averaging)");
        }
        for (UtilityJob.ArmSummary s : result.arms()) {
            assertTrue(s.ci()[0] <= s.mean() + 1e-12 && s.mean() <= s.ci()[1] + 1e-12, s.toString());
            // no upper bound: at this budget a seed can still sit on the all-background plateau
            assertTrue(s.sdAcrossSeeds() >= 0, s.toString());
        }
    }

    @Test
    void summaryJsonHasTheContractShape() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(Path.of(data, "utility/t1/summary.json").toFile());
        assertEquals(List.of("name", "test_cases", "seeds", "classes", "arms", "comparisons"), names(doc));
        assertEquals("t1", doc.get("name").asText());
        assertEquals(TEST_CASES, doc.get("test_cases").asInt());
        assertEquals("[1,2]", doc.get("seeds").toString());
        assertEquals("[\"lung\",\"lesion\"]", doc.get("classes").toString());
        assertEquals(List.of("real", "real+fake"), names(doc.get("arms")));
        JsonNode lung = doc.get("arms").get("real").get("lung");
        assertEquals(List.of("mean", "sd_across_seeds", "ci95"), names(lung));
        assertEquals(result.summary("real", "lung").mean(), lung.get("mean").asDouble(), 1e-12);
        assertEquals(2, lung.get("ci95").size());
        JsonNode comparisons = doc.get("comparisons");
        assertEquals(2, comparisons.size(), "real+fake vs real, per class");
        for (JsonNode c : comparisons) {
            assertEquals(List.of("a", "b", "class", "n", "mean_difference", "ci95", "wilcoxon_p", "effect_size",
                    "effect_size_kind", "note"), names(c));
            assertEquals("real+fake", c.get("a").asText());
            assertEquals("real", c.get("b").asText());
            assertEquals(TEST_CASES, c.get("n").asInt());
            double diff = result.summary("real+fake", c.get("class").asText()).mean()
                    - result.summary("real", c.get("class").asText()).mean();
            assertEquals(diff, c.get("mean_difference").asDouble(), 1e-12, "mean of per-case differences");
            JsonNode p = c.get("wilcoxon_p");
            assertTrue(p.isNull() || (p.asDouble() > 0 && p.asDouble() <= 1), c.toString());
            assertTrue(c.get("effect_size_kind").asText().contains("rank-biserial"));
        }
        assertTrue(Files.exists(Path.of(data, "utility/t1/_SUCCESS")));
        assertTrue(Files.exists(Path.of(data, "utility/t1/run.json")));
        assertTrue(!Files.exists(Path.of(data, "_staging")), "staging area cleaned up");
    }

    @Test
    void trainedSegmentersAreSavedAndServeAsFeatureExtractors() throws Exception {
        Path models = Path.of(data, "utility/t1/models");
        try (var files = Files.list(models)) {
            assertEquals(List.of("real+fake-seed1.zip", "real+fake-seed2.zip", "real-seed1.zip", "real-seed2.zip"),
                    files.map(f -> f.getFileName().toString()).filter(f -> !f.startsWith(".")).sorted().toList());
        }
        FeatureExtractor e = Extractors.load("segmenter:" + models.resolve("real-seed1.zip"), null, 8);
        assertEquals("segmenter_bottleneck_gap_real-seed1", e.name());
        assertEquals(32, e.dimension(), "8 filters x 2^2");
        double[][] f = e.extract(new float[][]{new float[64 * 64], new float[64 * 64]}, 64);
        assertEquals(2, f.length);
        assertEquals(32, f[0].length);
    }

    @Test
    void missingSyntheticMappingAndRerunsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UtilityJob.parseArms(List.of("real", "real+um"), Map.of("seg", "synthetic/B")));
        assertEquals("arm 'real+um' needs its synthetic set: add --synthetic um=synthetic/NAME (given: seg)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UtilityJob.parseArms(List.of("um"), Map.of()));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        int code;
        var cli = Umsynth.commandLine();
        cli.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        code = cli.execute("utility", "--data", data, "--arms", "real,real+um", "--synthetic", "seg=synthetic/fake");
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("arm 'real+um' needs its synthetic set: add --synthetic um="),
                err.toString(StandardCharsets.UTF_8));
        System.setErr(old);

        IllegalStateException again = assertThrows(IllegalStateException.class, () -> UtilityJob.run(spark, data, "t1",
                List.of("real"), Map.of(), tiny(), false));
        assertTrue(again.getMessage().contains("already exists") && again.getMessage().contains("--overwrite"),
                again.getMessage());
    }

    @Test
    void profilesBindAndDescribeTheirNetworks() throws Exception {
        for (String profile : List.of("demo", "paper")) {
            UtilityConfig c = org.umsynth.config.ConfigBinder.bind(new UtilityConfig(),
                    org.umsynth.config.ConfigSource.load(Path.of("..", "conf", profile + ".conf"), List.of()));
            long params = org.umsynth.model.gan.GanNetworks.parameterCount(org.umsynth.model.seg.SegmentationUNet.configuration(
                    new org.umsynth.model.seg.UNetSpec(c.resolution, c.depth, c.baseFilters, c.classes, c.learningRate, 1), 0));
            System.out.printf("utility profile %s: %dx%d, depth %d, %d filters, %,d parameters%n", profile, c.resolution,
                    c.resolution, c.depth, c.baseFilters, params);
            assertTrue(c.seeds >= 3 && c.iterations >= 200, profile);
            if (profile.equals("paper")) {
                assertEquals(256, c.resolution);
                assertEquals(8_643_683, params, "4 poolings, 32 filters at the top (3x3 up-convolutions)");
            }
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
