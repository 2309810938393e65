package org.umsynth.model.features;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;

/**
 * bench/metrics: images/s of the imported nsfwjs InceptionV3 (DL4J/ND4J, CPU) per resolution, wall clock and
 * per CPU second of the calling thread (with OMP_NUM_THREADS=1 all arithmetic runs on it; on a shared machine
 * the CPU figure is the one that contention does not distort).
 * Usage: FeatureBenchMain [batch] [images] [fast|graph] [res...]   (model cache as for the tests; 3 warm-up batches
 * per resolution, -DwarmUpBatches=N to change;
 * fast = the InferenceNet the extractors use, graph = the DL4J ComputationGraph import; -Dbench.label=X prints dl4j-X)
 */
public final class FeatureBenchMain {
    private static final int WARM_UP_BATCHES = Integer.getInteger("warmUpBatches", 3);

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        String path = args.length > 2 ? args[2] : "fast";
        int[] res = args.length > 3 ? java.util.Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray() : new int[]{128, 299};
        Path dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        if (dir == null) {
            throw new IllegalStateException("run model/src/test/resources/features/fetch_nsfwjs_inception.sh first");
        }
        GraphFeatureExtractor ex = switch (path) {
            case "fast" -> NsfwjsInception.load(dir, batch);
            case "graph" -> new GraphFeatureExtractor(TfjsLayersImporter.importModel(dir, "mixed10").graph(),
                    NsfwjsInception.NAME, NsfwjsInception.DESCRIPTION, 2048, false, batch);
            default -> throw new IllegalArgumentException("path must be fast or graph: " + path);
        };
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int r : res) {
            float[][] images = new float[count][];
            for (int i = 0; i < count; i++) {
                images[i] = NsfwjsInceptionTest.testImage(i % 2, r);
            }
            for (int w = 0; w < WARM_UP_BATCHES; w++) {
                ex.extract(java.util.Arrays.copyOf(images, batch), r); // JIT and buffer pool warm-up
            }
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long process0 = os.getProcessCpuTime();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            ex.extract(images, r);
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double process = (os.getProcessCpuTime() - process0) / 1e9;
            System.out.printf(Locale.ROOT, "dl4j-%s inception_v3_nsfwjs r=%d threads=%s batch=%d images=%d seconds=%.2f images_per_s=%.2f cpu_seconds=%.2f images_per_cpu_s=%.2f process_cpu_seconds=%.2f%n",
                    System.getProperty("bench.label", path), r, System.getenv().getOrDefault("OMP_NUM_THREADS", "?"), batch, count, s, count / s, cpu, count / cpu, process);
        }
    }
}
