package org.umsynth.model.gan;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.model.um.CaseMasks;
import org.umsynth.model.um.UmParams;

/**
 * A Spark-free replica of the {@code train} job's schedule (design A: per round a D phase, then a G phase,
 * of K minibatches per worker, worker copies averaged with their Adam state as
 * {@code ParameterAveragingTrainingMaster} does), on phantom cases made like the demo's (phantom, UM, pair),
 * measuring what the segmentation head learns: lung Dice of {@code argmax seg(G(UM))} against the label on
 * held-out cases. Used by the opt-in {@link SegmentationBudgetBenchmarkTest} and the CI regression test.
 */
final class SegmentationHarness {
    private SegmentationHarness() {}

    /** Training pairs with manual labels, without (their labels kept only for reference) and held out. */
    record Data(List<TrainingPair> labelled, List<TrainingPair> unlabelled, List<TrainingPair> test) {}

    /**
     * The train job's schedule knobs.
     *
     * @param labelledPasses labelled passes per epoch (the reference's {@code epoch_gt_all})
     * @param pseudoFromEpoch first epoch with pseudo-labels; {@code Integer.MAX_VALUE}: image-only unlabelled passes
     */
    record Schedule(int workers, int roundBatches, int labelledPasses, int pseudoFromEpoch) {}

