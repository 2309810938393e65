package org.umsynth.model.gan;

import java.util.ArrayList;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Milliseconds per alternating GAN step (G forward, D fit, combined fit, copies), demo profile sizes,
 * batch 2. Not a unit test: run with {@code -Dumsynth.bench=true} (and {@code OMP_NUM_THREADS=1});
 * {@code -Dumsynth.bench.stock=true} times DL4J's stock convolution layers instead of {@link FastConvolution};
 * {@code -Dumsynth.fastAdam=false} DL4J's stock Adam instead of {@link FastAdam};
 * {@code -Dumsynth.fastActivation=false} DL4J's {@code ActivationLayer} instead of {@link FastActivation}.
 */
@EnabledIfSystemProperty(named = "umsynth.bench", matches = "true")
class GanStepBenchmarkTest {
    @Test
    void stepTimes() {
        int warmup = Integer.getInteger("umsynth.bench.warmup", 3);
        int steps = Integer.getInteger("umsynth.bench.steps", 8);
        int[] sides = java.util.Arrays.stream(System.getProperty("umsynth.bench.sides", "64,128").split(","))
                .mapToInt(v -> Integer.parseInt(v.trim())).toArray();
        // the parent pom gives every surefire fork OMP_NUM_THREADS=1: umsynth.bench.threads sets ND4J's threads here
        Integer threads = Integer.getInteger("umsynth.bench.threads");
        if (threads != null) {
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(threads); // loads the backend first
            org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxMasterThreads(threads);
            org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(threads);
        }
        String threadInfo = "OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", ND4J threads "
                + org.nd4j.linalg.factory.Nd4j.getEnvironment().maxThreads() + ", BLAS threads "
                + org.nd4j.linalg.factory.Nd4j.factory().blas().getMaxThreads();
        for (int side : sides) {
            GanProfile p = GanProfile.demo().withResolution(side)
                    .withStockLayers(Boolean.getBoolean("umsynth.bench.stock"))
                            .withSameDiffConvolutions(Boolean.getBoolean("umsynth.bench.sameDiff"));
            GanTrainer t = new GanTrainer(p, 1);
            Random r = new Random(1);
            GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(side, r),
                    GanTrainerTest.phantom(side, r)));
            for (int i = 0; i < warmup; i++) {
                t.step(b);
            }
            List<Double> ms = new ArrayList<>();
            double gen = 0;
            double dis = 0;
            double comb = 0;
            for (int i = 0; i < steps; i++) {
                double[] step = timedStep(t, b);
                ms.add(step[0]);
                gen += step[1];
                dis += step[2];
                comb += step[3];
            }
            ms.sort(Double::compare);
            System.out.printf("BENCH %dx%d demo (ngf %d, %d down, %d blocks) batch 2, %s: "
                    + "median %.0f ms/step (min %.0f, max %.0f, mean %.1f: with GC pauses, what samples/s counts); "
                    + "mean G.output %.0f, D fit %.0f, combined fit %.0f"
                    + "; G %d params, D %d params; convolutions %s; oneDNN build %s (heads via libnd4j ops: %s); updater %s on %s; JavaCPP maxPhysicalBytes %d%n", side, side, p.ngf(), p.downsamplings(), p.residualBlocks(),
                    threadInfo, ms.get(ms.size() / 2), ms.get(0), ms.get(ms.size() - 1),
                    ms.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                    gen / steps, dis / steps, comb / steps, t.generator().numParams(), t.discriminator().numParams(),
                    p.sameDiffConvolutions() ? "samediff" : p.stockLayers() ? "stock" : "fast",
                    NativeConvolution.oneDnnBuild(), NativeConvolution.MODE,
                    GanNetworks.adam(p).getClass().getSimpleName(),
                    t.combined().getUpdater().getClass().getSimpleName(),
                    org.bytedeco.javacpp.Pointer.maxPhysicalBytes());
        }
    }

    /**
     * A/B of a runtime switch inside one JVM: {@code -Dumsynth.bench.switch=Class#field} names a static boolean field
     * (e.g. {@code org.umsynth.model.gan.Blas#enabled}, direct OpenBLAS calls); steps alternate between the
     * field false and true in blocks of {@code umsynth.bench.block} (5) steps, after a warm-up that alternates too (so
     * both paths are compiled). Separate JVMs, even running at the same time pinned to one core each, differ by
     * +-5% per pair on this machine; interleaved blocks in one process see the same JIT, heap and machine state, which
     * resolves effects of ~1% of a step.
     */
    @Test
    void interleavedSwitch() throws Exception {
        String spec = System.getProperty("umsynth.bench.switch");
        org.junit.jupiter.api.Assumptions.assumeTrue(spec != null, "-Dumsynth.bench.switch=Class#field not given");
        String[] parts = spec.split("#");
        java.lang.reflect.Field field = Class.forName(parts[0]).getDeclaredField(parts[1]);
        field.setAccessible(true);
        int warmup = Integer.getInteger("umsynth.bench.warmup", 100);
        int steps = Integer.getInteger("umsynth.bench.steps", 200);
        int block = Integer.getInteger("umsynth.bench.block", 5);
        int side = Integer.getInteger("umsynth.bench.side", 64);
        boolean original = field.getBoolean(null);
        GanProfile p = GanProfile.demo().withResolution(side);
        GanTrainer t = new GanTrainer(p, 1);
        Random r = new Random(1);
        GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(side, r),
                GanTrainerTest.phantom(side, r)));
        try {
            for (int i = 0; i < warmup; i++) {
                field.setBoolean(null, (i / block) % 2 == 1);
                t.step(b);
            }
            List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>());
            double[][] phases = new double[2][3];
            for (int i = 0; i < steps; i++) {
                int mode = (i / block) % 2;
                field.setBoolean(null, mode == 1);
                double[] step = timedStep(t, b);
                ms.get(mode).add(step[0]);
                for (int phase = 0; phase < 3; phase++) {
                    phases[mode][phase] += step[phase + 1];
                }
            }
            double[] median = new double[2];
            for (int mode = 0; mode < 2; mode++) {
                List<Double> v = new ArrayList<>(ms.get(mode));
                v.sort(Double::compare);
                median[mode] = v.get(v.size() / 2);
                int n = v.size();
                System.out.printf("SWITCH %s=%b %dx%d: median %.2f ms/step (min %.1f), mean G.output %.2f, D fit %.2f,"
                        + " combined fit %.2f (%d steps)%n", parts[1], mode == 1, side, side, median[mode], v.get(0),
                        phases[mode][0] / n, phases[mode][1] / n, phases[mode][2] / n, n);
            }
            System.out.printf("SWITCH %s: true / false = %.3f (medians)%n", parts[1], median[1] / median[0]);
        } finally {
            field.setBoolean(null, original);
        }
    }

    /** One alternating step, timed: ms for the whole step, {@code G.output}, the D fit and the combined fit. */
    private static double[] timedStep(GanTrainer t, GanTrainer.Batch b) {
        long a = System.nanoTime();
        var fake = t.generate(b.condition());
        long a1 = System.nanoTime();
        t.discriminatorPhase(b, fake[0]);
        long a2 = System.nanoTime();
        t.generatorPhase(b, fake);
        long a3 = System.nanoTime();
        return new double[] {(a3 - a) / 1e6, (a1 - a) / 1e6, (a2 - a1) / 1e6, (a3 - a2) / 1e6};
    }

    @Test
    void stockVersusSameDiffConvolution() {
        // {kernel, channels in, channels out, repeat}: the generator's 3x3 trunk convs and its 7x7 heads
        for (int[] c : new int[][] {{3, 16, 16, 4}, {7, 16, 3, 1}}) {
            for (boolean sdConv : new boolean[] {false, true, false, true}) {
                timeConvolutions(c[0], c[1], c[2], c[3], sdConv);
            }
        }
    }

    private static void timeConvolutions(int k, int in, int out, int repeat, boolean sdConv) {
        int pad = k / 2;
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().updater(new Adam(1e-4))
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(64, 64, in));
        String last = "in";
        for (int i = 0; i < repeat; i++) {
            int nIn = i == 0 ? in : out;
            b.addLayer("c" + i, sdConv ? new SameDiffConv2D(k, 1, pad, out, 0.02, "identity")
                    : new ConvolutionLayer.Builder(k, k).padding(pad, pad).nOut(out)
                            .activation(Activation.IDENTITY).build(), last);
            last = "c" + i;
        }
        b.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                .build(), last);
        ComputationGraph g = new ComputationGraph(b.setOutputs("out").build());
        g.init();
        MultiDataSet m = new MultiDataSet(Nd4j.rand(DataType.FLOAT, 2, in, 64, 64),
                Nd4j.rand(DataType.FLOAT, 2, out, 64, 64));
        for (int i = 0; i < 3; i++) {
            g.fit(m);
        }
        long t = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            g.fit(m);
        }
        double fit = (System.nanoTime() - t) / 1e7;
        t = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            g.output(m.getFeatures());
        }
        System.out.printf("CONV %dx %dx%d %d->%d @64x64 batch 2, sameDiff=%s: fit %.1f ms, output %.1f ms%n", repeat,
                k, k, in, out, sdConv, fit, (System.nanoTime() - t) / 1e7);
    }
}
