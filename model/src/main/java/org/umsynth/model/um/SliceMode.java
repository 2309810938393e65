package org.umsynth.model.um;

/** Which slices of a case get a UM (SPEC 3.2). */
public enum SliceMode {
    /** The reference's 4 slices at {@code zmin + i * gap}, each its own UM at the working resolution. */
    FOUR,
    /** Every slice inside the trimmed lung extent. */
    ALL,
    /** The reference's 4 slices tiled 2x2 (512x512 each) into one 1024x1024 image and one UM. */
    MONTAGE
}
