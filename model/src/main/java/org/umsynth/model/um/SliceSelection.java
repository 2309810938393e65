package org.umsynth.model.um;

import org.umsynth.io.volume.Volume;

import java.util.Arrays;

/**
 * Which slices of a case get a UM (SPEC 3.2), with the reference's arithmetic
 * (SemiCS2 {@code select_slices}): the lung z-extent {@code [zmin, zmax]} (first and last slice
 * with lung), trimmed to {@code int(zmin + (zmax - zmin) * 0.10)} and
 * {@code int(zmax - (zmax - zmin) * 0.10)} (both from the untrimmed values), then 4 slices
 * {@code zmin + i * gap}, {@code gap = (zmax - zmin) // 4}. The lung is label != 0 when a label
 * volume is given (the reference thresholds its lung file at != 0, so lesion voxels count as
 * lung), else {@link LungMask}. z is the canonical volume index (feet to head).
 *
 * @param indices      chosen slice indices (ascending, possibly repeated when the extent is tiny);
 *                     empty when unusable
 * @param zMin         trimmed extent start (-1 when no lung)
 * @param zMax         trimmed extent end (-1 when no lung)
 * @param lungSource   "label" or "hu-threshold"
 * @param unusableReason null when usable, else why (for the quarantine table)
 */
public record SliceSelection(int[] indices, int zMin, int zMax, String lungSource, String unusableReason) {

    public boolean usable() { return unusableReason == null; }

    /** Selects slices; {@code label} may be null (unlabelled case). */
    public static SliceSelection select(Volume hu, Volume label, SliceMode mode) {
        boolean[] hasLung;
        String source;
        if (label != null) {
            if (!label.sameGrid(hu)) {
                throw new IllegalArgumentException("label grid " + label + " differs from image grid " + hu);
            }
            hasLung = new boolean[label.slices()];
            float[] v = label.voxels();
            int n = label.sliceSize();
            for (int z = 0; z < label.slices(); z++) {
                for (int i = z * n, end = i + n; i < end; i++) {
                    if (v[i] != 0f) { hasLung[z] = true; break; }
                }
            }
            source = "label";
        } else {
            hasLung = LungMask.slicesWithLung(hu);
            source = "hu-threshold";
        }
        return fromExtent(hasLung, mode, source);
    }

    /** The arithmetic alone, from per-slice lung presence. */
    public static SliceSelection fromExtent(boolean[] hasLung, SliceMode mode, String source) {
        int first = -1, last = -1;
        for (int z = 0; z < hasLung.length; z++) {
            if (hasLung[z]) {
                if (first < 0) first = z;
                last = z;
            }
        }
        if (first < 0) {
            return new SliceSelection(new int[0], -1, -1, source, "no lung found (" + source + ")");
        }
        int zMin = (int) (first + (last - first) * 0.10);
        int zMax = (int) (last - (last - first) * 0.10);
        int[] indices;
        if (mode == SliceMode.ALL) {
            indices = new int[zMax - zMin + 1];
            for (int i = 0; i < indices.length; i++) indices[i] = zMin + i;
        } else {
            int gap = Math.floorDiv(zMax - zMin, 4);
            indices = new int[4];
            for (int i = 0; i < 4; i++) indices[i] = zMin + i * gap;
        }
        return new SliceSelection(indices, zMin, zMax, source, null);
    }

    @Override
    public String toString() {
        return usable() ? "SliceSelection" + Arrays.toString(indices) + " extent [" + zMin + ", " + zMax + "] from " + lungSource
                : "SliceSelection(unusable: " + unusableReason + ")";
    }
}
