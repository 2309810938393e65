package org.umsynth.model.um;

import java.util.Locale;

/** Which SLIC the unsupervised mask uses. */
public enum SlicMode {
    /** scikit-image 0.19.3's labels bit for bit (double precision, all passes): the reference check. */
    EXACT,
    /**
     * {@link FastSlic}: the same algorithm in float32, with half-size passes for coarse seed grids
     * (step >= 32 px) and a convergence stop. On the bench slices: segment count within 10% and
     * boundary recall >= 0.9 both ways against scikit-image, 2.3-2.6x faster than exact at 512x512
     * (11.5x or more faster than scikit-image)
     * (bench/slic/README.md, which also records where recall falls below 0.9: noisy phantoms at 512).
     */
    FAST;

    /** Lower-case name as used in configs and the params JSON. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
