package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Our DL4J import of nsfwjs's TF.js InceptionV3 against TensorFlow.js itself: the committed
 * reference vectors come from bench/metrics/tfjs/reference_features.js (tfjs 4.22, pure-JS CPU
 * backend) on the same two images. Skips when the model cache is absent: run
 * model/src/test/resources/features/fetch_nsfwjs_inception.sh.
 */
class NsfwjsInceptionTest {
    static GraphFeatureExtractor extractor;
    static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        Path dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        Assumptions.assumeTrue(dir != null, "nsfwjs InceptionV3 not in the model cache "
                + NsfwjsInception.defaultCache() + ": run model/src/test/resources/features/fetch_nsfwjs_inception.sh");
        extractor = NsfwjsInception.load(dir, 2);
        try (InputStream in = NsfwjsInceptionTest.class.getResourceAsStream("/features/nsfwjs_inception_v3_tfjs_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    /** The same exact-in-float32 grey test images as reference_features.js. */
    static float[] testImage(int k, int r) {
        float[] v = new float[r * r];
        for (int y = 0; y < r; y++) {
            for (int x = 0; x < r; x++) {
                v[y * r + x] = k == 0 ? ((x * 7 + y * 13) % 256) / 127.5f - 1 : ((x * x + 3 * y) % 200) / 100f - 1;
            }
        }
        return v;
    }

    @Test
    void matchesTensorFlowJsAtTwoResolutions() {
        assertEquals(2048, extractor.dimension());
        assertFalse(extractor.standard());
        assertTrue(extractor.description().contains("not ImageNet"));
        for (int r : new int[]{128, 299}) {
            double[][] ours = extractor.extract(new float[][]{testImage(0, r), testImage(1, r)}, r);
            JsonNode ref = reference.get("features").get(Integer.toString(r));
            for (int i = 0; i < 2; i++) {
                double maxRef = 0, maxDiff = 0;
                for (int j = 0; j < 2048; j++) {
                    double e = ref.get(i).get(j).asDouble();
                    maxRef = Math.max(maxRef, Math.abs(e));
                    maxDiff = Math.max(maxDiff, Math.abs(e - ours[i][j]));
                }
                System.out.printf("r=%d image %d: max |ref| %.4f, max |diff| %.3g (relative %.3g)%n", r, i, maxRef, maxDiff, maxDiff / maxRef);
                assertTrue(maxRef > 0.1, "reference features are degenerate");
                assertTrue(maxDiff < 1e-3 * maxRef, "r=" + r + " image " + i + ": max diff " + maxDiff + " vs max " + maxRef);
            }
        }
    }

    @Test
    void batchSizeDoesNotChangeFeatures() {
        int r = 96;
        float[][] images = {testImage(0, r), testImage(1, r), testImage(0, r), testImage(1, r), testImage(1, r)};
        double[][] one = extractor.withBatchSize(1).extract(images, r);
        double[][] three = extractor.withBatchSize(3).extract(images, r);
        for (int i = 0; i < images.length; i++) {
            for (int j = 0; j < 2048; j++) {
                assertEquals(one[i][j], three[i][j], 1e-5 * (1 + Math.abs(one[i][j])), "image " + i + " dim " + j);
            }
        }
        // and equal images give equal features whatever their position in a batch
        for (int j = 0; j < 2048; j++) {
            assertEquals(three[1][j], three[4][j], 1e-5 * (1 + Math.abs(three[1][j])));
        }
    }
}
