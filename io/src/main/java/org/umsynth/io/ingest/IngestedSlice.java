package org.umsynth.io.ingest;

import java.io.Serializable;

/**
 * One axial slice of an ingested volume: a row of the {@code slices} table (SPEC section 2).
 * {@code hu} is int16 little-endian, row-major {@code rows x cols}; {@code label} is uint8 of the
 * same grid, or null when the case has no manual segmentation.
 */
public record IngestedSlice(
        String caseId,
        int sliceIndex,
        int rows,
        int cols,
        double spacingX,
        double spacingY,
        double spacingZ,
        byte[] hu,
        byte[] label,
        String source,
        String sourceSha256,
        String split) implements Serializable {
}
