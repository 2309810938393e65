package org.umsynth.io.dicom;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * One parsed CT image file: only allowlisted technical attributes and the pixels in Hounsfield
 * units. No patient, study or institution value is ever stored here; the SeriesInstanceUID is
 * kept only as an opaque SHA-256 key.
 *
 * <p>{@link #hu()} is in file storage order: frame after frame, each rows x cols row-major (row 0
 * first, column 0 first), as in the file. Reorientation to the canonical layout happens when a
 * series is assembled ({@link DicomSeriesReader}).
 */
public final class DicomFile {
    private final String source;
    private final String seriesKey;
    private final String sopClassUid;
    private final TransferSyntax transferSyntax;
    private final int rows;
    private final int cols;
    private final int frames;
    private final double[] imagePosition;
    private final double[] imageOrientation;
    private final double[] pixelSpacing;
    private final Double sliceThickness;
    private final Double spacingBetweenSlices;
    private final Integer instanceNumber;
    private final double rescaleSlope;
    private final double rescaleIntercept;
    private final int paddingVoxels;
    private final float[] hu;
    private final List<String> warnings;

    DicomFile(String source, String seriesKey, String sopClassUid, TransferSyntax transferSyntax,
              int rows, int cols, int frames, double[] imagePosition, double[] imageOrientation,
              double[] pixelSpacing, Double sliceThickness, Double spacingBetweenSlices, Integer instanceNumber,
              double rescaleSlope, double rescaleIntercept, int paddingVoxels, float[] hu, List<String> warnings) {
        this.source = source;
        this.seriesKey = seriesKey;
        this.sopClassUid = sopClassUid;
        this.transferSyntax = transferSyntax;
        this.rows = rows;
        this.cols = cols;
        this.frames = frames;
        this.imagePosition = imagePosition;
        this.imageOrientation = imageOrientation;
        this.pixelSpacing = pixelSpacing;
        this.sliceThickness = sliceThickness;
        this.spacingBetweenSlices = spacingBetweenSlices;
        this.instanceNumber = instanceNumber;
        this.rescaleSlope = rescaleSlope;
        this.rescaleIntercept = rescaleIntercept;
        this.paddingVoxels = paddingVoxels;
        this.hu = hu;
        this.warnings = List.copyOf(warnings);
    }

    public String source() { return source; }

    /** SHA-256 (hex) of the SeriesInstanceUID; empty when the file has none. */
    public Optional<String> seriesKey() { return Optional.ofNullable(seriesKey); }

    /** SOP Class UID (a standard, non-identifying UID such as CT Image Storage); empty when absent. */
    public Optional<String> sopClassUid() { return Optional.ofNullable(sopClassUid); }

    public TransferSyntax transferSyntax() { return transferSyntax; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public int frames() { return frames; }

    /** ImagePositionPatient (x, y, z of the first voxel, mm, LPS); empty when absent. */
    public Optional<double[]> imagePosition() { return Optional.ofNullable(imagePosition).map(double[]::clone); }

    /** ImageOrientationPatient normalised (row cosines, then column cosines); empty when absent. */
    public Optional<double[]> imageOrientation() { return Optional.ofNullable(imageOrientation).map(double[]::clone); }

    /** PixelSpacing as in DICOM: {row spacing (between rows, i.e. along y), column spacing}; empty when absent. */
    public Optional<double[]> pixelSpacing() { return Optional.ofNullable(pixelSpacing).map(double[]::clone); }

    public OptionalDouble sliceThickness() { return optional(sliceThickness); }
    public OptionalDouble spacingBetweenSlices() { return optional(spacingBetweenSlices); }
    public OptionalInt instanceNumber() { return instanceNumber == null ? OptionalInt.empty() : OptionalInt.of(instanceNumber); }

    /** The slope applied (1 when the file has none: see {@link #warnings()}). */
    public double rescaleSlope() { return rescaleSlope; }
    /** The intercept applied (0 when the file has none: see {@link #warnings()}). */
    public double rescaleIntercept() { return rescaleIntercept; }

    /** How many voxels matched PixelPaddingValue and were set to the file's lowest real HU. */
    public int paddingVoxels() { return paddingVoxels; }

    /** Hounsfield units in storage order (frames x rows x cols); the backing array, not a copy. */
    public float[] hu() { return hu; }

    /** Fallbacks taken while reading this file (technical, no patient data). */
    public List<String> warnings() { return warnings; }

    private static OptionalDouble optional(Double value) {
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(value);
    }

    @Override
    public String toString() {
        return "DicomFile[" + source + ", " + cols + "x" + rows + "x" + frames + ", " + transferSyntax + "]";
    }
}
