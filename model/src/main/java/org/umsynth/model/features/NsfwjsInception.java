package org.umsynth.model.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The offline default extractor: the InceptionV3 of npm {@code nsfwjs@4.4.0}
 * ({@code dist/models/inception_v3}, MIT licence), a Keras InceptionV3 fine-tuned for image-content
 * classification and stored with uint8-quantised weights. It is NOT the ImageNet network of
 * published FID values: every output names it {@value #NAME} and flags it non-standard. Features:
 * global average pool of {@code mixed10}, d = 2048. The model cache is created by
 * {@code model/src/test/resources/features/fetch_nsfwjs_inception.sh}.
 */
public final class NsfwjsInception {
    public static final String NAME = "inception_v3_nsfwjs";
    public static final String DESCRIPTION =
            "InceptionV3 from npm nsfwjs@4.4.0 (not ImageNet; uint8-quantised; FID values are not comparable to published FID)";
    public static final String FOLDER = "nsfwjs-4.4.0-inception_v3";

    private NsfwjsInception() {}

    /** {@code $UMSYNTH_MODEL_CACHE} or {@code ~/.cache/umsynth/models}. */
    public static Path defaultCache() {
        String env = System.getenv("UMSYNTH_MODEL_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "umsynth", "models");
    }

    /** The model folder inside {@code cache}, or null when it has not been fetched. */
    public static Path locate(Path cache) {
        Path dir = cache.resolve(FOLDER);
        return Files.isRegularFile(dir.resolve("model.json")) ? dir : null;
    }

    public static GraphFeatureExtractor load(Path modelDir, int batchSize) throws IOException {
        InferenceNet net = TfjsLayersImporter.importInference(modelDir, "mixed10");
        return new GraphFeatureExtractor(net, NAME, DESCRIPTION, net.dimension(), false, batchSize);
    }
}
