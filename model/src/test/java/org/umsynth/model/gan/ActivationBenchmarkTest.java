package org.umsynth.model.gan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Microseconds per training forward and backprop call of DL4J's {@link ActivationLayer} against {@link FastActivation}
 * on the GAN step's activation shapes (generator ReLUs, discriminator LeakyReLU 0.2), inside an open workspace as in a
 * network's fit (without one every array is a fresh off-heap allocation), rounds alternating the layers (the fast one
 * with its SIMD loops on the off-heap arrays and on heap copies, {@code FastActivation.directKernels}); and the
 * backward loop alone, scalar against SIMD. Not a unit test: run with {@code -Dumsynth.bench=true} (and
 * {@code OMP_NUM_THREADS=1}).
 */
@EnabledIfSystemProperty(named = "umsynth.bench", matches = "true")
class ActivationBenchmarkTest {
    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder().initialSize(0)
            .overallocationLimit(0.05).policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
    private static final String WS_ID = "bench_activation";

    @Test
    void layerTimes() {
        int rounds = Integer.getInteger("umsynth.bench.rounds", 5);
        int reps = Integer.getInteger("umsynth.bench.reps", 200);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.builder().defaultWorkspace(WS_ID, WS).build();
        long[][] shapes = {{2, 16, 64, 64}, {2, 128, 8, 8}, {4, 32, 17, 17}, {4, 128, 10, 10}};
        IActivation[] fns = {Activation.RELU.getActivationFunction(), new ActivationLReLU(0.2)};
        for (long[] shape : shapes) {
            for (IActivation fn : fns) {
                Nd4j.getRandom().setSeed(3);
                INDArray x = Nd4j.randn(DataType.FLOAT, shape);
                INDArray eps = Nd4j.randn(DataType.FLOAT, shape);
                // stock; fast on the off-heap arrays; fast on heap copies
                Layer[] layers = {layer(new ActivationLayer(fn)), layer(new FastActivation(fn)),
                        layer(new FastActivation(fn))};
                List<List<Double>> forward = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
                List<List<Double>> backward = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
                for (int round = 0; round < rounds; round++) {
                    for (int k = 0; k < 3; k++) {
                        FastActivation.directKernels = k != 2;
                        Layer layer = layers[k];
                        for (int r = 0; r < reps; r++) {
                            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, WS_ID)) {
                                layer.setInput(x, LayerWorkspaceMgr.noWorkspaces());
                                long t0 = System.nanoTime();
                                layer.activate(true, mgr);
                                long t1 = System.nanoTime();
                                layer.backpropGradient(eps, mgr);
                                long t2 = System.nanoTime();
                                if (round > 0) { // round 0 warms up
                                    forward.get(k).add((t1 - t0) / 1e3);
                                    backward.get(k).add((t2 - t1) / 1e3);
                                }
                            }
                        }
                    }
                }
                FastActivation.directKernels = true;
                System.out.printf("BENCH activation %s %s: median us forward stock %.1f fast %.1f (heap copies %.1f), "
                        + "backprop stock %.1f fast %.1f (heap copies %.1f)%n", java.util.Arrays.toString(shape), fn,
                        median(forward.get(0)), median(forward.get(1)), median(forward.get(2)),
                        median(backward.get(0)), median(backward.get(1)), median(backward.get(2)));
            }
        }
    }

    @Test
    void backwardLoopTimes() {
        int reps = Integer.getInteger("umsynth.bench.reps", 200);
        int n = 4 * 128 * 10 * 10;
        float[] x = new float[n];
        float[] d = new float[n];
        java.util.Random r = new java.util.Random(1);
        for (int round = 0; round < 4; round++) {
            List<Double> scalar = new ArrayList<>();
            List<Double> simd = new ArrayList<>();
            for (int k = 0; k < 2 * reps; k++) {
                for (int i = 0; i < n; i++) {
                    x[i] = (float) r.nextGaussian();
                    d[i] = (float) r.nextGaussian();
                }
                long t0 = System.nanoTime();
                if (k % 2 == 0) {
                    ActivationKernel.backward(ActivationKernel.Kind.LEAKY_RELU, 0.2f, x, d, 0, n);
                } else {
                    ActivationKernel.backward(ActivationKernel.Kind.LEAKY_RELU, 0.2f, x, d, n);
                }
                (k % 2 == 0 ? scalar : simd).add((System.nanoTime() - t0) / 1e3);
            }
            System.out.printf("BENCH LeakyReLU backward loop %d floats, SIMD %s: median us scalar %.1f, "
                    + "dispatching (SIMD when available) %.1f%n", n, Simd.available(), median(scalar), median(simd));
        }
    }

    private static Layer layer(ActivationLayer conf) {
        NeuralNetConfiguration nnc = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).layer(conf).build();
        return conf.instantiate(nnc, Collections.emptyList(), 0, null, false, DataType.FLOAT);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
