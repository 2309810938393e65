package org.umsynth.model.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second offline "task" network: the MobileNetV2 of npm {@code nsfwjs@4.4.0}
 * ({@code dist/models/mobilenet_v2}, MIT licence; fine-tuned for image-content classification,
 * uint8-quantised). Not an ImageNet FID network: named {@value #NAME} and flagged non-standard.
 * Features: global average pool of {@code out_relu}, d = 1280. Fetched into the model cache by
 * {@code model/src/test/resources/features/fetch_nsfwjs_inception.sh}.
 */
public final class NsfwjsMobileNetV2 {
    public static final String NAME = "mobilenet_v2_nsfwjs";
    public static final String DESCRIPTION =
            "MobileNetV2 from npm nsfwjs@4.4.0 (not ImageNet; uint8-quantised; FID values are not comparable to published FID)";
    public static final String FOLDER = "nsfwjs-4.4.0-mobilenet_v2";
    public static final String FEATURE_LAYER = "out_relu";

    private NsfwjsMobileNetV2() {}

    /** The model folder inside {@code cache}, or null when it has not been fetched. */
    public static Path locate(Path cache) {
        Path dir = cache.resolve(FOLDER);
        return Files.isRegularFile(dir.resolve("model.json")) ? dir : null;
    }

    public static GraphFeatureExtractor load(Path modelDir, int batchSize) throws IOException {
        InferenceNet net = TfjsLayersImporter.importInference(modelDir, FEATURE_LAYER);
        return new GraphFeatureExtractor(net, NAME, DESCRIPTION, net.dimension(), false, batchSize);
    }
}
