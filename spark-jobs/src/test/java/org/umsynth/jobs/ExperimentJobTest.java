package org.umsynth.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.ExperimentConfig;
import org.umsynth.config.PhantomConfig;
import org.umsynth.config.TrainConfig;
import org.umsynth.model.features.RandomConvFeatures;
import org.umsynth.spark.Sessions;
import org.umsynth.testing.SparkTestBase;

/**
 * The comparison on tiny phantoms (32x32, micro networks, one epoch): two label fractions, both
 * conditioning modes, equal synthetic counts, one joint metrics run per fraction, claims and sweep; then a
 * re-run that skips everything complete.
 */
class ExperimentJobTest extends SparkTestBase {
    private static final int COUNT = 6;

    @Test
    void comparesBothModesOverLabelFractionsAndSkipsCompleteWorkOnReRun() throws Exception {
        Path root = newFolder("experiment");
        PhantomConfig phantom = new PhantomConfig();
        phantom.size = 64;
        phantom.slices = 16;
        PhantomJob.run(spark, 5, 11, root.resolve("phantoms").toString(), phantom);
        Path conf = root.resolve("tiny.conf");
        Files.writeString(conf, String.join("\n",
                "ingest.testFraction = 0.4",
                "masks.resolution = 32", "masks.nSegments = 32",
                "train.resolution = 32", "train.ngf = 4", "train.ndf = 4", "train.downsamplings = 1",
                "train.residualBlocks = 1", "train.discriminatorLayers = 2", "train.batchSize = 2",
                "train.roundBatches = 5", "train.workers = 2", "train.epochs = 1", "train.decayEpochs = 0",
                "train.learningRate = 0.002", "train.monitorSamples = 2", "train.samples = 0",
                "metrics.extractors = " + RandomConvFeatures.NAME, "metrics.resolutions = 32", "metrics.bootstrap = 4",
                "experiment.labelFractions = 1.0, 0.3", "experiment.count = " + COUNT, "experiment.seed = 7",
                "utility.resolution = 32", "utility.depth = 2", "utility.baseFilters = 4", "utility.iterations = 8",
                "utility.batchSize = 2", "utility.seeds = 1", "utility.averagingFrequency = 2", "utility.bootstrap = 100", "utility.slices = all",
                "experiment.utility = true", ""));
        Path data = root.resolve("data");
        assertEquals(0, quiet("ingest", "--data", data.toString(), "--conf", conf.toString(),
                "--input", root.resolve("phantoms/images").toString(), "--labels", root.resolve("phantoms/labels").toString()));
        assertEquals(0, quiet("masks", "--data", data.toString(), "--conf", conf.toString()));
        long labelled = spark.read().parquet(data.resolve("slices").toString())
                .filter(col("split").equalTo("train").and(col("label").isNotNull())).select("case_id").distinct().count();
        assertTrue(labelled >= 3, "phantoms give several labelled training cases: " + labelled);
        int small = (int) Math.max(1, Math.round(0.3 * labelled));
        List<String> args = new ArrayList<>(List.of("experiment", "--data", data.toString(), "--conf", conf.toString(),
                "--name", "t"));

        String first = run(args, 0);
        for (String tag : List.of("f30", "f100")) {
            for (String mode : List.of("um", "seg")) {
                assertTrue(Files.exists(data.resolve("models/exp-t-" + tag + "-" + mode + "/checkpoints/latest")), tag + mode);
                Dataset<Row> set = spark.read().parquet(data.resolve("synthetic/exp-t-" + tag + "-" + mode).toString());
                assertEquals(COUNT, set.count(), "equal counts per set");
            }
            assertTrue(Files.exists(data.resolve("metrics/exp-t-" + tag + "/metrics.json")));
        }
        for (String tag : List.of("f30", "f100")) {
            assertTrue(Files.exists(data.resolve("utility/exp-t-" + tag + "/summary.json")), "utility ran for " + tag);
        }
        // seg mode honours the label budget: it trains on the first `small` labelled cases only
        assertTrue(first.contains("labelled from " + small + " of " + small + " cases, 0 unlabelled)"), first);
        assertTrue(first.contains("labelled from " + small + " of " + labelled + " cases"), "um: the budget, plus "
                + "the other cases unlabelled:\n" + first);
        // the baseline synthesizes from the label maps of its budget only (training cases, first by case id)
        Dataset<Row> seg = spark.read().parquet(data.resolve("synthetic/exp-t-f30-seg").toString());
        assertEquals(small, seg.select("case_id").distinct().count());
        assertEquals(SynthesizeJob.SEG_CONDITION, seg.first().getAs("perturbation"));
        Dataset<Row> trainMasks = spark.read().parquet(data.resolve("masks").toString()).filter(col("split").equalTo("train"));
        assertEquals(0, seg.join(trainMasks, org.umsynth.tables.Tables.SLICE_KEY, "left_anti").count(),
                "every seg sample comes from a training slice");
        Dataset<Row> umSet = spark.read().parquet(data.resolve("synthetic/exp-t-f30-um").toString());
        assertEquals(0, umSet.join(trainMasks, org.umsynth.tables.Tables.SLICE_KEY, "left_anti").count(),
                "the um set too comes from training cases only (no held-out anatomy in synthetic data)");
        String state = Files.readString(data.resolve("models/exp-t-f30-seg/checkpoints")
                .resolve(Files.readString(data.resolve("models/exp-t-f30-seg/checkpoints/latest")).trim()).resolve("state.json"));
        assertTrue(state.contains("\"labelledCases\" : \"" + small + "\"") || state.contains("\"labelledCases\":\"" + small + "\""),
                state);

        Path out = data.resolve("experiments/t");
        JsonNode claims = new ObjectMapper().readTree(out.resolve(ExperimentJob.CLAIMS).toFile());
        assertEquals(0.3, claims.get("main_fraction").asDouble(), 0, "the smallest fraction decides by default");
        assertEquals(small, claims.get("labelled_cases").asInt());
        assertEquals(labelled, claims.get("labelled_training_cases").asLong());
        assertEquals(COUNT, claims.get("samples_per_set").asInt());
        JsonNode metrics = new ObjectMapper().readTree(data.resolve("metrics/exp-t-f30/metrics.json").toFile());
        JsonNode joint = metrics.path("aggregates").path("joint_across_sets").path("mm_fid");
        JsonNode fidelity = claims.get("claims").get(0);
        assertEquals("fidelity", fidelity.get("claim").asText());
        assertEquals(joint.path("synthetic/exp-t-f30-um").path("mean").asDouble(), fidelity.get("um").asDouble(), 1e-12);
        assertEquals(joint.path("synthetic/exp-t-f30-seg").path("mean").asDouble(), fidelity.get("seg").asDouble(), 1e-12);
        assertEquals(1, fidelity.get("n").asInt());
        assertEquals(ExperimentClaims.INCONCLUSIVE, fidelity.get("verdict").asText(), "one cell cannot decide");
        assertTrue(fidelity.get("reason").asText().startsWith("1 cell(s)"), fidelity.toString());
        assertTrue(fidelity.get("cells").get(0).get("um_ci").isArray(), "the cell's bootstrap CI is reported");
        JsonNode variety = claims.get("claims").get(1);
        assertEquals("variety", variety.get("claim").asText());
        assertEquals(ExperimentClaims.INCONCLUSIVE, variety.get("verdict").asText());
        JsonNode utility = claims.get("claims").get(2);
        assertEquals("utility", utility.get("claim").asText());
        // the real utility summary of the decisive fraction, read back: too few test cases to decide
        JsonNode summary = new ObjectMapper().readTree(data.resolve("utility/exp-t-f30/summary.json").toFile());
        assertTrue(summary.get("test_cases").asInt() < 6, summary.toString());
        assertEquals(ExperimentClaims.INCONCLUSIVE, utility.get("verdict").asText(), utility.toString());
        assertTrue(summary.get("arms").has("real+um") && summary.get("arms").has("real+seg"), summary.toString());

        List<String> sweep = Files.readAllLines(out.resolve(ExperimentJob.SWEEP));
        assertEquals(ExperimentJob.SWEEP_HEADER, sweep.get(0));
        // per fraction: mm_fid + fid cell, mm_std + std cell, for um and seg = 8 rows; dice: 3 arms x 2 classes
        assertEquals(1 + 2 * 8 + 2 * 6, sweep.size(), String.join("\n", sweep));
        assertTrue(sweep.stream().anyMatch(l -> l.startsWith("0.3," + small + ",dice,real+um,lung,")), String.join("\n", sweep));
        String mmFidUm = sweep.stream().filter(l -> l.startsWith("0.3," + small + ",mm_fid,um,")).findFirst().orElseThrow();
        assertEquals(joint.path("synthetic/exp-t-f30-um").path("mean").asDouble(), Double.parseDouble(mmFidUm.split(",")[5]), 1e-12);
        assertTrue(sweep.stream().anyMatch(l -> l.startsWith("1.0," + labelled + ",fid,seg," + RandomConvFeatures.NAME + "@32,")));

        Path resolved = out.resolve(ExperimentJob.CONFIG);
        String config = Files.readString(resolved);
        assertTrue(config.contains("train.seed = 7") && config.contains("synthesize.seed = 7")
                && config.contains("synthesize.split = train"), config);
        assertTrue(config.contains("experiment.labelFractions = 1.0, 0.3") && config.contains("metrics.bootstrap = 4"), config);
        assertTrue(config.contains("f30 -> " + small), config);
        ConfigSource again = ConfigSource.load(resolved, List.of()); // it is a valid --conf
        assertEquals(2, ConfigBinder.bind(new TrainConfig(), again).batchSize);
        assertEquals(COUNT, ConfigBinder.bind(new ExperimentConfig(), again).count);
        assertTrue(first.contains("claims at label fraction 0.3") && first.contains("inconclusive"), first);

        // A crash after the first fraction's metrics: the re-run skips what is complete and makes only the rest.
        FileTime synthesized = Files.getLastModifiedTime(data.resolve("synthetic/exp-t-f30-um/_SUCCESS"));
        String claimsBefore = Files.readString(out.resolve(ExperimentJob.CLAIMS));
        deleteTree(data.resolve("metrics/exp-t-f100"));
        String second = run(args, 0);
        for (String skipped : List.of("f30 train exp-t-f30-um skipped (finished)", "f30 train exp-t-f30-seg skipped (finished)",
                "f100 train exp-t-f100-seg skipped (finished)", "f30 synthesize exp-t-f30-um skipped", "f30 metrics skipped")) {
            assertTrue(second.contains(skipped), skipped + ":\n" + second);
        }
        assertTrue(second.contains("f100 metrics done"), second);
        assertFalse(second.contains("rounds in this run"), "no training ran:\n" + second);
        assertEquals(synthesized, Files.getLastModifiedTime(data.resolve("synthetic/exp-t-f30-um/_SUCCESS")));
        assertEquals(claimsBefore, Files.readString(out.resolve(ExperimentJob.CLAIMS)), "the same inputs give the same claims");

        // Runs made with another seed are never resumed silently.
        args.addAll(List.of("--set", "experiment.seed=8"));
        String refused = run(args, 1);
        assertTrue(refused.contains("umsynth experiment: error: training run exp-t-f30-um was made with "
                + "train.labelledCases = " + small + " and train.seed = 7, this experiment needs " + small + " and 8: "
                + "pass --overwrite"), refused);
        assertFalse(refused.contains("rounds in this run"), refused);
    }

    @Test
    void badFractionsAreConfigErrors() {
        assertEquals(2, Umsynth.execute("experiment", "--data", "/nonexistent", "--set", "experiment.labelFractions=0.5,1.5"));
        assertEquals(2, Umsynth.execute("experiment", "--data", "/nonexistent", "--set", "experiment.labelFractions=0.5",
                "--set", "experiment.mainFraction=0.25"));
    }

    private static int quiet(String... args) throws Exception {
        return Sessions.sharing(spark, () -> Umsynth.execute(args));
    }

    /** Runs the command in the tests' session, checks its exit code and returns what it printed. */
    private static String run(List<String> args, int expected) throws Exception {
        PrintStream before = System.out;
        PrintStream beforeErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both); // the command's error messages
        int code;
        try {
            code = Sessions.sharing(spark, () -> Umsynth.execute(args.toArray(String[]::new)));
        } finally {
            System.setOut(before);
            System.setErr(beforeErr);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals(expected, code, out);
        return out;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
