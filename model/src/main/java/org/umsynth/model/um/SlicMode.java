package org.umsynth.model.um;

import java.util.Locale;

/** Which SLIC the unsupervised mask uses. */
public enum SlicMode {
    /** scikit-image 0.19.3's labels bit for bit (double precision, all passes): the reference check. */
    EXACT,
    /**
     * {@link FastSlic}: the same algorithm in float32, with half-size middle passes for coarse seed
     * grids (step >= 32 px) and a convergence stop. On the bench slices and noisy phantoms: segment
     * count within 10% and boundary recall >= 0.9 both ways against scikit-image, about 2x faster
     * than exact at 512x512 (10-13x faster than scikit-image; bench/slic/README.md).
     */
    FAST;

    /** Lower-case name as used in configs and the params JSON. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
