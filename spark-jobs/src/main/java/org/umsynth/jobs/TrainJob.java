package org.umsynth.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.TrainConfig;
import org.umsynth.model.features.DiscriminatorFeatures;
import org.umsynth.io.png.GreyPng;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.gan.GanTrainer;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.tables.TableStore;
import org.umsynth.train.SparkGanRounds;
import org.umsynth.train.SparkGanRounds.Pass;
import org.umsynth.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code train}: the conditional GAN of SPEC section 4 on Spark, with the semi-supervised schedule.
 *
 * <p>Per epoch: the labelled pass (rounds over the manually labelled pairs, seg weight 10); then a frozen
 * copy of G becomes the pseudo-labeller and the unlabelled pass runs (seg weight 0.5, counted only where
 * D's upsampled output on the snapshot's image is > 0.5). A round is one D phase and one G phase of K
 * minibatches per worker ({@link SparkGanRounds}). Learning rate: constant for {@code epochs}, then linear
 * decay to 0 over {@code decayEpochs} (pix2pixHD).
 *
 * <p>Outputs under {@code ROOT/models/<run>/}: {@code checkpoints/<iteration>/} + {@code checkpoints/latest}
 * ({@link GanCheckpoint}), {@code log/losses.jsonl} (one JSON object per round), {@code samples/*.png}.
 * Losses in the log: {@code d} and {@code g_total} are the Spark fits' scores (workers' averages, before
 * the last update of each worker); {@code gan}, {@code l1}, {@code dice}, {@code ce} and {@code d_monitor}
 * are evaluated on the driver after the round on a fixed monitor batch of labelled training pairs
 * (cheap, comparable across rounds).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train the mask-guided conditional GAN (Spark, parameter averaging) from ROOT/masks + ROOT/slices.")
public final class TrainJob implements Callable<Integer> {
    public static final String LABELLED = "labelled";
    public static final String UNLABELLED = "unlabelled";

    @Mixin
    CommonOptions common;

    @Option(names = "--mode", paramLabel = "um|seg", description = "conditioning (overrides train.mode)")
    String mode;

    @Option(names = "--run", paramLabel = "NAME", description = "run name: outputs go to ROOT/models/NAME (default: the mode)")
    String run;

    @Option(names = "--resume", description = "continue the run from its latest checkpoint")
    boolean resume;

    @Option(names = "--plan", description = "print the profile and the networks' parameter counts, then exit "
            + "(no Spark, no parameters allocated: works for the paper profile on a laptop)")
    boolean plan;

    /** What a run did. */
    public record Summary(String run, long iterations, int epochs, long pairs, long labelledPairs, double seconds,
            double samplesPerSecond, Path runDir, Path lastCheckpoint) {}

    @Override
    public Integer call() throws Exception {
        if (plan) {
            TrainConfig config = org.umsynth.config.ConfigBinder.bind(new TrainConfig(), common.configSource());
            if (mode != null) {
                config.mode = Conditioning.valueOf(mode.toUpperCase(Locale.ROOT));
            }
            System.out.print(plan(config));
            return 0;
        }
        return common.run("train", new TrainConfig(), config -> {
            if (mode != null) {
                config.mode = Conditioning.valueOf(mode.toUpperCase(Locale.ROOT));
            }
            return spark -> run(spark, common.data, config, run, resume, common.overwrite, Long.MAX_VALUE);
        });
    }

    /**
     * Trains, or continues a run.
     *
     * @param maxRounds stop (after a checkpoint) once this many rounds ran in this call: for tests of resume
     */
    public static Summary run(SparkSession spark, String data, TrainConfig config, String runName, boolean resume,
            boolean overwrite, long maxRounds) throws IOException {
        long start = System.nanoTime();
        config.validate();
        GanProfile profile = config.ganProfile();
        String name = runName != null ? runName : profile.conditioning().name().toLowerCase(Locale.ROOT);
        TableStore store = new TableStore(spark, data);
        FileSystem fs = store.fileSystem();
        Path runDir = new Path(store.root(), "models/" + name);
        Path checkpoints = new Path(runDir, "checkpoints");
        if (!resume && fs.exists(runDir)) {
            if (!overwrite) {
                throw new IllegalStateException("run '" + name + "' exists under " + store.root()
                        + "/models; pass --resume to continue it or --overwrite to start again");
            }
            fs.delete(runDir, true);
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int workers = config.workers > 0 ? config.workers : sc.defaultParallelism();

        GanCheckpoint.Loaded restored = null;
        if (resume) {
            Path latest = GanCheckpoint.latest(fs, checkpoints).orElseThrow(() -> new IllegalStateException(
                    "--resume: no checkpoint of run '" + name + "' under " + checkpoints));
            restored = GanCheckpoint.load(fs, latest);
            if (!restored.state().profile().equals(profile)) {
                throw new IllegalArgumentException("--resume: the configured profile differs from the checkpoint's: "
                        + GanCheckpoint.profileToMap(profile) + " vs " + GanCheckpoint.profileToMap(restored.state().profile()));
            }
            List<String> changed = scheduleChanges(restored.state().config(), config.describe());
            if (!changed.isEmpty()) {
                throw new IllegalArgumentException("--resume: the run was made with other settings that decide which "
                        + "samples each round trains on: " + String.join(", ", changed)
                        + "; resume with the run's settings, or pass --overwrite to start again");
            }
            System.out.printf("train: resuming run '%s' from %s (epoch %d, %s pass, round %d, iteration %d)%n", name,
                    latest, restored.state().epoch() + 1, restored.state().pass(), restored.state().round(),
                    restored.state().iteration());
        }

        ComputationGraph discriminator = restored != null ? restored.discriminator()
                : GanNetworks.discriminator(profile, config.seed + 1);
        ComputationGraph combined = restored != null ? restored.combined() : GanNetworks.combined(profile, config.seed);
        GanTrainer local = new GanTrainer(profile, discriminator, combined); // builds G from combined
        ComputationGraph generator = local.generator();
        System.out.printf("train: profile %s, %s conditioning, %dx%d; G %,d parameters, D %,d; %d workers, "
                        + "%d minibatches of %d per worker per round%n", config.profile.name().toLowerCase(Locale.ROOT),
                profile.conditioning().name().toLowerCase(Locale.ROOT), profile.resolution(), profile.resolution(),
                generator.numParams(), discriminator.numParams(), workers, config.roundBatches, profile.batchSize());

        Path exportDir = new Path(runDir, "_export");
        try (TrainingData trainingData = TrainingData.load(store, profile, config.minLabelledCases,
                config.labelledCases, workers,
                Math.max(config.monitorSamples, config.samples));
             LossLog log = LossLog.open(fs, new Path(runDir, "log/losses.jsonl"),
                     restored != null ? restored.state().iteration() : 0)) {
            long[] labelled = trainingData.labelled();
            long[] unlabelled = profile.conditioning() == Conditioning.UM ? trainingData.unlabelled() : new long[0];
            System.out.printf("train: %d pairs (%d labelled from %d of %d cases, %d unlabelled)%n",
                    trainingData.size(), labelled.length, trainingData.labelledCases(), trainingData.cases(),
                    unlabelled.length);
            SparkGanRounds rounds = new SparkGanRounds(sc, profile, generator, discriminator, combined, workers,
                    config.roundBatches, config.averagingFrequencyOrDefault(), exportDir.toString());
            GanTrainer.Batch monitor = monitorBatch(profile, trainingData.monitor(), config.monitorSamples);

            int totalEpochs = profile.epochs() + profile.decayEpochs();
            int roundSize = rounds.roundSize();
            int labelledPasses = config.labelledPassesPerEpoch;
            int labelledRounds = ceilDiv(labelled.length * labelledPasses, roundSize);
            int unlabelledRounds = ceilDiv(unlabelled.length, roundSize);

            int epoch = restored != null ? restored.state().epoch() : 0;
            boolean inUnlabelled = restored != null && restored.state().pass().equals(UNLABELLED);
            int round = restored != null ? restored.state().round() : 0;
            long iteration = restored != null ? restored.state().iteration() : 0;
            ComputationGraph pseudoLabeller = restored != null ? restored.pseudoLabeller() : null;
            long roundsThisCall = 0;
            double trainSeconds = 0;
            long trainSamples = 0;
            Path lastCheckpoint = null;
            long lastCheckpointIteration = restored != null ? iteration : -1;

            while (epoch < totalEpochs && roundsThisCall < maxRounds) {
                double lr = learningRate(profile, epoch);
                Pass pass;
                long[] order;
                int passRounds;
                if (!inUnlabelled) {
                    if (round >= labelledRounds) {
                        inUnlabelled = true;
                        round = 0;
                        continue;
                    }
                    pass = Pass.LABELLED;
                    order = labelledOrder(labelled, config.seed, epoch, labelledPasses);
                    passRounds = labelledRounds;
                } else {
                    if (round >= unlabelledRounds) {
                        epoch++;
                        inUnlabelled = false;
                        round = 0;
                        pseudoLabeller = null;
                        lastCheckpoint = GanCheckpoint.save(fs, checkpoints, state(config, profile, trainingData.umParams(), epoch, LABELLED, 0,
                                iteration), generator, discriminator, combined, null);
                        lastCheckpointIteration = iteration;
                        GanCheckpoint.prune(fs, checkpoints, config.keepCheckpoints);
                        continue;
                    }
                    // Pseudo-labels from a generator that has not yet learnt to segment only teach it
                    // background: train.pseudoLabelsFromEpoch lets the labelled passes go first.
                    boolean pseudo = config.semiSupervised && epoch >= config.pseudoLabelsFromEpoch;
                    if (pseudo && pseudoLabeller == null) {
                        pseudoLabeller = generator.clone(); // the frozen snapshot of this epoch
                    }
                    pass = pseudo ? Pass.PSEUDO_LABELLED : Pass.IMAGE_ONLY;
                    order = shuffled(unlabelled, config.seed, epoch, 1);
                    passRounds = unlabelledRounds;
                }
                SparkGanRounds.RoundScores s = rounds.round(trainingData.pairs(), chunk(order, round, roundSize), pass,
                        pseudoLabeller, lr, fitSeed(config.seed, iteration), "r" + iteration);
                iteration++;
                roundsThisCall++;
                trainSeconds += s.seconds();
                trainSamples += s.samples();
                long labelledPerEpoch = (long) labelled.length * labelledPasses;
                long doneInEpoch = inUnlabelled ? labelledPerEpoch + Math.min((long) (round + 1) * roundSize,
                        unlabelled.length) : Math.min((long) (round + 1) * roundSize, labelledPerEpoch);
                long remainingSamples = (long) (totalEpochs - epoch) * (labelledPerEpoch + unlabelled.length)
                        - doneInEpoch;
                report(log, profile, generator, discriminator, monitor, epoch, totalEpochs,
                        inUnlabelled ? UNLABELLED : LABELLED, round, passRounds, iteration, lr, s, remainingSamples,
                        trainSeconds, trainSamples);
                round++;
                boolean due = config.checkpointEvery > 0 && iteration % config.checkpointEvery == 0;
                if (due || roundsThisCall >= maxRounds) {
                    // normalise the position so a resume starts exactly here
                    lastCheckpoint = GanCheckpoint.save(fs, checkpoints, state(config, profile, trainingData.umParams(), epoch,
                            inUnlabelled ? UNLABELLED : LABELLED, round, iteration), generator, discriminator,
                            combined, inUnlabelled ? pseudoLabeller : null);
                    lastCheckpointIteration = iteration;
                    GanCheckpoint.prune(fs, checkpoints, config.keepCheckpoints);
                }
            }
            if (lastCheckpointIteration != iteration && epoch >= totalEpochs) {
                lastCheckpoint = GanCheckpoint.save(fs, checkpoints, state(config, profile, trainingData.umParams(), epoch, LABELLED, 0,
                        iteration), generator, discriminator, combined, null);
                GanCheckpoint.prune(fs, checkpoints, config.keepCheckpoints);
            }
            if (epoch >= totalEpochs && config.samples > 0) {
                writeSamples(fs, new Path(runDir, "samples"), profile, generator, trainingData.monitor(), config.samples);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = trainSeconds > 0 ? trainSamples / trainSeconds : 0;
            System.out.printf("train: %d rounds in this run (%d in total), %.1f s, %.2f samples/s; checkpoint %s%n",
                    roundsThisCall, iteration, seconds, rate, lastCheckpoint);
            return new Summary(name, iteration, epoch, trainingData.size(), labelled.length, seconds, rate, runDir,
                    lastCheckpoint);
        } finally {
            fs.delete(exportDir, true);
        }
    }

    /** The profile and parameter counts of G, D and the combined graph, from the configurations alone. */
    public static String plan(TrainConfig config) {
        config.validate();
        GanProfile p = config.ganProfile();
        long g = GanNetworks.parameterCount(GanNetworks.generatorConfiguration(p, DataType.FLOAT, 0));
        long d = GanNetworks.parameterCount(GanNetworks.discriminatorConfiguration(p, DataType.FLOAT, 0));
        long both = GanNetworks.parameterCount(GanNetworks.combinedConfiguration(p, DataType.FLOAT, 0));
        return String.format(Locale.ROOT, "train plan: profile %s %s%n  generator %,d parameters, discriminator %,d, "
                        + "combined %,d%n  %d + %d decay epochs, batch %d per worker, %d minibatches per worker per round, "
                        + "averaging every %d%n", config.profile.name().toLowerCase(Locale.ROOT),
                GanCheckpoint.profileToMap(p), g, d, both, p.epochs(), p.decayEpochs(), p.batchSize(),
                config.roundBatches, config.averagingFrequencyOrDefault());
    }

    /** pix2pixHD: constant for {@code epochs}, then linear decay over {@code decayEpochs} (epoch 0-based). */
    public static double learningRate(GanProfile p, int epoch) {
        if (epoch < p.epochs() || p.decayEpochs() == 0) {
            return p.learningRate();
        }
        return p.learningRate() * (1.0 - (double) (epoch - p.epochs()) / p.decayEpochs());
    }

    /** The pass's pair order in an epoch: a Fisher-Yates shuffle seeded by (seed, epoch, pass). */
    static long[] shuffled(long[] indices, long seed, int epoch, int pass) {
        long[] order = indices.clone();
        Random rng = new Random(seed * 1_000_003L + epoch * 2L + pass);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The labelled pass of an epoch: {@code passes} shuffles of the labelled pairs, one after the other (the
     * reference's {@code epoch_gt_all} loop); the first is the single pass's order.
     */
    static long[] labelledOrder(long[] labelled, long seed, int epoch, int passes) {
        long[] order = new long[labelled.length * passes];
        for (int k = 0; k < passes; k++) {
            long[] one = shuffled(labelled, k == 0 ? seed : seed ^ (k * 0x9E3779B97F4A7C15L), epoch, 0);
            System.arraycopy(one, 0, order, k * labelled.length, labelled.length);
        }
        return order;
    }

    private static long[] chunk(long[] order, int round, int size) {
        return Arrays.copyOfRange(order, round * size, Math.min(order.length, (round + 1) * size));
    }

    private static long fitSeed(long seed, long iteration) {
        return seed * 31 + iteration * 2;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** Settings besides the profile that fix the schedule: a resume with other values would not continue the same run. */
    static final List<String> SCHEDULE_KEYS = List.of("seed", "labelledCases", "minLabelledCases", "labelledPassesPerEpoch",
            "roundBatches", "workers", "averagingFrequency", "semiSupervised", "pseudoLabelsFromEpoch");

    /** "key: run value -> configured value" for every schedule key the checkpoint recorded with another value. */
    static List<String> scheduleChanges(Map<String, String> recorded, Map<String, String> configured) {
        List<String> changed = new ArrayList<>();
        for (String key : SCHEDULE_KEYS) {
            String was = recorded.get(key); // absent in checkpoints written before the key existed
            if (was != null && !was.equals(configured.get(key))) {
                changed.add("train." + key + " " + was + " (now " + configured.get(key) + ")");
            }
        }
        return changed;
    }

    private static GanCheckpoint.State state(TrainConfig config, GanProfile profile, String umParams, int epoch,
            String pass, int round, long iteration) {
        java.util.Map<String, String> recorded = new java.util.LinkedHashMap<>(config.describe());
        if (umParams != null) {
            recorded.put(DiscriminatorFeatures.UM_PARAMS_KEY, umParams);
        }
        return new GanCheckpoint.State(epoch, pass, round, iteration, config.seed, profile, recorded);
    }

    private static GanTrainer.Batch monitorBatch(GanProfile p, List<TrainingPair> pairs, int count) {
        List<TrainingPair> use = pairs.subList(0, Math.min(count, pairs.size()));
        int side = p.resolution();
        List<float[]> cond = new ArrayList<>();
        List<float[]> real = new ArrayList<>();
        List<float[]> labels = new ArrayList<>();
        for (TrainingPair t : use) {
            cond.add(t.input());
            real.add(t.image());
            labels.add(GanInputs.oneHot(t.label(), p.classes()));
        }
        return GanTrainer.Batch.labelled(p, GanInputs.batch(cond, p.inputChannels(), side, side),
                GanInputs.batch(real, 1, side, side), GanInputs.batch(labels, p.classes(), side, side));
    }

    private static void report(LossLog log, GanProfile p, ComputationGraph g, ComputationGraph d,
            GanTrainer.Batch monitor, int epoch, int epochs, String pass, int round, int rounds, long iteration,
            double lr, SparkGanRounds.RoundScores s, long remainingSamples, double trainSeconds, long trainSamples)
            throws IOException {
        GanTrainer.StepLosses m = GanTrainer.evaluate(p, g, d, monitor);
        double rate = s.samples() / s.seconds();
        log.append(String.format(Locale.ROOT, "{\"epoch\":%d,\"pass\":\"%s\",\"round\":%d,\"iteration\":%d,"
                        + "\"d\":%s,\"g_total\":%s,\"gan\":%s,\"l1\":%s,\"dice\":%s,\"ce\":%s,\"d_monitor\":%s,"
                        + "\"lr\":%s,\"samples\":%d,\"seconds\":%.3f,\"samples_per_s\":%.3f}", epoch, pass, round,
                iteration, num(s.discriminator()), num(s.generatorTotal()), num(m.gan()), num(m.l1()), num(m.dice()),
                num(m.crossEntropy()), num(m.discriminator()), num(lr), s.samples(), s.seconds(), rate));
        long eta = Math.round(Math.max(0, remainingSamples) * trainSeconds / Math.max(1, trainSamples));
        System.out.printf(Locale.ROOT, "train: epoch %d/%d %s round %d/%d (it %d): D %.4f G %.4f | monitor GAN %.4f "
                        + "L1 %.4f Dice %.4f CE %.4f | lr %.2e | %.2f samples/s | ETA %dm%02ds%n", epoch + 1, epochs,
                pass, round + 1, rounds, iteration, s.discriminator(), s.generatorTotal(), m.gan(), m.l1(), m.dice(),
                m.crossEntropy(), lr, trainSamples / trainSeconds, eta / 60, eta % 60);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    /** UM (or label condition) | synthetic image | synthetic segmentation | real image, per monitor pair. */
    private static void writeSamples(FileSystem fs, Path dir, GanProfile p, ComputationGraph generator,
            List<TrainingPair> pairs, int count) throws IOException {
        fs.mkdirs(dir);
        int side = p.resolution();
        int n = side * side;
        for (TrainingPair t : pairs.subList(0, Math.min(count, pairs.size()))) {
            INDArray cond = GanInputs.batch(List.of(t.input()), p.inputChannels(), side, side);
            INDArray[] out = generator.output(false, cond);
            float[] image = out[0].castTo(DataType.FLOAT).reshape(n).toFloatVector();
            byte[] seg = GanInputs.labels(out[1]);
            var condition = p.conditioning() == Conditioning.UM
                    ? GreyPng.windowed(Arrays.copyOfRange(t.input(), 0, n), side, side, -1, 1)
                    : GreyPng.bytes(t.label(), side, side, 127);
            var picture = GreyPng.row(condition, GreyPng.windowed(GanInputs.hu(image), side, side, -1500, 100),
                    GreyPng.bytes(seg, side, side, 127), GreyPng.windowed(GanInputs.hu(t.image()), side, side, -1500, 100));
            try (OutputStream o = fs.create(new Path(dir, "sample_" + t.caseId() + "_z" + t.sliceIndex() + ".png"), true)) {
                GreyPng.write(picture, o);
            }
        }
        System.out.printf("train: %d samples (condition | synthetic image | synthetic seg | real) in %s%n",
                Math.min(count, pairs.size()), dir);
    }

    /**
     * The per-round loss log, one JSON object per line. On a resume the rows after the checkpoint's
     * iteration (rounds of the interrupted run that the resume repeats) are dropped first, so the file is
     * always the loss curve of one uninterrupted run. Rewritten through a temporary file (works on file
     * systems without append), flushed after every row.
     */
    static final class LossLog implements AutoCloseable {
        private final FSDataOutputStream out;

        private LossLog(FSDataOutputStream out) {
            this.out = out;
        }

        static LossLog open(FileSystem fs, Path file, long keepUpTo) throws IOException {
            List<String> kept = new ArrayList<>();
            if (keepUpTo > 0 && fs.exists(file)) {
                try (InputStream in = fs.open(file)) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        if (!line.isBlank() && iterationOf(line) <= keepUpTo) {
                            kept.add(line);
                        }
                    }
                }
            }
            Path temp = new Path(file.getParent(), "_" + file.getName() + ".tmp");
            fs.mkdirs(file.getParent());
            try (OutputStream o = fs.create(temp, true)) {
                for (String line : kept) {
                    o.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            if (fs.exists(file)) {
                fs.delete(file, false);
            }
            fs.rename(temp, file);
            FSDataOutputStream out;
            try {
                out = fs.append(file);
            } catch (IOException | UnsupportedOperationException e) {
                // no append (e.g. object stores): start the file again with the kept rows
                out = fs.create(file, true);
                for (String line : kept) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            return new LossLog(out);
        }

        static long iterationOf(String line) {
            int i = line.indexOf("\"iteration\":");
            int from = i + "\"iteration\":".length();
            int to = from;
            while (to < line.length() && Character.isDigit(line.charAt(to))) {
                to++;
            }
            return Long.parseLong(line.substring(from, to));
        }

        private IOException failure;

        void append(String json) throws IOException {
            try {
                out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
                out.hflush();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                // HDFS streams rethrow their first error on close: reporting it twice would replace the
                // cause with "Self-suppression not permitted"
                if (e != failure) {
                    throw e;
                }
            }
        }
    }
}
