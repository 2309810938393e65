package org.umsynth.io.nifti;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.function.IntToDoubleFunction;
import java.util.zip.GZIPOutputStream;
import org.umsynth.io.volume.Volume;

/**
 * Writes single-file NIfTI-1 images, plain or gzip-compressed. The caller's stream is flushed,
 * never closed.
 *
 * <p>{@link #write} stores a canonical {@link Volume} in its own order (i = x right to left,
 * j = y anterior to posterior, k = z inferior to superior: "LPS" storage) with sform and qform
 * both set to {@link #canonicalAffine}, so {@link NiftiReader} gives back the same grid and
 * voxels. Integer types round to nearest (ties to even) and refuse values they cannot hold
 * instead of wrapping; nothing is written when a value is refused.
 */
public final class NiftiWriter {
    private static final int BUFFER_BYTES = 1 << 16;

    private NiftiWriter() {
    }

    public static void write(Volume volume, NiftiDataType type, OutputStream out, boolean gzip) throws IOException {
        write(volume, type, out, gzip, "umsynth");
    }

    /**
     * Writes the volume with the given voxel type.
     *
     * @param description the header's descrip text (ASCII, at most 79 characters)
     * @throws IllegalArgumentException when a voxel does not fit the type (NaN, infinite, or out
     *                                  of range for an integer type) or a spacing is not positive
     *                                  and finite; nothing has been written then
     */
    public static void write(Volume volume, NiftiDataType type, OutputStream out, boolean gzip, String description)
            throws IOException {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(type, "type");
        for (double spacing : new double[] {volume.spacingX(), volume.spacingY(), volume.spacingZ()}) {
            if (!(spacing > 0) || Double.isInfinite(spacing)) {
                throw new IllegalArgumentException("spacing " + spacing + " mm cannot be written: it must be positive and finite");
            }
        }
        float[] voxels = volume.voxels();
        int cols = volume.cols();
        int rows = volume.rows();
        IntFunction<String> where = index -> "voxel (" + index % cols + ", " + (index / cols) % rows + ", "
                + index / (cols * rows) + ")";
        IntToDoubleFunction value = index -> voxels[index];
        double[] range = checkRepresentable(type, value, voxels.length, where);
        NiftiHeader header = NiftiHeader.create(type, cols, rows, volume.slices())
                .affine(canonicalAffine(volume), NiftiHeader.XFORM_SCANNER_ANAT)
                .scaling(1, 0)
                .xyztUnits(NiftiHeader.UNITS_MM)
                .description(description);
        if (range[0] <= range[1]) {
            header.calibration(range[0], range[1]);
        }
        emit(header, value, voxels.length, out, gzip);
    }

    /**
     * The voxel-to-RAS affine of a canonical volume stored in its own order: diag(-sx, -sy, sz)
     * with the first voxel at the origin (a Volume carries no position).
     */
    public static double[][] canonicalAffine(Volume volume) {
        return new double[][] {
                {-volume.spacingX(), 0, 0, 0},
                {0, -volume.spacingY(), 0, 0},
                {0, 0, volume.spacingZ(), 0},
                {0, 0, 0, 1}};
    }

    /**
     * Low-level writer: the header exactly as given, zeros up to its vox_offset, then the stored
     * (unscaled) values in storage order (i fastest, all volumes) in the header's datatype and
     * byte order. Meant for building test files in any orientation, byte order or scaling.
     *
     * @throws IllegalArgumentException when the value count does not match the header's
     *                                  dimensions or a value does not fit the datatype
     */
    public static void writeStorage(NiftiHeader header, double[] storedValues, OutputStream out, boolean gzip)
            throws IOException {
        long expected = 1;
        for (int i = 1; i <= header.rank(); i++) {
            expected *= header.dim(i);
        }
        if (expected != storedValues.length) {
            throw new IllegalArgumentException(storedValues.length + " values for a header of " + expected + " voxels");
        }
        NiftiDataType type = NiftiDataType.fromCode(header.datatypeCode()).orElseThrow(
                () -> new IllegalArgumentException("unsupported datatype " + header.datatypeCode()));
        IntToDoubleFunction value = index -> storedValues[index];
        checkRepresentable(type, value, storedValues.length, index -> "value " + index);
        emit(header, value, storedValues.length, out, gzip);
    }

    /** Checks every value fits the type; returns the finite min and max (min > max if none). */
    private static double[] checkRepresentable(NiftiDataType type, IntToDoubleFunction value, int count,
                                               IntFunction<String> where) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            double v = value.applyAsDouble(i);
            if (type.isInteger()) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(where.apply(i) + " is " + v + ", which " + type + " cannot store");
                }
                double r = Math.rint(v);
                if (r < type.minValue() || r > type.maxValue()) {
                    throw new IllegalArgumentException(where.apply(i) + " = " + v + " is outside the " + type + " range "
                            + (long) type.minValue() + ".." + (long) type.maxValue());
                }
            }
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return new double[] {min, max};
    }

    private static void emit(NiftiHeader header, IntToDoubleFunction value, int count, OutputStream out, boolean gzip)
            throws IOException {
        NiftiDataType type = NiftiDataType.fromCode(header.datatypeCode()).orElseThrow();
        OutputStream target = gzip ? new GZIPOutputStream(new NonClosing(out), BUFFER_BYTES) : out;
        try {
            target.write(header.encode());
            long gap = (long) header.voxOffset() - NiftiHeader.MIN_VOX_OFFSET;
            byte[] zeros = new byte[(int) Math.min(BUFFER_BYTES, Math.max(gap, 1))];
            while (gap > 0) {
                int n = (int) Math.min(zeros.length, gap);
                target.write(zeros, 0, n);
                gap -= n;
            }
            ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES).order(header.byteOrder());
            for (int i = 0; i < count; i++) {
                if (buf.remaining() < type.bytesPerVoxel()) {
                    target.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                double v = value.applyAsDouble(i);
                double r = Math.rint(v);
                switch (type) {
                    case UINT8, INT8 -> buf.put((byte) (long) r);
                    case INT16, UINT16 -> buf.putShort((short) (long) r);
                    case INT32, UINT32 -> buf.putInt((int) (long) r);
                    case FLOAT32 -> buf.putFloat((float) v);
                    case FLOAT64 -> buf.putDouble(v);
                }
            }
            target.write(buf.array(), 0, buf.position());
        } finally {
            if (gzip) {
                target.close(); // finishes the gzip member; NonClosing keeps the caller's stream open
            }
        }
        out.flush();
    }

    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
