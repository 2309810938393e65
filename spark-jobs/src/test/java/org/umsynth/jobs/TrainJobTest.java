package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.config.TrainConfig;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.gan.GanTrainer;
import org.umsynth.model.um.HuWindow;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import org.umsynth.testing.SparkTestBase;
import org.umsynth.train.SparkGanRounds;
import org.umsynth.train.TrainingData;

/**
 * The train stage on tiny synthetic chests (32x32): validation, D frozen in the G phase on Spark, the
 * loss log, checkpoints and resume equivalence.
 */
class TrainJobTest extends SparkTestBase {
    private static final int SIDE = 32;
    private static String data;

    @BeforeAll
    static void tables() throws IOException {
        data = newFolder("train").resolve("data").toString();
        writeTables(data, SIDE, false);
    }

    /** 4 train cases x 3 slices (cases 0 and 1 labelled) and one test case; masks at {@code maskSide}. */
    private static void writeTables(String root, int maskSide, boolean badLabel) throws IOException {
        List<Row> slices = new ArrayList<>();
        List<Row> masks = new ArrayList<>();
        for (int c = 0; c < 5; c++) {
            String caseId = "case" + c;
            boolean labelled = c < 2;
            String split = c == 4 ? "test" : "train";
            for (int z = 0; z < 3; z++) {
                float[] hu = new float[SIDE * SIDE];
                byte[] label = new byte[SIDE * SIDE];
                double lungX = 10 + c, lungR = 5 + z;
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        int i = y * SIDE + x;
                        double body = Math.hypot(x - 15.5, (y - 15.5) * 1.3);
                        double lung = Math.min(Math.hypot(x - lungX, y - 15), Math.hypot(x - (31 - lungX), y - 15));
                        hu[i] = body > 14 ? -1000 : lung < lungR ? -850 + 20 * ((x + y) % 3) : 40;
                        label[i] = (byte) (body <= 14 && lung < lungR ? (lung < 1.5 ? 2 : 1) : 0);
                    }
                }
                if (badLabel && c == 1 && z == 2) {
                    label[5] = 7;
                }
                slices.add(RowFactory.create(caseId, z, SIDE, SIDE, 0.7, 0.7, 2.5, PixelCodec.encodeHu(hu, 0, hu.length),
                        labelled ? label : null, "src/" + caseId, "0".repeat(64), split));
                float[] windowed = HuWindow.apply(hu);
                byte[] um = new byte[maskSide * maskSide];
                for (int i = 0; i < um.length; i++) {
                    um[i] = (byte) (((int) windowed[i % windowed.length] / 10) * 10);
                }
                masks.add(RowFactory.create(caseId, z, maskSide, maskSide, um, 12, "test", split, labelled, null));
            }
        }
        Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
        tables.put(Tables.SLICES, spark.createDataFrame(slices, Tables.SLICES_SCHEMA));
        tables.put(Tables.MASKS, spark.createDataFrame(masks, Tables.MASKS_SCHEMA));
        new TableStore(spark, root).publish(tables, true);
    }

    /** A micro profile at 32x32 that trains in about a second per round; shared with the synthesis test. */
    static TrainConfig micro() {
        TrainConfig c = new TrainConfig();
        c.resolution = SIDE;
        c.ngf = 4;
        c.ndf = 4;
        c.downsamplings = 1;
        c.residualBlocks = 1;
        c.discriminatorLayers = 2;
        c.batchSize = 2;
        c.roundBatches = 1;
        c.workers = 2;
        c.epochs = 1;
        c.decayEpochs = 1;
        c.learningRate = 2e-3;
        c.checkpointEvery = 3;
        c.monitorSamples = 2;
        c.samples = 2;
        c.keepCheckpoints = 2;
        return c;
    }

    @Test
    void paperProfilePlanHasTheReferenceParameterCounts() {
        TrainConfig paper = new TrainConfig();
        paper.profile = TrainConfig.Profile.PAPER;
        String plan = TrainJob.plan(paper);
        // pix2pixHD GlobalGenerator (2 heads) and 2-scale PatchGAN at input 2 (+1 image): see bench/gan/README.md
        assertTrue(plan.contains("generator 182,443,268 parameters, discriminator 5,529,474, combined 187,972,742"), plan);
        assertTrue(plan.contains("resolution=1024"), plan);
        assertEquals(1.0e-4, TrainJob.learningRate(paper.ganProfile(), 350), 1e-12, "half-way through the decay");
        assertEquals(2.0e-4, TrainJob.learningRate(paper.ganProfile(), 299), 1e-12);
    }

    @Test
    void validationNamesTheProblemBeforeTraining() throws IOException {
        TrainConfig wrongSize = micro();
        wrongSize.resolution = 64;
        wrongSize.downsamplings = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainJob.run(spark, data, wrongSize, "bad-size", false, false, 1));
        assertTrue(e.getMessage().contains("masks are 32x32 but the train profile's resolution is 64x64"), e.getMessage());

        TrainConfig tooFew = micro();
        tooFew.minLabelledCases = 3;
        e = assertThrows(IllegalArgumentException.class, () -> TrainJob.run(spark, data, tooFew, "few", false, false, 1));
        assertTrue(e.getMessage().contains("only 2 labelled training case(s); at least 3 needed"), e.getMessage());

        String bad = newFolder("train-bad").resolve("data").toString();
        writeTables(bad, SIDE, true);
        e = assertThrows(IllegalArgumentException.class, () -> TrainJob.run(spark, bad, micro(), "x", false, false, 1));
        assertTrue(e.getMessage().contains("case case1 slice 2: label value 7 in slice 2 is outside the 3 classes"),
                e.getMessage());
        assertFalse(Files.exists(Path.of(bad, "models/x/checkpoints")), "nothing trained");
    }

    @Test
    void trainingDataKeepsTrainSplitAndSeparatesLabelled() throws IOException {
        GanProfile p = micro().ganProfile();
        try (TrainingData d = TrainingData.load(new TableStore(spark, data), p, 1, 2, 2)) {
            assertEquals(12, d.size(), "4 train cases x 3 slices; the test case is left out");
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, d.labelled());
            assertArrayEquals(new long[] {6, 7, 8, 9, 10, 11}, d.unlabelled());
            assertEquals("case0", d.monitor().get(0).caseId());
            assertEquals(2, d.pairs().getNumPartitions());
        }
        try (TrainingData d = TrainingData.load(new TableStore(spark, data),
                p.withConditioning(org.umsynth.model.train.Conditioning.SEG), 1, 2, 2)) {
            assertEquals(6, d.size(), "seg mode: labelled cases only");
            assertEquals(0, d.unlabelled().length);
        }
        try (TrainingData d = TrainingData.load(new TableStore(spark, data), p, 1, 1, 2, 2)) {
            assertArrayEquals(new long[] {0, 1, 2}, d.labelled(), "only case0 keeps its labels");
            assertEquals(9, d.unlabelled().length);
            assertNull(d.pairs().lookup(3L).get(0).label(), "case1 trains as unlabelled");
        }
    }

    @Test
    void sameDiffConvolutionsTrainOnSparkWithDFrozen() throws IOException {
        TrainConfig c = micro();
        c.sameDiffConvolutions = true;
        c.epochs = 1;
        c.decayEpochs = 0;
        c.samples = 0;
        TrainJob.Summary s = TrainJob.run(spark, data, c, "samediff", false, false, 2);
        assertEquals(2, s.iterations());
        var fs = new TableStore(spark, data).fileSystem();
        GanCheckpoint.Loaded l = GanCheckpoint.load(fs, s.lastCheckpoint());
        assertTrue(l.state().profile().sameDiffConvolutions());
        assertTrue(l.combined().getLayer("g_conv0").conf().getLayer() instanceof org.umsynth.model.gan.SameDiffConv2D);
        assertTrue(l.combined().getLayer("g_conv0_in").conf().getLayer() instanceof org.umsynth.model.gan.FastInstanceNorm);
        Map<String, INDArray> inCombined = l.combined().paramTable();
        for (Map.Entry<String, INDArray> e : l.discriminator().paramTable().entrySet()) {
            assertEquals(e.getValue(), inCombined.get(e.getKey()), "frozen D parameter " + e.getKey() + " moved");
        }
    }

    @Test
    void stockLayersTrainOnSparkAndTheDefaultIsFast() throws IOException {
        assertEquals(org.umsynth.model.gan.FastConvolution.class, org.umsynth.model.gan.GanNetworks
                .combinedConfiguration(micro().ganProfile(), org.nd4j.linalg.api.buffer.DataType.FLOAT, 1)
                .getVertices().values().stream().filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex)
                .map(v -> ((org.deeplearning4j.nn.conf.graph.LayerVertex) v).getLayerConf().getLayer().getClass())
                .filter(k -> k.getSimpleName().contains("Convolution")).findFirst().orElseThrow());
        TrainConfig c = micro();
        c.stockLayers = true;
        c.epochs = 1;
        c.decayEpochs = 0;
        c.samples = 0;
        TrainJob.Summary s = TrainJob.run(spark, data, c, "stock", false, false, 2);
        assertEquals(2, s.iterations());
        GanCheckpoint.Loaded l = GanCheckpoint.load(new TableStore(spark, data).fileSystem(), s.lastCheckpoint());
        assertTrue(l.state().profile().stockLayers());
        assertEquals(org.deeplearning4j.nn.conf.layers.ConvolutionLayer.class,
                l.combined().getLayer("g_conv0").conf().getLayer().getClass());
        assertTrue(l.combined().getLayer("g_conv0_in").conf().getLayer() instanceof org.umsynth.model.gan.InstanceNorm);
        assertTrue(l.combined().getLayer("g_pad0").conf().getLayer() instanceof org.umsynth.model.gan.ReflectionPad2D);
    }

    @Test
    void segModeTrainsTheBaselineOnLabelledCasesOnly() throws IOException {
        TrainConfig c = micro();
        c.mode = org.umsynth.model.train.Conditioning.SEG;
        c.decayEpochs = 0;
        c.samples = 0;
        TrainJob.Summary s = TrainJob.run(spark, data, c, null, false, false, Long.MAX_VALUE);
        assertEquals("seg", s.run());
        assertEquals(6, s.pairs());
        assertEquals(6, s.labelledPairs());
        assertEquals(2, s.iterations(), "6 labelled pairs in rounds of 4, one epoch, no unlabelled pass");
        GanCheckpoint.State state = GanCheckpoint.readState(new TableStore(spark, data).fileSystem(), s.lastCheckpoint());
        assertEquals(4, state.profile().inputChannels(), "one-hot labels (3) + edges");
        assertEquals("test", state.config().get("umParams"), "the masks' UM recipe is recorded with the checkpoint");
    }

    @Test
    void discriminatorDoesNotMoveInTheGeneratorPhaseOnSpark() throws IOException {
        GanProfile p = micro().ganProfile();
        ComputationGraph d = GanNetworks.discriminator(p, 2);
        ComputationGraph combined = GanNetworks.combined(p, 1);
        GanTrainer local = new GanTrainer(p, d, combined);
        INDArray dBefore = d.params().dup();
        INDArray gBefore = local.generator().params().dup();
        Path export = newFolder("train-export");
        try (TrainingData data1 = TrainingData.load(new TableStore(spark, data), p, 1, 2, 2)) {
            SparkGanRounds rounds = new SparkGanRounds(JavaSparkContext.fromSparkContext(spark.sparkContext()), p,
                    local.generator(), d, combined, 2, 1, 1, export.toUri().toString());
            int persisted = spark.sparkContext().getPersistentRDDs().size();
            SparkGanRounds.RoundScores s = rounds.round(data1.pairs(), new long[] {0, 1, 2, 3},
                    SparkGanRounds.Pass.LABELLED, null, 2e-3, 7, "frozen");
            assertEquals(persisted, spark.sparkContext().getPersistentRDDs().size(), "a round leaves no cached RDD");
            assertTrue(Double.isFinite(s.discriminator()) && Double.isFinite(s.generatorTotal()));
            assertEquals(4, s.samples());
        }
        assertFalse(d.params().equalsWithEps(dBefore, 0), "D trained in its phase");
        assertFalse(local.generator().params().equalsWithEps(gBefore, 0), "G trained in its phase");
        // D was copied into the combined graph right before the combined fit: bit-identical after it
        Map<String, INDArray> inCombined = combined.paramTable();
        int checked = 0;
        for (Map.Entry<String, INDArray> e : d.paramTable().entrySet()) {
            assertEquals(e.getValue(), inCombined.get(e.getKey()), "frozen D parameter " + e.getKey() + " moved");
            assertArrayEquals(e.getValue().dup().reshape(e.getValue().length()).toFloatVector(),
                    inCombined.get(e.getKey()).dup().reshape(e.getValue().length()).toFloatVector(), 0f);
            checked++;
        }
        assertTrue(checked > 4);
        assertEquals(GanNetworks.parameterCount(local.generator(), GanNetworks::isGeneratorLayer),
                GanNetworks.parameterCount(combined, GanNetworks::isGeneratorLayer));
    }

    @Test
    void pseudoLabelsStartAtTheConfiguredEpoch() throws Exception {
        TrainConfig c = micro();
        c.pseudoLabelsFromEpoch = 1;
        TrainJob.run(spark, data, c, "warmup", false, false, 3);
        assertFalse(Files.exists(Path.of(data, "models/warmup/checkpoints/00000003/pseudo_labeller.zip")),
                "epoch 0's unlabelled pass trains the image only: no G snapshot");
        TrainJob.run(spark, data, c, "warmup", true, false, 4);
        assertTrue(Files.exists(Path.of(data, "models/warmup/checkpoints/00000007/pseudo_labeller.zip")),
                "epoch 1's unlabelled pass pseudo-labels with a G snapshot");
    }

    @Test
    void labelledPassesRepeatTheLabelledPairsEachEpoch() throws Exception {
        long[] labelled = {3, 8, 5, 1, 9};
        long[] order = TrainJob.labelledOrder(labelled, 42, 2, 3);
        assertEquals(15, order.length);
        assertArrayEquals(TrainJob.shuffled(labelled, 42, 2, 0), Arrays.copyOfRange(order, 0, 5),
                "the first pass is the single pass's order");
        for (int k = 0; k < 3; k++) {
            long[] pass = Arrays.copyOfRange(order, 5 * k, 5 * k + 5);
            Arrays.sort(pass);
            assertArrayEquals(new long[] {1, 3, 5, 8, 9}, pass, "pass " + k + " holds every labelled pair once");
        }
        assertFalse(Arrays.equals(Arrays.copyOfRange(order, 0, 5), Arrays.copyOfRange(order, 5, 10)),
                "each pass has its own shuffle");

        TrainConfig c = micro();
        c.labelledPassesPerEpoch = 3;
        c.decayEpochs = 0;
        TrainJob.Summary s = TrainJob.run(spark, data, c, "passes", false, false, Long.MAX_VALUE);
        // 6 labelled pairs x 3 passes = 18 pairs in rounds of 4 (5 rounds), then 6 unlabelled pairs (2 rounds)
        assertEquals(7, s.iterations());
        List<String> log = Files.readAllLines(Path.of(data, "models/passes/log/losses.jsonl"));
        assertEquals(5, log.stream().filter(l -> l.contains("\"pass\":\"labelled\"")).count());
        assertEquals(18, log.stream().filter(l -> l.contains("\"pass\":\"labelled\""))
                .mapToDouble(l -> value(l, "samples")).sum(), 0.0);
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        TrainConfig c = micro();
        TrainJob.Summary straight = TrainJob.run(spark, data, c, "straight", false, false, Long.MAX_VALUE);
        assertEquals(8, straight.iterations(), "2 epochs x (2 labelled + 2 unlabelled rounds of 4 pairs)");
        Path runDir = Path.of(data, "models/straight");
        List<String> log = Files.readAllLines(runDir.resolve("log/losses.jsonl"));
        assertEquals(8, log.size(), "one log line per round");
        for (int i = 0; i < log.size(); i++) {
            assertEquals(i + 1, TrainJob.LossLog.iterationOf(log.get(i)));
        }
        assertTrue(log.get(2).contains("\"pass\":\"unlabelled\""), log.get(2));
        assertEquals(2e-3, value(log.get(0), "lr"), 1e-12);
        assertEquals(2e-3, value(log.get(7), "lr"), 1e-12, "decay epoch 1 of 1 runs at the full rate (pix2pixHD)");
        double firstL1 = value(log.get(0), "l1");
        double lastL1 = value(log.get(7), "l1");
        assertTrue(lastL1 < 0.8 * firstL1, "image L1 falls: " + firstL1 + " -> " + lastL1);
        Path checkpoints = runDir.resolve("checkpoints");
        assertEquals("00000008", Files.readString(checkpoints.resolve("latest")).trim());
        for (String f : List.of("generator.zip", "discriminator.zip", "combined.zip", "state.json")) {
            assertTrue(Files.exists(checkpoints.resolve("00000008").resolve(f)), f);
        }
        try (var dirs = Files.list(checkpoints)) {
            assertEquals(List.of("00000006", "00000008"), dirs.map(f -> f.getFileName().toString())
                    .filter(n -> n.matches("\\d+")).sorted().toList(), "the newest 2 kept");
        }
        try (var pngs = Files.list(runDir.resolve("samples"))) {
            assertEquals(2, pngs.filter(f -> f.toString().endsWith(".png")).count());
        }
        assertFalse(Files.exists(runDir.resolve("_export")));
        // a driver killed between deleting the old pointer and renaming the new one in leaves no pointer:
        // the newest complete checkpoint folder is then the latest
        Files.createDirectories(checkpoints.resolve("00000009")); // incomplete: no state.json
        Files.move(checkpoints.resolve("latest"), runDir.resolve("latest.bak"));
        org.apache.hadoop.fs.FileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
        assertEquals("00000008", org.umsynth.model.gan.GanCheckpoint.latest(local,
                new org.apache.hadoop.fs.Path(checkpoints.toUri())).orElseThrow().getName());
        Files.delete(checkpoints.resolve("00000009"));
        Files.move(runDir.resolve("latest.bak"), checkpoints.resolve("latest"));

        TrainJob.Summary first = TrainJob.run(spark, data, c, "resumed", false, false, 3);
        assertEquals(3, first.iterations());
        assertTrue(Files.exists(Path.of(data, "models/resumed/checkpoints/00000003/pseudo_labeller.zip")),
                "iteration 3 is inside the unlabelled pass: its G snapshot is saved");
        TrainConfig otherSchedule = micro();
        otherSchedule.labelledPassesPerEpoch = 2;
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TrainJob.run(spark, data, otherSchedule, "resumed", true, false, 1));
        assertTrue(refused.getMessage().contains("train.labelledPassesPerEpoch 1 (now 2)"), refused.getMessage());
        TrainJob.Summary second = TrainJob.run(spark, data, c, "resumed", true, false, Long.MAX_VALUE);
        assertEquals(8, second.iterations());
        List<String> resumedLog = Files.readAllLines(Path.of(data, "models/resumed/log/losses.jsonl"));
        assertEquals(8, resumedLog.size());
        for (int i = 0; i < 8; i++) {
            for (String k : List.of("d", "g_total", "gan", "l1", "dice", "ce", "lr")) {
                double a = value(log.get(i), k);
                double b = value(resumedLog.get(i), k);
                assertEquals(a, b, 1e-4 * Math.max(1, Math.abs(a)), "iteration " + (i + 1) + " " + k);
            }
        }
        var fs = new TableStore(spark, data).fileSystem();
        ComputationGraph g1 = GanCheckpoint.loadGenerator(fs, new org.apache.hadoop.fs.Path(
                straight.runDir(), "checkpoints/00000008"));
        ComputationGraph g2 = GanCheckpoint.loadGenerator(fs, new org.apache.hadoop.fs.Path(
                second.runDir(), "checkpoints/00000008"));
        assertTrue(g1.params().equalsWithEps(g2.params(), 1e-4), "final generator parameters");
        GanCheckpoint.State state = GanCheckpoint.readState(fs, second.lastCheckpoint());
        assertEquals(2, state.epoch());
        assertEquals(c.ganProfile(), state.profile());
        assertNull(GanCheckpoint.load(fs, second.lastCheckpoint()).pseudoLabeller());
        assertNotNull(state.config().get("seed"));
    }

    private static double value(String json, String key) {
        String k = "\"" + key + "\":";
        int from = json.indexOf(k) + k.length();
        int to = from;
        while (to < json.length() && ",}".indexOf(json.charAt(to)) < 0) {
            to++;
        }
        return Double.parseDouble(json.substring(from, to));
    }
}
