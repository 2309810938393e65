package org.umsynth.model.features;

/**
 * A network that maps preprocessed grey images to one globally pooled feature vector each: one
 * "task" of MM-FID (SPEC section 5).
 *
 * <p>Input: {@code images[i]} is an r x r row-major grey image already on the metric's scale
 * ([-1, 1], see {@link FeatureInput}); the extractor repeats it to the channels its network expects.
 * Implementations must be deterministic, and the batch size they use internally must not change
 * the features. They need not be thread-safe: a caller uses one instance per thread.
 */
public interface FeatureExtractor {
    /** Stable identifier used in tables and JSON. */
    String name();

    /** Human-readable description; a non-standard extractor says so and why its FID is not comparable. */
    String description();

    /** Feature dimension d. */
    int dimension();

    /** True only for the ImageNet InceptionV3 of published FID numbers (user-supplied weights). */
    boolean standard();

    /** Features of {@code images.length} r x r images; returns {@code images.length} rows of d values. */
    double[][] extract(float[][] images, int resolution);
}
