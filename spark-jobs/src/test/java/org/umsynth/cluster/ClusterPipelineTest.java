package org.umsynth.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MasksConfig;
import org.umsynth.config.MetricsConfig;
import org.umsynth.config.PhantomConfig;
import org.umsynth.config.SynthesizeConfig;
import org.umsynth.config.TrainConfig;
import org.umsynth.jobs.IngestJob;
import org.umsynth.jobs.MasksJob;
import org.umsynth.jobs.MetricsJob;
import org.umsynth.jobs.PhantomJob;
import org.umsynth.jobs.SynthesizeJob;
import org.umsynth.jobs.TrainJob;
import org.umsynth.model.features.RandomConvFeatures;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import org.umsynth.testing.LocalCluster;
import org.umsynth.testing.MiniHdfs;

/**
 * The pipeline on a real multi-process Spark cluster ({@code local-cluster[2,1,1024]}: this JVM is the driver,
 * two executor JVMs do the work) with every table on HDFS (MiniDFSCluster), and the faults a cluster sees:
 * an executor SIGKILLed in the middle of {@code masks} and of {@code synthesize} (outputs byte-identical to
 * clean runs), the driver SIGKILLed in the middle of {@code train} (a resumed run ends with the parameters of
 * the uninterrupted one) and in the middle of table writes (nothing a reader could take for a table).
 *
 * <p>Stages build on each other, so the tests run in order and share the dataset root. Child drivers run
 * {@code org.umsynth.cli.Umsynth} in their own JVM, as {@code spark-submit --deploy-mode client} would.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterPipelineTest {
    private static final int CASES = 5;
    private static final int SLICES_PER_CASE = 16;
    /** The tiny GAN (32x32) as config keys: the same for the in-process run and the child drivers. */
    private static final Map<String, String> TRAIN = new LinkedHashMap<>();

    static {
        TRAIN.put("train.resolution", "32");
        TRAIN.put("train.ngf", "4");
        TRAIN.put("train.ndf", "4");
        TRAIN.put("train.downsamplings", "1");
        TRAIN.put("train.residualBlocks", "1");
        TRAIN.put("train.discriminatorLayers", "2");
        TRAIN.put("train.batchSize", "2");
        TRAIN.put("train.roundBatches", "2");
        TRAIN.put("train.workers", "2");
        TRAIN.put("train.epochs", "1");
        TRAIN.put("train.decayEpochs", "1");
        TRAIN.put("train.learningRate", "0.002");
        TRAIN.put("train.checkpointEvery", "1");
        TRAIN.put("train.keepCheckpoints", "3");
        TRAIN.put("train.monitorSamples", "2");
        TRAIN.put("train.samples", "0");
        TRAIN.put("train.labelledCases", "2");
    }

    /** Stages of a table write (reads of a table have the same short call site). */
    private static final String WRITE = "TableStore$Transaction.write";

    private static SparkSession spark;
    private static FileSystem hdfs;
    private static String root;
    private static Path work;
    private static TableDigest.Digest cleanMasks;
    private static TableDigest.Digest cleanMasksQuarantine;
    private static TableDigest.Digest cleanSynthetic;
    private static long referenceIterations;

    @BeforeAll
    static void startCluster() throws IOException {
        long t0 = System.nanoTime();
        root = MiniHdfs.uri() + "/lake/umsynth/run1";
        hdfs = MiniHdfs.fileSystem();
        work = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "cluster");
        spark = LocalCluster.start("umsynth-cluster-tests");
        System.out.printf("cluster: HDFS + %s up in %.1f s%n", LocalCluster.MASTER, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void stopCluster() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    @Order(1)
    void phantomsAndIngestRunOnSeparateExecutorJvms() throws IOException {
        FaultInjector observer = observe();
        PhantomConfig phantom = new PhantomConfig();
        phantom.size = 64;
        phantom.slices = SLICES_PER_CASE;
        String input = MiniHdfs.uri() + "/lake/input";
        PhantomJob.run(spark, CASES, 3, input, phantom);
        IngestJob.Summary s = IngestJob.run(spark, input + "/images", input + "/labels", root, new IngestConfig(), false);
        drain();
        spark.sparkContext().removeSparkListener(observer);

        assertEquals(CASES, s.volumes());
        assertEquals(0, s.quarantined());
        TableStore store = new TableStore(spark, root);
        assertEquals((long) CASES * SLICES_PER_CASE, store.read(Tables.SLICES).count());
        assertEquals(CASES, store.read(Tables.SLICES).filter("label is not null").select("case_id").distinct().count());
        assertTrue(root.startsWith("hdfs://") && hdfs.exists(new org.apache.hadoop.fs.Path(root, "slices/_SUCCESS")));

        // the work ran in two executor JVMs, children of this driver, not in it
        assertEquals(2, observer.taskExecutors().size(), "tasks ran on " + observer.taskExecutors());
        assertFalse(observer.taskExecutors().contains("driver"));
        List<ProcessHandle> executors = LocalCluster.executorProcesses(ProcessHandle.current());
        assertEquals(2, executors.size());
        for (ProcessHandle p : executors) {
            assertNotEquals(ProcessHandle.current().pid(), p.pid());
            assertTrue(p.isAlive());
        }
        assertNotEquals(executors.get(0).pid(), executors.get(1).pid());
    }

    @Test
    @Order(2)
    void masksSurviveAnExecutorKilledMidStageAndEqualTheCleanRun() throws IOException {
        TableStore store = new TableStore(spark, root);
        MasksJob.Summary clean = MasksJob.run(spark, root, masksConfig(), false, null);
        assertTrue(clean.masks() >= 4L * (CASES - 1), "4 masks per usable case: " + clean.masks());
        cleanMasks = TableDigest.of(store.read(Tables.MASKS), "case_id", "slice_index");
        cleanMasksQuarantine = TableDigest.of(store.read(Tables.quarantineOf("masks")), "source");
        assertEquals(clean.masks(), cleanMasks.rows());

        // a second run refuses before doing anything
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> MasksJob.run(spark, root, masksConfig(), false, null));
        assertTrue(refused.getMessage().contains("output table 'masks' already exists"), refused.getMessage());

        // --overwrite with an executor SIGKILLed when the 3rd task of the SLIC + write stage (8 tasks) starts
        FaultInjector fault = new FaultInjector(FaultInjector.Target.EXECUTOR, WRITE, 4, 3, null);
        spark.sparkContext().addSparkListener(fault);
        long t0 = System.nanoTime();
        MasksJob.run(spark, root, masksConfig(), true, null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        drain();
        spark.sparkContext().removeSparkListener(fault);
        assertKillLanded(fault);
        System.out.printf("cluster: masks with executor %s killed in '%s': %.1f s (clean %.1f s), %d failed tasks%n",
                fault.killedExecutor(), fault.killedStage(), seconds, clean.seconds(), fault.failedTasks());

        assertEquals(cleanMasks, TableDigest.of(store.read(Tables.MASKS), "case_id", "slice_index"));
        assertEquals(cleanMasksQuarantine, TableDigest.of(store.read(Tables.quarantineOf("masks")), "source"));
        assertNoStagingLeft();
        LocalCluster.awaitExecutors(spark.sparkContext(), LocalCluster.EXECUTORS, 120_000);
    }

    @Test
    @Order(3)
    void trainsTheGanOnTheCluster() throws IOException {
        TrainJob.Summary s = TrainJob.run(spark, root, trainConfig(), "reference", false, false, Long.MAX_VALUE);
        referenceIterations = s.iterations();
        assertTrue(s.iterations() >= 4, "rounds: " + s.iterations());
        assertEquals(2, s.epochs());
        assertTrue(s.labelledPairs() > 0 && s.labelledPairs() < s.pairs(), "both passes ran: " + s);
        GanCheckpoint.Loaded last = GanCheckpoint.load(hdfs, s.lastCheckpoint());
        assertEquals(s.iterations(), last.state().iteration());
        assertTrue(allFinite(GanCheckpoint.loadGenerator(hdfs, s.lastCheckpoint()).params()), "finite generator parameters");
        List<String> log = readLines(new org.apache.hadoop.fs.Path(s.runDir(), "log/losses.jsonl"));
        assertEquals(s.iterations(), log.size());
        for (String line : log) {
            assertFalse(line.contains("null"), "a non-finite loss: " + line);
        }
        assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path(s.runDir(), "_export")));
    }

    @Test
    @Order(4)
    void driverKilledMidTrainingResumesToTheUninterruptedParameters() throws Exception {
        org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(root, "models/interrupted/checkpoints");
        List<String> train = trainArguments("interrupted");
        Path log1 = work.resolve("train-killed.log");
        Process driver = LocalCluster.javaProcess("1500m", log1, ChildDriver.class.getName(), train).start();
        long t0 = System.nanoTime();
        // the marker: the run's second checkpoint published (its "latest" pointer moved to it)
        long seenAt = -1;
        while (true) {
            Optional<org.apache.hadoop.fs.Path> latest = latestIfAny(checkpoints);
            if (latest.isPresent() && Long.parseLong(latest.get().getName()) >= 2) {
                seenAt = Long.parseLong(latest.get().getName());
                break;
            }
            assertTrue(driver.isAlive(), "the training driver ended before its 2nd checkpoint:\n" + tail(log1));
            assertTrue(System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(4), "no 2nd checkpoint:\n" + tail(log1));
            Thread.sleep(20);
        }
        List<ProcessHandle> executors = LocalCluster.executorProcesses(driver.toHandle());
        LocalCluster.killTree(driver.toHandle());
        assertTrue(driver.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, driver.exitValue(), "SIGKILL");
        for (ProcessHandle e : executors) {
            e.onExit().get(60, TimeUnit.SECONDS);
        }
        GanCheckpoint.State atKill = GanCheckpoint.readState(hdfs, latestIfAny(checkpoints).orElseThrow());
        assertTrue(atKill.iteration() >= seenAt && atKill.iteration() < referenceIterations,
                "killed mid-run: latest checkpoint " + atKill.iteration() + " of " + referenceIterations);
        // whatever the kill interrupted, the latest checkpoint is complete (a half one stays a _tmp- folder)
        GanCheckpoint.Loaded loaded = GanCheckpoint.load(hdfs, latestIfAny(checkpoints).orElseThrow());
        assertNotNull(loaded.combined());

        Path log2 = work.resolve("train-resumed.log");
        List<String> resume = new ArrayList<>(train);
        resume.add("--resume");
        Process resumed = LocalCluster.javaProcess("1500m", log2, ChildDriver.class.getName(), resume).start();
        assertTrue(resumed.waitFor(5, TimeUnit.MINUTES), "resume did not end:\n" + tail(log2));
        assertEquals(0, resumed.exitValue(), tail(log2));
        assertTrue(Files.readString(log2).contains("resuming run 'interrupted'"), tail(log2));
        System.out.printf("cluster: train killed at checkpoint %d, resumed to %d; %.1f s for both drivers%n",
                atKill.iteration(), referenceIterations, (System.nanoTime() - t0) / 1e9);

        org.apache.hadoop.fs.Path ref = latestIfAny(new org.apache.hadoop.fs.Path(root, "models/reference/checkpoints"))
                .orElseThrow();
        org.apache.hadoop.fs.Path res = latestIfAny(checkpoints).orElseThrow();
        GanCheckpoint.Loaded a = GanCheckpoint.load(hdfs, ref);
        GanCheckpoint.Loaded b = GanCheckpoint.load(hdfs, res);
        assertEquals(a.state().iteration(), b.state().iteration());
        assertEquals(a.state().epoch(), b.state().epoch());
        assertSameParameters("generator", GanCheckpoint.loadGenerator(hdfs, ref), GanCheckpoint.loadGenerator(hdfs, res));
        assertSameParameters("discriminator", a.discriminator(), b.discriminator());
        assertSameParameters("combined", a.combined(), b.combined());
        assertArrayEquals(flat(a.combined().getUpdater().getStateViewArray()),
                flat(b.combined().getUpdater().getStateViewArray()), 0f, "Adam state of G");
        assertArrayEquals(flat(a.discriminator().getUpdater().getStateViewArray()),
                flat(b.discriminator().getUpdater().getStateViewArray()), 0f, "Adam state of D");
        List<String> refLog = readLines(new org.apache.hadoop.fs.Path(root, "models/reference/log/losses.jsonl"));
        List<String> resLog = readLines(new org.apache.hadoop.fs.Path(root, "models/interrupted/log/losses.jsonl"));
        assertEquals(refLog.size(), resLog.size(), "one line per round, the repeated rounds replaced");
        for (int i = 0; i < refLog.size(); i++) {
            assertEquals(withoutTimes(refLog.get(i)), withoutTimes(resLog.get(i)), "loss log line " + (i + 1));
        }
    }

    @Test
    @Order(5)
    void synthesisSurvivesAnExecutorKilledMidStageAndEqualsTheCleanRun() throws IOException {
        TableStore store = new TableStore(spark, root);
        SynthesizeJob.Summary clean = SynthesizeJob.run(spark, root, "reference", null, null, null, null,
                synthesizeConfig(), false);
        cleanSynthetic = TableDigest.of(store.read("synthetic/reference"), "sample_id");
        assertEquals(2 * cleanMasks.rows(), clean.samples());
        assertEquals(clean.samples(), cleanSynthetic.rows());

        FaultInjector fault = new FaultInjector(FaultInjector.Target.EXECUTOR, WRITE, 4, 3, null);
        spark.sparkContext().addSparkListener(fault);
        long t0 = System.nanoTime();
        SynthesizeJob.run(spark, root, "reference", null, null, null, null, synthesizeConfig(), true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        drain();
        spark.sparkContext().removeSparkListener(fault);
        assertKillLanded(fault);
        System.out.printf("cluster: synthesize with executor %s killed in '%s': %.1f s (clean %.1f s), %d failed tasks%n",
                fault.killedExecutor(), fault.killedStage(), seconds, clean.seconds(), fault.failedTasks());
        assertEquals(cleanSynthetic, TableDigest.of(store.read("synthetic/reference"), "sample_id"));
        assertNoStagingLeft();
        LocalCluster.awaitExecutors(spark.sparkContext(), LocalCluster.EXECUTORS, 120_000);
    }

    @Test
    @Order(6)
    void metricsOnTheCluster() throws IOException {
        MetricsConfig c = new MetricsConfig();
        c.extractors = RandomConvFeatures.NAME;
        c.resolutions = "32";
        c.bootstrap = 4;
        c.batchSize = 8;
        MetricsJob.Result r = MetricsJob.run(spark, root, Tables.SLICES, List.of("synthetic/reference"), "cluster", c,
                false);
        MetricsJob.Cell cell = r.cells().get(0);
        assertEquals(1, r.cells().size());
        assertEquals((long) CASES * SLICES_PER_CASE, cell.nReal());
        assertEquals(cleanSynthetic.rows(), cell.nSynthetic());
        assertTrue(Double.isFinite(cell.fid()) && cell.fid() > 0, "FID " + cell.fid());
        assertTrue(Double.isFinite(cell.std()) && cell.std() > 0, "STD " + cell.std());
        assertTrue(new TableStore(spark, root).exists("metrics/cluster/cells"));
    }

    @Test
    @Order(7)
    void driverKilledDuringWritesLeavesNoTableAReaderCouldTakeForComplete() throws Exception {
        TableStore store = new TableStore(spark, root);
        // (a) --overwrite of masks: the driver dies when the first task of the table write starts
        Path report = work.resolve("crash-masks.txt");
        List<String> masks = new ArrayList<>(List.of("masks", "--data", root, "--overwrite", "--master", "local[2]",
                "--set", "masks.resolution=32", "--set", "masks.nSegments=64"));
        masks.addAll(LocalCluster.setArguments(FaultInjector.childSettings(FaultInjector.Target.DRIVER, WRITE,
                1, 1, report)));
        runKilled(masks, work.resolve("crash-masks.log"), report);
        assertTrue(stagedRuns() >= 1, "the kill landed during the write: its staging folder is left behind");
        assertEquals(cleanMasks, TableDigest.of(store.read(Tables.MASKS), "case_id", "slice_index"),
                "the old table is untouched and complete");

        // (b) a new synthetic table: nothing of it is visible, and a re-run is not blocked
        Path report2 = work.resolve("crash-synthesize.txt");
        List<String> synth = new ArrayList<>(List.of("synthesize", "--data", root, "--model", "reference", "--name",
                "crashed", "--master", "local[2]", "--set", "synthesize.samplesPerMask=2",
                "--set", "synthesize.jitterSteps=1"));
        synth.addAll(LocalCluster.setArguments(FaultInjector.childSettings(FaultInjector.Target.DRIVER, WRITE,
                1, 1, report2)));
        runKilled(synth, work.resolve("crash-synthesize.log"), report2);
        assertFalse(hdfs.exists(store.path("synthetic/crashed")), "no folder at the table's path");
        assertFalse(store.exists("synthetic/crashed"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.read("synthetic/crashed"));
        assertTrue(e.getMessage().contains("not found (or incomplete)"), e.getMessage());
        assertTrue(stagedRuns() >= 2);

        SynthesizeJob.run(spark, root, "reference", null, "crashed", null, null, synthesizeConfig(), false);
        assertEquals(cleanSynthetic, TableDigest.of(store.read("synthetic/crashed"), "sample_id"),
                "the re-run after the crash equals the clean run");
    }

    // ---- helpers ----

    private static void runKilled(List<String> args, Path log, Path report) throws Exception {
        Process p = LocalCluster.javaProcess("1500m", log, ChildDriver.class.getName(), args).start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the driver did not end:\n" + tail(log));
        assertEquals(137, p.exitValue(), "the driver was to be SIGKILLed mid-write:\n" + tail(log));
        assertTrue(Files.readString(report).contains("killing driver"), Files.readString(report));
    }

    private static FaultInjector observe() {
        FaultInjector observer = FaultInjector.observer();
        spark.sparkContext().addSparkListener(observer);
        return observer;
    }

    /** Waits until the listeners have seen every event posted so far. */
    private static void drain() {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("listener events still queued after 60 s", e);
        }
    }

    private static void assertKillLanded(FaultInjector fault) {
        assertTrue(fault.fired(), "the trigger never fired (no matching stage)");
        assertEquals(null, fault.error());
        assertTrue(fault.killedPid() > 0);
        assertTrue(ProcessHandle.of(fault.killedPid()).map(p -> !p.isAlive()).orElse(true), "executor still alive");
        assertTrue(fault.failedTasks() > 0, "the kill landed too late: no task failed");
        assertTrue(fault.executorsRemoved() >= 1, "the driver saw the executor go");
    }

    private static void assertNoStagingLeft() throws IOException {
        assertEquals(0, stagedRuns(), "a completed run leaves no staging folder");
    }

    private static int stagedRuns() throws IOException {
        org.apache.hadoop.fs.Path staging = new org.apache.hadoop.fs.Path(root, "_staging");
        return hdfs.exists(staging) ? hdfs.listStatus(staging).length : 0;
    }

    private static MasksConfig masksConfig() {
        MasksConfig c = new MasksConfig();
        c.resolution = 32;
        c.nSegments = 64;
        return c;
    }

    private static SynthesizeConfig synthesizeConfig() {
        SynthesizeConfig c = new SynthesizeConfig();
        c.samplesPerMask = 2;
        c.jitterSteps = 1;
        return c;
    }

    private static TrainConfig trainConfig() throws IOException {
        List<String> sets = new ArrayList<>();
        TRAIN.forEach((k, v) -> sets.add(k + "=" + v));
        return ConfigBinder.bind(new TrainConfig(), ConfigSource.load(null, sets));
    }

    private static List<String> trainArguments(String run) {
        List<String> args = new ArrayList<>(List.of("train", "--data", root, "--run", run, "--master", LocalCluster.MASTER));
        args.addAll(LocalCluster.setArguments(TRAIN));
        return args;
    }

    private static Optional<org.apache.hadoop.fs.Path> latestIfAny(org.apache.hadoop.fs.Path checkpoints)
            throws IOException {
        try {
            return hdfs.exists(checkpoints) ? GanCheckpoint.latest(hdfs, checkpoints) : Optional.empty();
        } catch (java.io.FileNotFoundException e) {
            return Optional.empty(); // the pointer is being replaced
        }
    }

    private static void assertSameParameters(String what, ComputationGraph a, ComputationGraph b) {
        float[] x = flat(a.params());
        float[] y = flat(b.params());
        double maxDiff = 0;
        for (int i = 0; i < x.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
        }
        System.out.printf("cluster: %s parameters, resumed vs uninterrupted: max |diff| %.3g over %d%n", what, maxDiff,
                x.length);
        assertArrayEquals(x, y, 0f, what + " parameters differ (max " + maxDiff + ")");
    }

    private static float[] flat(INDArray a) {
        return a.dup().reshape(a.length()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
    }

    private static boolean allFinite(INDArray a) {
        for (float v : flat(a)) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> readLines(org.apache.hadoop.fs.Path file) throws IOException {
        try (InputStream in = hdfs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** A loss-log line without its wall-clock fields. */
    private static String withoutTimes(String json) {
        return json.replaceAll(",\"seconds\":[^,}]*", "").replaceAll(",\"samples_per_s\":[^,}]*", "");
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
