package org.umsynth.model.um;

import java.util.Locale;

/** Which SLIC the unsupervised mask uses. */
public enum SlicMode {
    /** scikit-image 0.19.3's labels bit for bit (double precision, all passes): the reference check. */
    EXACT,
    /**
     * Same seeds, distance, window and connectivity enforcement, in float32 and stopping once a pass
     * changes fewer than {@link FastSlic#CONVERGED_FRACTION} of the pixels; agrees with scikit-image
     * within the fidelity targets (bench/slic/README.md), several times faster.
     */
    FAST;

    /** Lower-case name as used in configs and the params JSON. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
