package org.umsynth.model.um;

import java.util.Locale;

/**
 * Parameters of the unsupervised mask.
 *
 * @param resolution     working size: each slice is resized to {@code resolution x resolution}
 *                       (anti-aliased float resize) before SLIC; in {@link SliceMode#MONTAGE} the
 *                       montage side (1024 in the reference)
 * @param nSegments      SLIC {@code n_segments} per image: kept per slice whatever the resolution,
 *                       so a downsampled slice keeps the anatomical granularity (128 per slice is
 *                       the reference's 512 per 2x2 montage)
 * @param compactness    SLIC compactness in scikit-image units (L* in [0, 100]); identical meaning
 *                       to {@code skimage.segmentation.slic(compactness=...)} on the uint8 grey
 *                       copied to 3 channels
 * @param maxIterations  SLIC {@code max_num_iter}
 * @param quantStep      {@code tr}: the UM is {@code floor(mean / tr) * tr}
 * @param minSizeFactor  connectivity enforcement: smaller segments merge into a neighbour
 * @param maxSizeFactor  connectivity enforcement: larger connected pieces are split
 * @param mode           slice selection mode
 * @param uint8Input     true: truncate the windowed slice to uint8 before SLIC and mean fill,
 *                       exactly as the reference does; false: stay in float (default)
 * @param slicMode       {@link SlicMode#EXACT}: scikit-image's labels bit for bit;
 *                       {@link SlicMode#FAST} (default): within the fidelity targets of
 *                       scikit-image on the bench slices and noisy phantoms (segment count within 10%, boundary recall
 *                       >= 0.9 both ways; identical labels on the default 256 path), about 2x faster
 *                       than exact at 512 (bench/slic/README.md)
 */
public record UmParams(int resolution, int nSegments, double compactness, int maxIterations, int quantStep,
                       double minSizeFactor, double maxSizeFactor, SliceMode mode, boolean uint8Input,
                       SlicMode slicMode)
        implements java.io.Serializable {

    /** The SLIC mode when none is given: fast, chosen by the bench (bench/slic/README.md). */
    public static final SlicMode DEFAULT_SLIC_MODE = SlicMode.FAST;

    /** Parameters with the {@link #DEFAULT_SLIC_MODE}. */
    public UmParams(int resolution, int nSegments, double compactness, int maxIterations, int quantStep,
                    double minSizeFactor, double maxSizeFactor, SliceMode mode, boolean uint8Input) {
        this(resolution, nSegments, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, uint8Input,
                DEFAULT_SLIC_MODE);
    }

    public UmParams {
        if (resolution < 8) throw new IllegalArgumentException("resolution must be >= 8: " + resolution);
        if (nSegments < 1) throw new IllegalArgumentException("nSegments must be >= 1: " + nSegments);
        if (!(compactness > 0) || Double.isInfinite(compactness)) throw new IllegalArgumentException("compactness must be > 0: " + compactness);
        if (maxIterations < 1) throw new IllegalArgumentException("maxIterations must be >= 1: " + maxIterations);
        if (quantStep < 1 || quantStep > 255) throw new IllegalArgumentException("quantStep must be in [1, 255]: " + quantStep);
        if (!(minSizeFactor >= 0) || !(maxSizeFactor > minSizeFactor)) {
            throw new IllegalArgumentException("need 0 <= minSizeFactor < maxSizeFactor: " + minSizeFactor + ", " + maxSizeFactor);
        }
        if (mode == null) throw new IllegalArgumentException("mode is null");
        if (slicMode == null) throw new IllegalArgumentException("slicMode is null");
        if (mode == SliceMode.MONTAGE && resolution % 2 != 0) throw new IllegalArgumentException("montage resolution must be even: " + resolution);
    }

    /** The reference recipe per single slice at the default working resolution 256, fast SLIC. */
    public static UmParams reference() {
        return new UmParams(256, 128, 10.0, 10, 10, 0.5, 3.0, SliceMode.FOUR, false, DEFAULT_SLIC_MODE);
    }

    /** The reference exactly: 2x2 montage of 512x512 slices, 1024x1024, 512 segments, uint8 input, exact SLIC. */
    public static UmParams referenceMontage() {
        return new UmParams(1024, 512, 10.0, 10, 10, 0.5, 3.0, SliceMode.MONTAGE, true, SlicMode.EXACT);
    }

    public UmParams withResolution(int r) { return new UmParams(r, nSegments, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, uint8Input, slicMode); }
    public UmParams withNSegments(int n) { return new UmParams(resolution, n, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, uint8Input, slicMode); }
    public UmParams withCompactness(double c) { return new UmParams(resolution, nSegments, c, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, uint8Input, slicMode); }
    public UmParams withQuantStep(int tr) { return new UmParams(resolution, nSegments, compactness, maxIterations, tr, minSizeFactor, maxSizeFactor, mode, uint8Input, slicMode); }
    public UmParams withMode(SliceMode m) { return new UmParams(resolution, nSegments, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, m, uint8Input, slicMode); }
    public UmParams withUint8Input(boolean u) { return new UmParams(resolution, nSegments, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, u, slicMode); }
    public UmParams withSlicMode(SlicMode s) { return new UmParams(resolution, nSegments, compactness, maxIterations, quantStep, minSizeFactor, maxSizeFactor, mode, uint8Input, s); }

    /** Compact JSON for the {@code masks.params} column; stable key order, '.' decimals. */
    public String describe() {
        return String.format(Locale.ROOT,
                "{\"algo\":\"slic-skimage0.19\",\"resolution\":%d,\"n_segments\":%d,\"compactness\":%s,\"max_iter\":%d,"
                        + "\"tr\":%d,\"min_size_factor\":%s,\"max_size_factor\":%s,\"mode\":\"%s\",\"input\":\"%s\","
                        + "\"window\":[-1500,100],\"slic_mode\":\"%s\"}",
                resolution, nSegments, num(compactness), maxIterations, quantStep, num(minSizeFactor), num(maxSizeFactor),
                mode.name().toLowerCase(Locale.ROOT), uint8Input ? "uint8" : "float", slicMode.key());
    }

    /**
     * Reads {@link #describe()}'s JSON back (the masks table's {@code params} column). Masks written before the
     * SLIC mode was recorded used the exact (scikit-image) SLIC.
     */
    public static UmParams fromDescription(String json) throws java.io.IOException {
        org.nd4j.shade.jackson.databind.JsonNode n = new org.nd4j.shade.jackson.databind.ObjectMapper().readTree(json);
        org.nd4j.shade.jackson.databind.JsonNode slic = n.get("slic_mode");
        return new UmParams(n.get("resolution").asInt(), n.get("n_segments").asInt(), n.get("compactness").asDouble(),
                n.get("max_iter").asInt(), n.get("tr").asInt(), n.get("min_size_factor").asDouble(),
                n.get("max_size_factor").asDouble(), SliceMode.valueOf(n.get("mode").asText().toUpperCase(Locale.ROOT)),
                "uint8".equals(n.get("input").asText()),
                slic == null ? SlicMode.EXACT : SlicMode.valueOf(slic.asText().toUpperCase(Locale.ROOT)));
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    @Override
    public String toString() { return describe(); }
}