    /** Lung (class 1) Dice on the held-out slices: mean of per-slice Dice, and pooled over all slices. */
    record Score(double meanLungDice, double pooledLungDice, double lungFraction) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "lung Dice mean %.3f pooled %.3f (predicted lung %.3f of pixels)",
                    meanLungDice, pooledLungDice, lungFraction);
        }
    }

    /** Per-epoch held-out scores and the wall time. */
    record Run(List<Score> perEpoch, double seconds, long generatorSteps, long labelledSteps) {
        Score last() {
            return perEpoch.get(perEpoch.size() - 1);
        }
    }

    /**
     * Phantom cases {@code 0..cases-1} of {@code seed} as the demo makes them (phantom at {@code phantomSize},
     * 4 UMs per case at {@code resolution}, SLIC with 128 segments), split: the first {@code labelledCases}
     * labelled, the last {@code testCases} held out, the others unlabelled.
     */
    static Data phantomData(long seed, int cases, int labelledCases, int testCases, int phantomSize, int resolution) {
        PhantomOptions options = PhantomOptions.forGrid(phantomSize, 64);
        UmParams params = UmParams.reference().withResolution(resolution);
        List<TrainingPair> labelled = new ArrayList<>();
        List<TrainingPair> unlabelled = new ArrayList<>();
        List<TrainingPair> test = new ArrayList<>();
        for (int i = 0; i < cases; i++) {
            PhantomCase c = ChestPhantom.generate(seed, i, options);
            CaseMasks masks = CaseMasks.compute(c.image(), c.label(), params);
            for (CaseMasks.SliceMask m : masks.masks()) {
                Volume v = c.image();
                TrainingPair pair = TrainingPair.of(c.name(), m.sliceIndex(), m.um(), resolution,
                        new float[][] {v.slice(m.sliceIndex())}, new byte[][] {bytes(c.label().slice(m.sliceIndex()))},
                        v.rows(), v.cols(), Conditioning.UM, 3);
                (i < labelledCases ? labelled : i >= cases - testCases ? test : unlabelled).add(pair);
            }
        }
        return new Data(labelled, unlabelled, test);
    }

    private static byte[] bytes(float[] label) {
        byte[] out = new byte[label.length];
        for (int i = 0; i < label.length; i++) {
            out[i] = (byte) Math.round(label[i]);
        }
        return out;
    }

    /** Trains a fresh GAN with {@code p} on {@code data} under {@code s}; scores the held-out set after each epoch. */
    static Run train(GanProfile p, Data data, Schedule s, long seed) {
        long start = System.nanoTime();
        GanTrainer t = new GanTrainer(p, seed);
        int roundSize = s.workers() * s.roundBatches() * p.batchSize();
        List<Score> scores = new ArrayList<>();
        long gSteps = 0;
        long labelledSteps = 0;
        for (int epoch = 0; epoch < p.epochs() + p.decayEpochs(); epoch++) {
            double lr = epoch < p.epochs() || p.decayEpochs() == 0 ? p.learningRate()
                    : p.learningRate() * (1.0 - (double) (epoch - p.epochs()) / p.decayEpochs());
            t.setLearningRate(lr);
            for (int pass = 0; pass < s.labelledPasses(); pass++) {
                List<TrainingPair> order = shuffled(data.labelled(), seed, epoch, 2 + pass);
                for (int r = 0; r < order.size(); r += roundSize) {
                    long n = round(t, p, s, order.subList(r, Math.min(order.size(), r + roundSize)), Mode.LABELLED, null);
                    gSteps += n;
                    labelledSteps += n;
                }
            }
            boolean pseudo = epoch >= s.pseudoFromEpoch();
            ComputationGraph snapshot = pseudo ? t.generator().clone() : null;
            List<TrainingPair> order = shuffled(data.unlabelled(), seed, epoch, 1);
            for (int r = 0; r < order.size(); r += roundSize) {
                gSteps += round(t, p, s, order.subList(r, Math.min(order.size(), r + roundSize)),
                        pseudo ? Mode.PSEUDO : Mode.IMAGE_ONLY, snapshot);
            }
            scores.add(score(p, t.generator(), data.test()));
            System.out.printf("SEGBENCH epoch %d: %s (%d G steps, %d labelled, %.0f s)%n", epoch + 1,
                    scores.get(scores.size() - 1), gSteps, labelledSteps, (System.nanoTime() - start) / 1e9);
        }
        return new Run(scores, (System.nanoTime() - start) / 1e9, gSteps, labelledSteps);
    }

    private enum Mode { LABELLED, PSEUDO, IMAGE_ONLY }

    /** One round; returns the G minibatch steps (summed over workers). */
    private static long round(GanTrainer t, GanProfile p, Schedule s, List<TrainingPair> chunk, Mode mode,
            ComputationGraph snapshot) {
        List<List<List<TrainingPair>>> perWorker = new ArrayList<>();
        int minibatches = (chunk.size() + p.batchSize() - 1) / p.batchSize();
        int parts = Math.max(1, Math.min(s.workers(), minibatches));
        for (int w = 0; w < parts; w++) {
            perWorker.add(new ArrayList<>());
        }
        for (int j = 0; j < minibatches; j++) {
            perWorker.get(j % parts).add(chunk.subList(j * p.batchSize(), Math.min(chunk.size(), (j + 1) * p.batchSize())));
        }
        // D phase: fakes of the round's G, each worker fits its minibatches, then averaging
        ComputationGraph g = t.generator();
        List<ComputationGraph> dWorkers = new ArrayList<>();
        for (List<List<TrainingPair>> mbs : perWorker) {
            ComputationGraph d = cloneWithCounters(t.discriminator());
            for (List<TrainingPair> mb : mbs) {
                GanTrainer.Batch b = batchOf(p, mb, true);
                d.fit(GanTrainer.discriminatorData(p, b, g.output(false, b.condition())[0]));
            }
            dWorkers.add(d);
        }
        average(dWorkers, t.discriminator());
        GanNetworks.copyParameters(t.discriminator(), t.combined(), GanNetworks::isDiscriminatorLayer);
        // G phase
        double weight = switch (mode) {
            case LABELLED -> p.segWeightLabelled();
            case PSEUDO -> p.segWeightPseudo();
            case IMAGE_ONLY -> 0.0;
        };
        List<ComputationGraph> gWorkers = new ArrayList<>();
        long steps = 0;
        for (List<List<TrainingPair>> mbs : perWorker) {
            ComputationGraph c = cloneWithCounters(t.combined());
            GanNetworks.setSegmentationWeight(c, weight);
            for (List<TrainingPair> mb : mbs) {
                GanTrainer.Batch b = batchOf(p, mb, mode == Mode.LABELLED);
                if (mode == Mode.PSEUDO) {
                    INDArray[] out = snapshot.output(false, b.condition());
                    INDArray confidence = GanTrainer.confidenceMask(p, t.discriminator(), b.condition(), out[0], 0.5);
                    b = GanTrainer.Batch.pseudoLabelled(p, b.condition(), b.realImage(), GanTrainer.pseudoLabels(out[1]),
                            confidence);
                }
                MultiDataSet mds = GanTrainer.generatorData(p, b);
                c.fit(mds);
                steps++;
            }
            gWorkers.add(c);
        }
        average(gWorkers, t.combined());
        GanNetworks.copyParameters(t.combined(), t.generator(), GanNetworks::isGeneratorLayer);
        return steps;
    }

    /**
     * {@code ComputationGraph.clone()} copies parameters and updater state but not the iteration and epoch counters
     * (the configuration's clone drops them). Adam's bias correction reads the iteration: a clone restarting at 0
     * with a warm state takes steps ~16x too small (lr * sqrt(1 - 0.999) / (1 - 0.5)). The Spark master broadcasts
     * the counters with the parameters, so this replica must too.
     */
    static ComputationGraph cloneWithCounters(ComputationGraph graph) {
        ComputationGraph c = graph.clone();
        c.getConfiguration().setIterationCount(graph.getConfiguration().getIterationCount());
        c.getConfiguration().setEpochCount(graph.getConfiguration().getEpochCount());
        return c;
    }

    /** What ParameterAveragingTrainingMaster does: mean of the workers' parameters and updater states. */
    private static void average(List<ComputationGraph> workers, ComputationGraph into) {
        INDArray params = workers.get(0).params().dup();
        INDArray state = workers.get(0).getUpdater().getStateViewArray().dup();
        for (int i = 1; i < workers.size(); i++) {
            params.addi(workers.get(i).params());
            state.addi(workers.get(i).getUpdater().getStateViewArray());
        }
        into.setParams(params.divi(workers.size()));
        into.getUpdater().getStateViewArray().assign(state.divi(workers.size()));
        into.getConfiguration().setIterationCount(workers.get(0).getConfiguration().getIterationCount());
    }

    static GanTrainer.Batch batchOf(GanProfile p, List<TrainingPair> pairs, boolean withLabels) {
        int side = p.resolution();
        List<float[]> cond = new ArrayList<>();
        List<float[]> real = new ArrayList<>();
        List<float[]> labels = new ArrayList<>();
        for (TrainingPair t : pairs) {
            cond.add(t.input());
            real.add(t.image());
            labels.add(GanInputs.oneHot(t.label(), p.classes()));
        }
        INDArray c = GanInputs.batch(cond, p.inputChannels(), side, side);
        INDArray r = GanInputs.batch(real, 1, side, side);
        return withLabels ? GanTrainer.Batch.labelled(p, c, r, GanInputs.batch(labels, p.classes(), side, side))
                : GanTrainer.Batch.imageOnly(c, r);
    }

    /** Lung Dice of the generator's argmax segmentation of each held-out UM against its label. */
    static Score score(GanProfile p, ComputationGraph generator, List<TrainingPair> test) {
        double sumDice = 0;
        long inter = 0;
        long predicted = 0;
        long truth = 0;
        for (TrainingPair t : test) {
            INDArray cond = GanInputs.batch(List.of(t.input()), p.inputChannels(), p.resolution(), p.resolution());
            byte[] seg = GanInputs.labels(generator.output(false, cond)[1]);
            long i = 0;
            long a = 0;
            long b = 0;
            for (int k = 0; k < seg.length; k++) {
                boolean pr = seg[k] == 1;
                boolean tr = t.label()[k] == 1;
                i += pr && tr ? 1 : 0;
                a += pr ? 1 : 0;
                b += tr ? 1 : 0;
            }
            sumDice += a + b == 0 ? 1.0 : 2.0 * i / (a + b);
            inter += i;
            predicted += a;
            truth += b;
        }
        long pixels = (long) test.size() * p.resolution() * p.resolution();
        return new Score(sumDice / test.size(), 2.0 * inter / Math.max(1, predicted + truth),
                (double) predicted / pixels);
    }

    private static List<TrainingPair> shuffled(List<TrainingPair> pairs, long seed, int epoch, int pass) {
        List<TrainingPair> order = new ArrayList<>(pairs);
        java.util.Collections.shuffle(order, new Random(seed * 1_000_003L + epoch * 16L + pass));
        return order;
    }
}
