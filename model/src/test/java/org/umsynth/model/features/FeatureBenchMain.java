package org.umsynth.model.features;

import java.nio.file.Path;
import java.util.Locale;

/**
 * bench/metrics: images/s of the imported nsfwjs InceptionV3 (DL4J, CPU) per resolution.
 * Usage: FeatureBenchMain [batch] [images] [res...]   (model cache as for the tests)
 */
public final class FeatureBenchMain {
    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int[] res = args.length > 2 ? java.util.Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray() : new int[]{128, 299};
        Path dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        if (dir == null) {
            throw new IllegalStateException("run model/src/test/resources/features/fetch_nsfwjs_inception.sh first");
        }
        GraphFeatureExtractor ex = NsfwjsInception.load(dir, batch);
        for (int r : res) {
            float[][] images = new float[count][];
            for (int i = 0; i < count; i++) {
                images[i] = NsfwjsInceptionTest.testImage(i % 2, r);
            }
            ex.extract(java.util.Arrays.copyOf(images, batch), r); // warm-up
            long t0 = System.nanoTime();
            ex.extract(images, r);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "dl4j inception_v3_nsfwjs r=%d batch=%d images=%d seconds=%.2f images_per_s=%.2f%n", r, batch, count, s, count / s);
        }
    }
}
