package org.umsynth.model.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Extractors by specification string, cached per thread (a DL4J graph is not thread-safe, and
 * loading InceptionV3 takes seconds: once per executor thread, not per task):
 * {@code inception_v3_nsfwjs} (the offline default, from the model cache), {@code mobilenet_v2_nsfwjs}
 * (a second offline task network),
 * {@code random_conv_test}, or {@code tfjs:DIR} (any TF.js layers InceptionV3-family model in a
 * local folder, named {@code tfjs_<folder>}; {@code tfjs-standard:DIR} marks user-supplied ImageNet
 * FID weights as standard), {@code keras:FILE.h5} or {@code keras:WEIGHTS.h5+TOPOLOGY.json} (Keras
 * HDF5, named {@code keras_<file>}; {@code keras-standard:} likewise), {@code segmenter:PATH} (the encoder of a
 * segmentation U-Net trained by the utility stage, {@link SegmenterFeatures}), {@code discriminator:PATH} (the
 * GAN discriminator of a um-conditioned train run, {@code ROOT/models/RUN} or one of its checkpoints, named
 * {@code discriminator_<run>}, {@link DiscriminatorFeatures}; {@code discriminator-native:PATH} judges at the metric's
 * resolution instead of D's training resolution).
 */
public final class Extractors {
    private static final ThreadLocal<Map<String, FeatureExtractor>> CACHE = ThreadLocal.withInitial(HashMap::new);

    private Extractors() {}

    public static FeatureExtractor get(String spec, String modelCache, int batchSize) {
        String key = spec + "|" + modelCache + "|" + batchSize;
        return CACHE.get().computeIfAbsent(key, k -> {
            try {
                return load(spec, modelCache, batchSize);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public static FeatureExtractor load(String spec, String modelCache, int batchSize) throws IOException {
        if (spec.equals(RandomConvFeatures.NAME)) {
            return new RandomConvFeatures();
        }
        if (spec.equals(NsfwjsInception.NAME)) {
            Path cache = modelCache == null || modelCache.isBlank() ? NsfwjsInception.defaultCache() : Path.of(modelCache);
            Path dir = NsfwjsInception.locate(cache);
            if (dir == null) {
                throw new IOException("extractor " + spec + " is not in the model cache " + cache
                        + ": run model/src/test/resources/features/fetch_nsfwjs_inception.sh " + cache);
            }
            return NsfwjsInception.load(dir, batchSize);
        }
        if (spec.equals(NsfwjsMobileNetV2.NAME)) {
            Path cache = modelCache == null || modelCache.isBlank() ? NsfwjsInception.defaultCache() : Path.of(modelCache);
            Path dir = NsfwjsMobileNetV2.locate(cache);
            if (dir == null) {
                throw new IOException("extractor " + spec + " is not in the model cache " + cache
                        + ": run model/src/test/resources/features/fetch_nsfwjs_inception.sh " + cache);
            }
            return NsfwjsMobileNetV2.load(dir, batchSize);
        }
        boolean standard = spec.startsWith("tfjs-standard:");
        if (standard || spec.startsWith("tfjs:")) {
            Path dir = Path.of(spec.substring(spec.indexOf(':') + 1));
            InferenceNet imported = TfjsLayersImporter.importInference(dir, "mixed10");
            String name = "tfjs_" + dir.getFileName();
            String description = standard ? "user-supplied InceptionV3 (declared the standard FID weights) from " + dir
                    : "user-supplied TF.js InceptionV3 from " + dir + " (not declared standard)";
            return new GraphFeatureExtractor(imported, name, description, imported.dimension(), standard, batchSize);
        }
        boolean kerasStandard = spec.startsWith("keras-standard:");
        if (kerasStandard || spec.startsWith("keras:")) {
            String[] parts = spec.substring(spec.indexOf(':') + 1).split("\\+", 2);
            Path h5 = Path.of(parts[0]);
            Path topology = parts.length > 1 ? Path.of(parts[1]) : null;
            InferenceNet imported = TfjsLayersImporter.importKerasH5Inference(h5, topology, "mixed10");
            String file = h5.getFileName().toString().replaceFirst("\\.h5$", "");
            String description = kerasStandard ? "user-supplied Keras InceptionV3 (declared the standard FID weights) from " + h5
                    : "user-supplied Keras InceptionV3 from " + h5 + " (not declared standard)";
            return new GraphFeatureExtractor(imported, "keras_" + file, description, imported.dimension(), kerasStandard, batchSize);
        }
        if (spec.startsWith(SegmenterFeatures.PREFIX)) {
            return SegmenterFeatures.load(spec.substring(SegmenterFeatures.PREFIX.length()), batchSize);
        }
        if (spec.startsWith(DiscriminatorFeatures.PREFIX)) {
            return DiscriminatorFeatures.load(spec.substring(DiscriminatorFeatures.PREFIX.length()), batchSize, false);
        }
        if (spec.startsWith(DiscriminatorFeatures.NATIVE_PREFIX)) {
            return DiscriminatorFeatures.load(spec.substring(DiscriminatorFeatures.NATIVE_PREFIX.length()), batchSize, true);
        }
        throw new IllegalArgumentException("unknown extractor '" + spec + "': use " + NsfwjsInception.NAME + ", " + NsfwjsMobileNetV2.NAME + ", "
                + RandomConvFeatures.NAME + ", tfjs:DIR, tfjs-standard:DIR, keras:FILE.h5[+TOPOLOGY.json], keras-standard:..., segmenter:MODEL.zip or discriminator:ROOT/models/RUN");
    }
}
