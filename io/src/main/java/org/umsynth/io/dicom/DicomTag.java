package org.umsynth.io.dicom;

import java.util.HashMap;
import java.util.Map;

/**
 * The allowlist: the only data elements whose values the parser ever reads. Everything else
 * (patient, study, institution, device, free text) is skipped by length without being decoded,
 * which is how de-identification is guaranteed by construction. Also the implicit-VR dictionary:
 * each tag's value kind fixes how its bytes are interpreted whatever the file claims.
 */
enum DicomTag {
    SOP_CLASS_UID(0x0008_0016, "SOPClassUID", Kind.TEXT),
    MODALITY(0x0008_0060, "Modality", Kind.TEXT),
    SLICE_THICKNESS(0x0018_0050, "SliceThickness", Kind.DECIMALS),
    SPACING_BETWEEN_SLICES(0x0018_0088, "SpacingBetweenSlices", Kind.DECIMALS),
    /** Read only to be hashed at once; the UID itself is never kept. */
    SERIES_INSTANCE_UID(0x0020_000E, "SeriesInstanceUID", Kind.HASHED_TEXT),
    INSTANCE_NUMBER(0x0020_0013, "InstanceNumber", Kind.INTEGER_STRING),
    IMAGE_POSITION_PATIENT(0x0020_0032, "ImagePositionPatient", Kind.DECIMALS),
    IMAGE_ORIENTATION_PATIENT(0x0020_0037, "ImageOrientationPatient", Kind.DECIMALS),
    SAMPLES_PER_PIXEL(0x0028_0002, "SamplesPerPixel", Kind.UINT16),
    PHOTOMETRIC_INTERPRETATION(0x0028_0004, "PhotometricInterpretation", Kind.TEXT),
    NUMBER_OF_FRAMES(0x0028_0008, "NumberOfFrames", Kind.INTEGER_STRING),
    ROWS(0x0028_0010, "Rows", Kind.UINT16),
    COLUMNS(0x0028_0011, "Columns", Kind.UINT16),
    PIXEL_SPACING(0x0028_0030, "PixelSpacing", Kind.DECIMALS),
    BITS_ALLOCATED(0x0028_0100, "BitsAllocated", Kind.UINT16),
    BITS_STORED(0x0028_0101, "BitsStored", Kind.UINT16),
    HIGH_BIT(0x0028_0102, "HighBit", Kind.UINT16),
    PIXEL_REPRESENTATION(0x0028_0103, "PixelRepresentation", Kind.UINT16),
    /** US or SS depending on PixelRepresentation: kept as the raw 16 bits. */
    PIXEL_PADDING_VALUE(0x0028_0120, "PixelPaddingValue", Kind.UINT16),
    PIXEL_PADDING_RANGE_LIMIT(0x0028_0121, "PixelPaddingRangeLimit", Kind.UINT16),
    RESCALE_INTERCEPT(0x0028_1052, "RescaleIntercept", Kind.DECIMALS),
    RESCALE_SLOPE(0x0028_1053, "RescaleSlope", Kind.DECIMALS),
    PIXEL_DATA(0x7FE0_0010, "PixelData", Kind.PIXELS);

    enum Kind { TEXT, HASHED_TEXT, DECIMALS, INTEGER_STRING, UINT16, PIXELS }

    static final int ITEM = 0xFFFE_E000;
    static final int ITEM_DELIMITATION = 0xFFFE_E00D;
    static final int SEQUENCE_DELIMITATION = 0xFFFE_E0DD;
    static final int TRANSFER_SYNTAX_UID = 0x0002_0010;

    private static final Map<Integer, DicomTag> BY_TAG = new HashMap<>();
    static {
        for (DicomTag tag : values()) {
            BY_TAG.put(tag.tag, tag);
        }
    }

    final int tag;
    final String keyword;
    final Kind kind;

    DicomTag(int tag, String keyword, Kind kind) {
        this.tag = tag;
        this.keyword = keyword;
        this.kind = kind;
    }

    static DicomTag forTag(int tag) { return BY_TAG.get(tag); }

    /** "Rows (0028,0010)": how a tag is named in reasons and warnings. */
    String label() { return keyword + " " + format(tag); }

    static String format(int tag) {
        return String.format("(%04X,%04X)", tag >>> 16, tag & 0xFFFF);
    }
}
