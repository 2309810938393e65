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
            System.out.printf("BENCH adam %d floats, OMP_NUM_THREADS=%s: median ms op %.3f, java chunked %.3f, "
                    + "java FloatBuffer element %.3f (min %.3f / %.3f / %.3f)%n", n, System.getenv("OMP_NUM_THREADS"),
                    median(opMs), median(chunkMs), median(elementMs), min(opMs), min(chunkMs), min(elementMs));
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
