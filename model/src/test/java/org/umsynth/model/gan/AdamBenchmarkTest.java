package org.umsynth.model.gan;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Milliseconds per Adam update of G's and D's parameter counts (demo profile): DL4J's {@code AdamUpdater} (the
 * libnd4j {@code adam_updater} op) against the Java loops of {@link AdamKernel} on the same off-heap arrays
 * (chunked heap copies) and a {@link FloatBuffer} element-access loop. The state is a view at a non-zero offset of
 * a bigger array, as in a network's updater. Rounds alternate the variants. Not a unit test: run with
 * {@code -Dumsynth.bench=true} (and {@code OMP_NUM_THREADS=1}).
 */
@EnabledIfSystemProperty(named = "umsynth.bench", matches = "true")
class AdamBenchmarkTest {
    @Test
    void updateTimes() {
        int rounds = Integer.getInteger("umsynth.bench.rounds", 5);
        int reps = Integer.getInteger("umsynth.bench.reps", 30);
        for (int n : new int[] {1_080_000, 350_000}) {
            Nd4j.getRandom().setSeed(5);
            INDArray source = Nd4j.randn(DataType.FLOAT, 1, n).muli(1e-2);
            INDArray gradient = Nd4j.create(DataType.FLOAT, 1, n);
            INDArray stateBase = Nd4j.create(DataType.FLOAT, 1, 2L * n + 64);
            INDArray state = stateBase.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(64, 64 + 2L * n));
            Adam config = new Adam(2e-4, 0.5, 0.999, 1e-8);
            GradientUpdater<?> op = config.instantiate(state, true);
            INDArray m = state.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, n));
            INDArray v = state.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(n, 2L * n));
            List<Double> opMs = new ArrayList<>();
            List<Double> chunkMs = new ArrayList<>();
            List<Double> elementMs = new ArrayList<>();
            int iteration = 0;
            for (int round = 0; round < rounds; round++) {
                for (int variant = 0; variant < 3; variant++) {
                    for (int r = 0; r < reps; r++) {
                        gradient.assign(source); // fresh values: repeated in-place updates would decay to denormals
                        long t0 = System.nanoTime();
                        if (variant == 0) {
                            op.applyUpdater(gradient, iteration, 0);
                        } else if (variant == 1) {
                            AdamKernel.apply(gradient, m, v, 2e-4, 0.5, 0.999, 1e-8, iteration);
                        } else {
                            elementwise(ConvBuffers.floats(gradient), ConvBuffers.floats(m), ConvBuffers.floats(v), n,
                                    0.5f, 0.999f, 1e-8f, AdamKernel.floatStepSize(2e-4f, 0.5f, 0.999f, 1e-8f, iteration));
                        }
                        long t1 = System.nanoTime();
                        iteration++;
                        if (round > 0) { // round 0 warms up
                            (variant == 0 ? opMs : variant == 1 ? chunkMs : elementMs).add((t1 - t0) / 1e6);
                        }
                    }
                }
            }
            System.out.printf("BENCH adam %d floats, OMP_NUM_THREADS=%s, ND4J threads %d: median ms op %.3f, java "
                    + "chunked %.3f, java FloatBuffer element %.3f (min %.3f / %.3f / %.3f)%n", n,
                    System.getenv("OMP_NUM_THREADS"), Nd4j.getEnvironment().maxThreads(),
                    median(opMs), median(chunkMs), median(elementMs), min(opMs), min(chunkMs), min(elementMs));
        }
    }

    /**
     * Milliseconds per {@code ComputationGraphUpdater.update} of the demo combined graph (G's 1.08M parameters
     * trained, frozen D) and of D, stock Adam vs FastAdam, alternating: what the training step pays for the
     * updater including DL4J's own work around it (gradient division by the minibatch, block bookkeeping).
     */
    @Test
    void networkUpdaterTimes() {
        int rounds = Integer.getInteger("umsynth.bench.rounds", 5);
        int reps = Integer.getInteger("umsynth.bench.reps", 30);
        GanProfile p = GanProfile.demo().withResolution(64);
        java.util.Random r = new java.util.Random(1);
        GanTrainer.Batch batch = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(64, r),
                GanTrainerTest.phantom(64, r)));
        String previous = System.getProperty(FastAdam.ENABLED_PROPERTY);
        try {
            for (String which : new String[] {"combined", "discriminator"}) {
                org.deeplearning4j.nn.graph.ComputationGraph[] nets = new org.deeplearning4j.nn.graph.ComputationGraph[2];
                org.deeplearning4j.nn.gradient.Gradient[] gradients = new org.deeplearning4j.nn.gradient.Gradient[2];
                INDArray[] saved = new INDArray[2];
                for (int k = 0; k < 2; k++) {
                    System.setProperty(FastAdam.ENABLED_PROPERTY, Boolean.toString(k == 1));
                    nets[k] = which.equals("combined") ? GanNetworks.combined(p, 1) : GanNetworks.discriminator(p, 1);
                    org.nd4j.linalg.dataset.api.MultiDataSet data = which.equals("combined")
                            ? GanTrainer.generatorData(p, batch)
                            : GanTrainer.discriminatorData(p, batch, batch.realImage());
                    nets[k].fit(data); // initialises the updater
                    nets[k].setInputs(data.getFeatures());
                    nets[k].setLabels(data.getLabels());
                    nets[k].computeGradientAndScore();
                    gradients[k] = nets[k].gradient();
                    saved[k] = gradients[k].gradient().dup();
                }
                List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
                int iteration = 10;
                for (int round = 0; round < rounds; round++) {
                    for (int k = 0; k < 2; k++) {
                        for (int rep = 0; rep < reps; rep++) {
                            gradients[k].gradient().assign(saved[k]);
                            long t0 = System.nanoTime();
                            nets[k].getUpdater().update(gradients[k], iteration++, 0, 2,
                                    org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
                            long t1 = System.nanoTime();
                            if (round > 0) {
                                ms.get(k).add((t1 - t0) / 1e6);
                            }
                        }
                    }
                }
                System.out.printf("BENCH adam network updater, %s graph (%d params), OMP_NUM_THREADS=%s: median ms "
                        + "Adam %.3f, FastAdam %.3f (min %.3f / %.3f)%n", which, nets[0].numParams(),
                        System.getenv("OMP_NUM_THREADS"), median(ms.get(0)), median(ms.get(1)), min(ms.get(0)),
                        min(ms.get(1)));
            }
        } finally {
            if (previous == null) {
                System.clearProperty(FastAdam.ENABLED_PROPERTY);
            } else {
                System.setProperty(FastAdam.ENABLED_PROPERTY, previous);
            }
        }
    }

    private static void elementwise(FloatBuffer g, FloatBuffer m, FloatBuffer v, int n, float beta1, float beta2,
            float epsilon, float alpha) {
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int i = 0; i < n; i++) {
            float gi = g.get(i);
            float mi = beta1 * m.get(i) + gi * oneMinusBeta1;
            float vi = beta2 * v.get(i) + gi * gi * oneMinusBeta2;
            m.put(i, mi);
            v.put(i, vi);
            g.put(i, (mi * alpha) / ((float) Math.sqrt(vi) + epsilon));
        }
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }
}
