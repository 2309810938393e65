package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The second task network (depthwise convolutions, ReLU6, zero padding, residual adds) against
 * TensorFlow.js: reference from bench/metrics/tfjs/reference_features.js ... out_relu 224 128.
 */
class NsfwjsMobileNetV2Test {

    @Test
    void matchesTensorFlowJs() throws Exception {
        Path dir = NsfwjsMobileNetV2.locate(NsfwjsInception.defaultCache());
        Assumptions.assumeTrue(dir != null, "nsfwjs MobileNetV2 not in the model cache "
                + NsfwjsInception.defaultCache() + ": run model/src/test/resources/features/fetch_nsfwjs_inception.sh");
        GraphFeatureExtractor ex = NsfwjsMobileNetV2.load(dir, 2);
        assertEquals(1280, ex.dimension());
        assertFalse(ex.standard());
        JsonNode reference;
        try (InputStream in = getClass().getResourceAsStream("/features/nsfwjs_mobilenet_v2_tfjs_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
        for (int r : new int[]{128, 224}) {
            double[][] ours = ex.extract(new float[][]{NsfwjsInceptionTest.testImage(0, r), NsfwjsInceptionTest.testImage(1, r)}, r);
            for (int i = 0; i < 2; i++) {
                double maxRef = 0, maxDiff = 0;
                for (int j = 0; j < 1280; j++) {
                    double e = reference.get("features").get(Integer.toString(r)).get(i).get(j).asDouble();
                    maxRef = Math.max(maxRef, Math.abs(e));
                    maxDiff = Math.max(maxDiff, Math.abs(e - ours[i][j]));
                }
                System.out.printf("mobilenet r=%d image %d: max |ref| %.4f, max |diff| %.3g%n", r, i, maxRef, maxDiff);
                assertTrue(maxRef > 0.1, "reference features are degenerate");
                assertTrue(maxDiff < 1e-3 * maxRef, "r=" + r + " image " + i + ": max diff " + maxDiff + " vs max " + maxRef);
            }
        }
    }
}
