package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fast inference path ({@link InferenceNet}: batch norm folded, NHWC sgemm convolutions, concatenation
 * in place) against the DL4J ComputationGraph import of the same nsfwjs InceptionV3, on random images.
 * Skips when the model cache is absent: run model/src/test/resources/features/fetch_nsfwjs_inception.sh.
 */
class InferenceNetTest {
    static Path dir;
    static GraphFeatureExtractor fast;

    @BeforeAll
    static void load() throws Exception {
        dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        Assumptions.assumeTrue(dir != null, "nsfwjs InceptionV3 not in the model cache "
                + NsfwjsInception.defaultCache() + ": run model/src/test/resources/features/fetch_nsfwjs_inception.sh");
        fast = NsfwjsInception.load(dir, 3);
    }

    static float[][] randomImages(int count, int r, long seed) {
        Random random = new Random(seed);
        float[][] images = new float[count][r * r];
        for (float[] img : images) {
            for (int p = 0; p < img.length; p++) {
                img[p] = random.nextFloat() * 2 - 1;
            }
        }
        return images;
    }

    @Test
    void foldsBatchNormAndFusesActivations() {
        InferenceNet net = fast.net();
        assertTrue(net != null, "the nsfwjs extractor should run the inference net");
        assertEquals(2048, net.dimension());
        // InceptionV3 up to mixed10: 94 conv + 94 batch norm + 94 relu + 13 pools + 15 concatenations;
        // folding and fusion leave the convolutions, pools and concatenations; the 9 average pools of the
        // pool branches run inside the 1x1 convolution that reads them
        assertEquals(94 + 13 - 9 + 15, net.nodeCount());
    }

    @Test
    void equalsTheComputationGraphOnRandomImages() throws Exception {
        GraphFeatureExtractor graph = new GraphFeatureExtractor(TfjsLayersImporter.importModel(dir, "mixed10").graph(),
                "graph", "the ComputationGraph import", 2048, false, 3);
        for (int r : new int[]{128, 99}) {
            float[][] images = randomImages(4, r, 7 + r);
            double[][] expected = graph.extract(images, r);
            double[][] actual = fast.extract(images, r);
            for (int i = 0; i < images.length; i++) {
                double maxRef = 0, maxDiff = 0;
                for (int j = 0; j < 2048; j++) {
                    maxRef = Math.max(maxRef, Math.abs(expected[i][j]));
                    maxDiff = Math.max(maxDiff, Math.abs(expected[i][j] - actual[i][j]));
                }
                System.out.printf("r=%d image %d: max |graph| %.4f, max |fast - graph| %.3g (relative %.3g)%n",
                        r, i, maxRef, maxDiff, maxDiff / maxRef);
                assertTrue(maxRef > 0.1, "degenerate features");
                assertTrue(maxDiff < 1e-5 * maxRef, "r=" + r + " image " + i + ": max diff " + maxDiff + " vs max " + maxRef);
            }
        }
    }

    @Test
    void batchSizeDoesNotChangeFeatures() {
        int r = 128;
        float[][] images = randomImages(5, r, 11);
        images[4] = images[1].clone();
        double[][] one = fast.withBatchSize(1).extract(images, r);
        double[][] five = fast.withBatchSize(5).extract(images, r);
        for (int i = 0; i < images.length; i++) {
            for (int j = 0; j < 2048; j++) {
                assertEquals(one[i][j], five[i][j], 1e-5 * (1 + Math.abs(one[i][j])), "image " + i + " dim " + j);
            }
        }
        for (int j = 0; j < 2048; j++) {
            assertEquals(five[1][j], five[4][j], 1e-5 * (1 + Math.abs(five[1][j])), "equal images in one batch, dim " + j);
        }
    }
}
