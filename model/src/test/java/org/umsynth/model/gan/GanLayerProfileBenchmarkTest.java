package org.umsynth.model.gan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where the time of a training pass goes: every layer of the combined graph (G + frozen D; or, with
 * {@code -Dumsynth.bench.graph=discriminator}, of the discriminator) run alone, forward ({@code activate(true)})
 * and backward ({@code backpropGradient} with a random epsilon), on the activations of one real forward pass;
 * totals per layer type. Demo profile, batch 2 (the combined graph) or 4 (the discriminator: real and fake pairs).
 * Not a unit test: {@code -Dumsynth.bench=true}, {@code -Dumsynth.bench.side=64}, optionally
 * {@code -Dumsynth.bench.stock=true} for DL4J's stock convolution layers.
 *
 * <p>The layers run without workspaces, so every working array is a fresh native allocation; glibc serves the
 * large ones with {@code mmap} and the first touch of each page faults: run it with
 * {@code MALLOC_MMAP_THRESHOLD_=2000000000 MALLOC_TRIM_THRESHOLD_=4000000000} in the environment, or the allocations
 * dominate (measured: the discriminator at 64x64 summed 58-77 ms without, 22 ms with; training, which runs in
 * workspaces, is not affected). Per-layer times are still higher than inside a training step.
 */
@EnabledIfSystemProperty(named = "umsynth.bench", matches = "true")
class GanLayerProfileBenchmarkTest {
    @Test
    void timesEveryLayerOfTheGraph() {
        int side = Integer.getInteger("umsynth.bench.side", 64);
        int reps = Integer.getInteger("umsynth.bench.reps", 5);
        GanProfile p = GanProfile.demo().withResolution(side)
                .withStockLayers(Boolean.getBoolean("umsynth.bench.stock"))
                        .withSameDiffConvolutions(Boolean.getBoolean("umsynth.bench.sameDiff"));
        boolean discriminator = "discriminator".equals(System.getProperty("umsynth.bench.graph"));
        ComputationGraph g = discriminator ? GanNetworks.discriminator(p, 1) : GanNetworks.combined(p, 1);
        g.initGradientsView();
        INDArray x = discriminator ? Nd4j.rand(DataType.FLOAT, 4, p.discriminatorInputChannels(), side, side)
                : Nd4j.rand(DataType.FLOAT, 2, p.inputChannels(), side, side);
        Map<String, INDArray> acts = g.feedForward(new INDArray[] {x}, true, false);
        // Whole passes over the layers; only the last is reported (the first ones run before the JIT's C2 code).
        int rounds = Integer.getInteger("umsynth.bench.rounds", 3);
        Map<String, double[]> byType = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            byType.clear();
            lines.clear();
            timeEveryLayer(g, acts, reps, byType, lines);
        }
        lines.forEach(System.out::println);
        double total = 0;
        for (Map.Entry<String, double[]> e : byType.entrySet()) {
            double[] t = e.getValue();
            total += t[0] + t[1];
            System.out.printf("TYPE %-28s x%2.0f fwd %8.2f bwd %8.2f total %8.2f ms%n", e.getKey(), t[2], t[0], t[1],
                    t[0] + t[1]);
        }
        System.out.printf("TYPE sum %.1f ms (%s, side %d, %s convolutions, OMP_NUM_THREADS=%s, oneDNN build %s, "
                + "umsynth.nativeConvolutions %s)%n", total, discriminator ? "discriminator" : "combined graph", side,
                p.sameDiffConvolutions() ? "samediff" : p.stockLayers() ? "stock" : "fast", System.getenv("OMP_NUM_THREADS"),
                NativeConvolution.oneDnnBuild(), NativeConvolution.MODE);
    }

    /** One pass: every layer's forward and backward {@code reps} times (after one untimed), in topological order. */
    private static void timeEveryLayer(ComputationGraph g, Map<String, INDArray> acts, int reps,
            Map<String, double[]> byType, List<String> lines) {
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (int idx : g.topologicalSortOrder()) {
            GraphVertex v = g.getVertices()[idx];
            if (!v.hasLayer() || v.isOutputVertex()) {
                continue;
            }
            VertexIndices[] in = v.getInputVertices();
            INDArray input = acts.get(g.getVertices()[in[0].getVertexIndex()].getVertexName());
            Layer layer = v.getLayer();
            double fwd = 0;
            double bwd = 0;
            for (int r = 0; r < reps + 1; r++) {
                long a = System.nanoTime();
                layer.setInput(input, mgr);
                INDArray out = layer.activate(true, mgr);
                long b = System.nanoTime();
                INDArray eps = Nd4j.rand(out.dataType(), out.shape());
                long c = System.nanoTime();
                layer.backpropGradient(eps, mgr);
                long d = System.nanoTime();
                if (r > 0) {
                    fwd += (b - a) / 1e6;
                    bwd += (d - c) / 1e6;
                }
            }
            fwd /= reps;
            bwd /= reps;
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            String type = conf instanceof FrozenLayerWithBackprop f
                    ? f.getUnderlying().getClass().getSimpleName() + "(frozen)" : conf.getClass().getSimpleName();
            lines.add(String.format("LAYER %-22s %-28s %s fwd %7.2f bwd %7.2f ms", v.getVertexName(), type,
                    java.util.Arrays.toString(input.shape()), fwd, bwd));
            double[] t = byType.computeIfAbsent(type, k -> new double[3]);
            t[0] += fwd;
            t[1] += bwd;
            t[2]++;
        }
    }
}
