package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.PhantomConfig;
import org.umsynth.model.features.RandomConvFeatures;
import org.umsynth.spark.Sessions;
import org.umsynth.testing.SparkTestBase;

/** The nightly command: all stages in one session, restart after a crash, idempotent re-runs, retention. */
class PipelineJobTest extends SparkTestBase {

    @Test
    void runsEveryStageThenResumesOnlyWhatIsMissingAndPrunesOldRuns() throws Exception {
        Path root = newFolder("pipeline");
        PhantomConfig phantom = new PhantomConfig();
        phantom.size = 64;
        phantom.slices = 32;
        PhantomJob.run(spark, 4, 11, root.resolve("phantoms").toString(), phantom);
        Path conf = root.resolve("tiny.conf");
        Files.writeString(conf, String.join("\n",
                "masks.resolution = 32", "masks.nSegments = 32",
                "train.resolution = 32", "train.ngf = 4", "train.ndf = 4", "train.downsamplings = 1",
                "train.residualBlocks = 1", "train.discriminatorLayers = 2", "train.batchSize = 2",
                "train.roundBatches = 1", "train.workers = 2", "train.epochs = 1", "train.decayEpochs = 0",
                "train.learningRate = 0.002", "train.monitorSamples = 2", "train.samples = 1",
                "synthesize.count = 6",
                "metrics.extractors = " + RandomConvFeatures.NAME, "metrics.resolutions = 32", "metrics.bootstrap = 0",
                "report.samples = 2",
                "pipeline.run = nightly", ""));
        Path runs = root.resolve("runs");
        Files.createDirectories(runs.resolve("2026-11-20"));
        Files.createDirectories(runs.resolve("2026-11-24"));
        Files.createDirectories(runs.resolve("notes"));
        Path data = runs.resolve("2026-11-26");
        List<String> args = new ArrayList<>(List.of("pipeline", "--data", data.toString(), "--conf", conf.toString(),
                "--input", root.resolve("phantoms/images").toString(),
                "--labels", root.resolve("phantoms/labels").toString(), "--keep", "2"));

        String first = pipeline(args);
        for (String stage : List.of("ingest", "masks", "train", "synthesize", "metrics", "report")) {
            assertTrue(first.contains("pipeline: " + stage + " done"), stage + " ran:\n" + first);
        }
        assertTrue(Files.exists(data.resolve("synthetic/nightly/_SUCCESS")));
        assertTrue(Files.exists(data.resolve("metrics/nightly/metrics.json")));
        assertTrue(Files.exists(data.resolve("report/index.html")));
        assertFalse(Files.exists(runs.resolve("2026-11-20")), "the oldest dated run is pruned");
        assertTrue(Files.exists(runs.resolve("2026-11-24")) && Files.exists(runs.resolve("notes")));
        assertEquals(6, spark.read().parquet(data.resolve("synthetic/nightly").toString()).count());

        // A crash after synthesis: the metrics output is missing. The re-run makes only that (and the report).
        FileTime synthesized = Files.getLastModifiedTime(data.resolve("synthetic/nightly/_SUCCESS"));
        FileTime slices = Files.getLastModifiedTime(data.resolve("slices/_SUCCESS"));
        deleteTree(data.resolve("metrics"));
        String second = pipeline(args);
        for (String stage : List.of("ingest", "masks", "synthesize")) {
            assertTrue(second.contains("pipeline: " + stage + " skipped"), stage + " skipped:\n" + second);
        }
        assertTrue(second.contains("resuming run 'nightly'") && second.contains("0 rounds in this run"), second);
        assertTrue(second.contains("pipeline: metrics done"), second);
        assertTrue(Files.exists(data.resolve("metrics/nightly/metrics.json")));
        assertEquals(synthesized, Files.getLastModifiedTime(data.resolve("synthetic/nightly/_SUCCESS")));
        assertEquals(slices, Files.getLastModifiedTime(data.resolve("slices/_SUCCESS")));

        // --overwrite remakes everything downstream of ingest, atomically.
        args.add("--overwrite");
        args.add("--set");
        args.add("pipeline.stages=masks,synthesize");
        String third = pipeline(args);
        assertTrue(third.contains("pipeline: masks done") && third.contains("pipeline: synthesize done"), third);
        assertFalse(third.contains("pipeline: train"), third);
        assertFalse(synthesized.equals(Files.getLastModifiedTime(data.resolve("synthetic/nightly/_SUCCESS"))));
    }

    @Test
    void badStagesAndUndatedRetentionAreRefusedBeforeWork() throws Exception {
        Path root = newFolder("pipeline-bad");
        assertEquals(2, Umsynth.execute("pipeline", "--data", root.toString(), "--set", "pipeline.stages=ingest,paint"));
        assertEquals(2, Umsynth.execute("pipeline", "--data", root.toString(), "--set", "metrics.bootstrap=-3"),
                "a bad value of a late stage stops the pipeline before its first stage");
        assertEquals(1, Sessions.sharing(spark, () -> Umsynth.execute("pipeline", "--data", root.toString(), "--keep", "3")));
        assertEquals(1, Sessions.sharing(spark, () -> Umsynth.execute("pipeline", "--data", root.toString(),
                "--set", "pipeline.stages=ingest")), "ingest without --input and without a complete slices table");
    }

    /** Runs the command in the tests' session and returns what it printed. */
    private static String pipeline(List<String> args) throws Exception {
        PrintStream before = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Sessions.sharing(spark, () -> Umsynth.execute(args.toArray(String[]::new)));
        } finally {
            System.setOut(before);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        System.out.print(out);
        assertEquals(0, code, out);
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
