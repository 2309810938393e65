package org.umsynth.model.features;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * bench/metrics: wall time per node kind of the nsfwjs InceptionV3 {@link InferenceNet} (after warm-up), to see
 * where a forward pass goes. Usage: InferenceNetProfileMain [batch] [res] [batches] [top]
 */
public final class InferenceNetProfileMain {
    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int r = args.length > 1 ? Integer.parseInt(args[1]) : 299;
        int batches = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        Path dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        InferenceNet net = TfjsLayersImporter.importInference(dir, "mixed10");
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, r, r, 3).muli(2).subi(1);
        for (int w = 0; w < 3; w++) {
            net.output(x);
        }
        Map<String, Long> byNode = new TreeMap<>();
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            net.output(x, byNode);
        }
        double total = (System.nanoTime() - t0) / 1e6 / batches;
        double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / batches;
        Map<String, Long> byKind = new TreeMap<>();
        for (var e : byNode.entrySet()) {
            String[] words = e.getKey().split(" ");
            byKind.merge(words[0], e.getValue(), Long::sum);
        }
        double nodes = byNode.values().stream().mapToLong(Long::longValue).sum() / 1e6 / batches;
        System.out.printf(Locale.ROOT, "batch=%d r=%d ms/batch=%.1f (nodes %.1f) img/s=%.2f thread-cpu ms/batch=%.1f img/cpu-s=%.2f%n",
                batch, r, total, nodes, batch * 1000 / total, cpu, batch * 1000 / cpu);
        byKind.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).forEach(e ->
                System.out.printf(Locale.ROOT, "  %-22s %8.1f ms %5.1f%%%n", e.getKey(), e.getValue() / 1e6 / batches, 100 * e.getValue() / 1e6 / batches / total));
        byNode.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top).forEach(e ->
                System.out.printf(Locale.ROOT, "  %8.1f ms  %s%n", e.getValue() / 1e6 / batches, e.getKey()));
    }
}
