package org.umsynth.io.nifti;

import java.util.Optional;

/** The NIfTI-1 voxel types umsynth reads and writes, with their header codes. */
public enum NiftiDataType {
    UINT8(2, 1, 0, 255),
    INT16(4, 2, Short.MIN_VALUE, Short.MAX_VALUE),
    INT32(8, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
    FLOAT32(16, 4, Double.NaN, Double.NaN),
    FLOAT64(64, 8, Double.NaN, Double.NaN),
    INT8(256, 1, Byte.MIN_VALUE, Byte.MAX_VALUE),
    UINT16(512, 2, 0, 65535),
    UINT32(768, 4, 0, 4294967295.0);

    private final int code;
    private final int bytes;
    private final double min;
    private final double max;

    NiftiDataType(int code, int bytes, double min, double max) {
        this.code = code;
        this.bytes = bytes;
        this.min = min;
        this.max = max;
    }

    /** The header's {@code datatype} code (NIFTI_TYPE_*). */
    public int code() { return code; }

    public int bytesPerVoxel() { return bytes; }

    public int bitpix() { return bytes * 8; }

    public boolean isInteger() { return this != FLOAT32 && this != FLOAT64; }

    /** Smallest storable value (integer types only; NaN for floating point). */
    public double minValue() { return min; }

    /** Largest storable value (integer types only; NaN for floating point). */
    public double maxValue() { return max; }

    public static Optional<NiftiDataType> fromCode(int code) {
        for (NiftiDataType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The standard's name for any datatype code, for error messages about unsupported types. */
    static String describeCode(int code) {
        return switch (code) {
            case 0 -> "UNKNOWN";
            case 1 -> "BINARY";
            case 2 -> "UINT8";
            case 4 -> "INT16";
            case 8 -> "INT32";
            case 16 -> "FLOAT32";
            case 32 -> "COMPLEX64";
            case 64 -> "FLOAT64";
            case 128 -> "RGB24";
            case 256 -> "INT8";
            case 512 -> "UINT16";
            case 768 -> "UINT32";
            case 1024 -> "INT64";
            case 1280 -> "UINT64";
            case 1536 -> "FLOAT128";
            case 1792 -> "COMPLEX128";
            case 2048 -> "COMPLEX256";
            case 2304 -> "RGBA32";
            default -> "not a NIfTI-1 type";
        };
    }
}
