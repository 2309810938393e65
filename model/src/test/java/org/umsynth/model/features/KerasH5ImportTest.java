package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The Keras HDF5 path: nsfwjs's InceptionV3 written as Keras 2 .h5 files (whole model, and weights
 * only + topology JSON) by tfjs_to_keras_h5.py, imported, and compared with the TensorFlow.js
 * reference features. Skips when the files are absent.
 */
class KerasH5ImportTest {
    static Path dir;
    static JsonNode reference;

    @BeforeAll
    static void locate() throws IOException {
        dir = NsfwjsInception.locate(NsfwjsInception.defaultCache());
        Assumptions.assumeTrue(dir != null && Files.isRegularFile(dir.resolve("model.h5")) && Files.isRegularFile(dir.resolve("weights.h5")),
                "Keras .h5 test files absent: run fetch_nsfwjs_inception.sh, then "
                        + "/usr/bin/python3 model/src/test/resources/features/tfjs_to_keras_h5.py <cache>/" + NsfwjsInception.FOLDER);
        try (InputStream in = KerasH5ImportTest.class.getResourceAsStream("/features/nsfwjs_inception_v3_tfjs_reference.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    private static void assertMatchesTfjs(TfjsLayersImporter.Imported imported) {
        assertEquals(2048, imported.dimension());
        GraphFeatureExtractor ex = new GraphFeatureExtractor(imported.graph(), "h5", "test", 2048, false, 2);
        int r = 128;
        double[][] ours = ex.extract(new float[][]{NsfwjsInceptionTest.testImage(0, r), NsfwjsInceptionTest.testImage(1, r)}, r);
        for (int i = 0; i < 2; i++) {
            double maxRef = 0, maxDiff = 0;
            for (int j = 0; j < 2048; j++) {
                double e = reference.get("features").get("128").get(i).get(j).asDouble();
                maxRef = Math.max(maxRef, Math.abs(e));
                maxDiff = Math.max(maxDiff, Math.abs(e - ours[i][j]));
            }
            assertTrue(maxDiff < 1e-3 * maxRef, "image " + i + ": max diff " + maxDiff + " vs " + maxRef);
        }
    }

    @Test
    void wholeModelFile() throws IOException {
        assertMatchesTfjs(TfjsLayersImporter.importKerasH5(dir.resolve("model.h5"), null, "mixed10"));
    }

    @Test
    void extractorSpecsRunTheInferenceNet() throws IOException {
        FeatureExtractor keras = Extractors.load("keras:" + dir.resolve("weights.h5") + "+" + dir.resolve("model.json"), null, 2);
        FeatureExtractor tfjs = Extractors.load("tfjs:" + dir, null, 2);
        assertEquals("keras_weights", keras.name());
        assertEquals("tfjs_" + dir.getFileName(), tfjs.name());
        for (FeatureExtractor ex : new FeatureExtractor[]{keras, tfjs}) {
            assertTrue(((GraphFeatureExtractor) ex).net() != null, ex.name() + " should run the InferenceNet");
            assertEquals(2048, ex.dimension());
            int r = 128;
            double[][] ours = ex.extract(new float[][]{NsfwjsInceptionTest.testImage(0, r), NsfwjsInceptionTest.testImage(1, r)}, r);
            for (int i = 0; i < 2; i++) {
                double maxRef = 0, maxDiff = 0;
                for (int j = 0; j < 2048; j++) {
                    double e = reference.get("features").get("128").get(i).get(j).asDouble();
                    maxRef = Math.max(maxRef, Math.abs(e));
                    maxDiff = Math.max(maxDiff, Math.abs(e - ours[i][j]));
                }
                assertTrue(maxDiff < 1e-5 * maxRef, ex.name() + " image " + i + ": max diff " + maxDiff + " vs " + maxRef);
            }
        }
    }

    @Test
    void weightsOnlyFileNeedsTheTopology() throws IOException {
        assertMatchesTfjs(TfjsLayersImporter.importKerasH5(dir.resolve("weights.h5"), dir.resolve("model.json"), "mixed10"));
        IOException e = assertThrows(IOException.class, () -> TfjsLayersImporter.importKerasH5(dir.resolve("weights.h5"), null, "mixed10"));
        assertTrue(e.getMessage().contains("weights only"), e.getMessage());
    }
}
