package org.umsynth.io.nifti;

import java.util.List;
import java.util.Objects;
import org.umsynth.io.volume.Volume;

/**
 * A NIfTI-1 image read into umsynth's canonical volume.
 *
 * @param volume           the voxels in canonical LPS axial layout, scaling applied
 * @param storedType       the voxel type in the file
 * @param storageAxisCodes where the file's storage axes i, j, k pointed, nibabel-style
 *                         (e.g. "RAS", "LPS", "PSR"), before reordering
 * @param affineSource     which header transform gave the orientation
 * @param description      the header's free-text descrip field; may hold anything, so never
 *                         log it or copy it into outputs that must be de-identified
 * @param warnings         problems that did not stop the read (4-D input, oblique axes, ...);
 *                         technical text only, no header free text
 */
public record NiftiVolume(Volume volume, NiftiDataType storedType, String storageAxisCodes,
                          AffineSource affineSource, String description, List<String> warnings) {

    /** Which of the header's transforms the orientation came from. */
    public enum AffineSource {
        /** srow_x/y/z (sform_code > 0). */
        SFORM,
        /** The quaternion (qform_code > 0, sform_code 0 or unusable). */
        QFORM,
        /** Neither: the Analyze-style diag(pixdim), orientation unknown (a warning says so). */
        PIXDIM_FALLBACK
    }

    public NiftiVolume {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(storedType, "storedType");
        Objects.requireNonNull(storageAxisCodes, "storageAxisCodes");
        Objects.requireNonNull(affineSource, "affineSource");
        Objects.requireNonNull(description, "description");
        warnings = List.copyOf(warnings);
    }
}
