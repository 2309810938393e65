package org.umsynth.io.nifti;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The fields of a single-file NIfTI-1 header that umsynth reads or writes, in the file's own
 * units and storage order. {@link NiftiReader} decodes one; {@link NiftiWriter#writeStorage}
 * writes one as given, which lets tests build files in any storage order, byte order or scaling.
 *
 * <p>Affines here map storage indices (i, j, k, 1) to NIfTI world coordinates: RAS+, in the
 * file's spatial unit (normally mm), as 4x4 row-major {@code double[][]}.
 */
public final class NiftiHeader {
    /** sizeof_hdr of NIfTI-1. */
    public static final int HEADER_SIZE = 348;
    /** Header plus the 4-byte extension flag: the smallest vox_offset of a single-file NIfTI-1. */
    public static final int MIN_VOX_OFFSET = 352;
    static final int NIFTI2_HEADER_SIZE = 540;

    /** NIFTI_XFORM_SCANNER_ANAT. */
    public static final int XFORM_SCANNER_ANAT = 1;
    /** NIFTI_XFORM_ALIGNED_ANAT. */
    public static final int XFORM_ALIGNED_ANAT = 2;
    /** xyzt_units value for millimetres. */
    public static final int UNITS_MM = 2;

    private ByteOrder byteOrder = ByteOrder.LITTLE_ENDIAN;
    private final short[] dim = new short[8];
    private final float[] pixdim = new float[8];
    private short datatype;
    private short bitpix;
    private float voxOffset = MIN_VOX_OFFSET;
    private float sclSlope;
    private float sclInter;
    private byte xyztUnits = UNITS_MM;
    private float calMin;
    private float calMax;
    private String description = "";
    private short qformCode;
    private short sformCode;
    private final float[] quatern = new float[3];
    private final float[] qoffset = new float[3];
    private final float[][] srow = new float[3][4];
    private final byte[] magic = {'n', '+', '1', 0};

    NiftiHeader() {
    }

    /**
     * A header for a single-file NIfTI-1 image of the given storage dimensions (2 to 7 of them,
     * i fastest), unit pixdim, no transform (both codes 0), no scaling, little endian, data at 352.
     */
    public static NiftiHeader create(NiftiDataType type, int... dims) {
        if (dims.length < 2 || dims.length > 7) {
            throw new IllegalArgumentException("NIfTI-1 needs 2 to 7 dimensions, got " + dims.length);
        }
        NiftiHeader h = new NiftiHeader();
        h.dim[0] = (short) dims.length;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1 || dims[i] > Short.MAX_VALUE) {
                throw new IllegalArgumentException("dimension " + (i + 1) + " = " + dims[i] + " is outside 1.." + Short.MAX_VALUE);
            }
            h.dim[i + 1] = (short) dims[i];
        }
        for (int i = dims.length + 1; i < 8; i++) {
            h.dim[i] = 1;
        }
        Arrays.fill(h.pixdim, 1f);
        h.datatype(type);
        return h;
    }

    // ---- setters (fluent) ----

    public NiftiHeader byteOrder(ByteOrder order) {
        this.byteOrder = order;
        return this;
    }

    public NiftiHeader datatype(NiftiDataType type) {
        this.datatype = (short) type.code();
        this.bitpix = (short) type.bitpix();
        return this;
    }

    /** Stored value v means physical value {@code v * slope + inter}; slope 0 means no scaling. */
    public NiftiHeader scaling(double slope, double inter) {
        this.sclSlope = (float) slope;
        this.sclInter = (float) inter;
        return this;
    }

    public NiftiHeader pixdim(int index, double value) {
        pixdim[index] = (float) value;
        return this;
    }

    /** Byte offset of the voxel data; at least 352, the gap is written as zeros (no extensions). */
    public NiftiHeader voxOffset(long offset) {
        if (offset < MIN_VOX_OFFSET) {
            throw new IllegalArgumentException("vox_offset " + offset + " is inside the header");
        }
        this.voxOffset = offset;
        return this;
    }

    public NiftiHeader xyztUnits(int units) {
        this.xyztUnits = (byte) units;
        return this;
    }

    public NiftiHeader calibration(double min, double max) {
        this.calMin = (float) min;
        this.calMax = (float) max;
        return this;
    }

    /** The free-text descrip field: ASCII, at most 79 characters. */
    public NiftiHeader description(String text) {
        if (text.length() > 79 || !StandardCharsets.US_ASCII.newEncoder().canEncode(text)) {
            throw new IllegalArgumentException("descrip must be ASCII of at most 79 characters");
        }
        this.description = text;
        return this;
    }

    /** Sets both sform and qform (same code) to the affine, and pixdim[1..3] to its column norms. */
    public NiftiHeader affine(double[][] ras, int code) {
        return sform(ras, code).qform(ras, code);
    }

    /** Sets srow_x/y/z and sform_code, and pixdim[1..3] to the affine's column norms. */
    public NiftiHeader sform(double[][] ras, int code) {
        Affines.requireAffine(ras);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                srow[r][c] = (float) ras[r][c];
            }
        }
        sformCode = (short) code;
        double[] norms = Affines.columnNorms(ras);
        for (int c = 0; c < 3; c++) {
            pixdim[c + 1] = (float) norms[c];
        }
        return this;
    }

    /**
     * Sets the quaternion, qoffset, qfac (pixdim[0]), pixdim[1..3] and qform_code from the affine.
     * A qform holds only a rotation (plus one flip) times a diagonal: columns that are not
     * orthogonal are orthogonalised first, so only the sform can carry a shear.
     */
    public NiftiHeader qform(double[][] ras, int code) {
        Affines.requireAffine(ras);
        double[] q = Affines.toQuaternion(ras);
        quatern[0] = (float) q[0];
        quatern[1] = (float) q[1];
        quatern[2] = (float) q[2];
        pixdim[0] = (float) q[3];
        double[] norms = Affines.columnNorms(ras);
        for (int c = 0; c < 3; c++) {
            pixdim[c + 1] = (float) norms[c];
            qoffset[c] = (float) ras[c][3];
        }
        qformCode = (short) code;
        return this;
    }

    // ---- getters ----

    public ByteOrder byteOrder() { return byteOrder; }

    /** dim[0]: the number of dimensions. */
    public int rank() { return dim[0]; }

    /** dim[i] for i in 0..7, as stored. */
    public int dim(int i) { return dim[i]; }

    public double pixdim(int i) { return pixdim[i]; }

    public int datatypeCode() { return datatype; }

    public int bitpix() { return bitpix; }

    public double voxOffset() { return voxOffset; }

    public double sclSlope() { return sclSlope; }

    public double sclInter() { return sclInter; }

    public int xyztUnits() { return xyztUnits & 0xff; }

    public int qformCode() { return qformCode; }

    public int sformCode() { return sformCode; }

    /** The free-text descrip field. It may carry anything, so never log it or put it in messages. */
    public String description() { return description; }

    /** The sform as a 4x4 RAS affine (whatever sform_code says). */
    public double[][] sformAffine() {
        double[][] a = new double[4][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                a[r][c] = srow[r][c];
            }
        }
        a[3][3] = 1;
        return a;
    }

    /** Quaternion b, c, d as stored. */
    public double[] quaternion() {
        return new double[] {quatern[0], quatern[1], quatern[2]};
    }

    /**
     * The qform as a 4x4 RAS affine, with the given spacings (the caller decides how to treat
     * non-positive pixdim) and qfac from pixdim[0] (-1 if negative, else 1).
     */
    double[][] qformAffine(double dx, double dy, double dz) {
        double qfac = pixdim[0] < 0 ? -1 : 1;
        return Affines.fromQuaternion(quatern[0], quatern[1], quatern[2], qoffset[0], qoffset[1], qoffset[2], dx, dy, dz, qfac);
    }

    byte[] magic() { return magic.clone(); }

    // ---- binary form ----

    /** The 348 header bytes plus the 4 zero bytes of the extension flag. */
    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(MIN_VOX_OFFSET).order(byteOrder);
        b.putInt(0, HEADER_SIZE);
        b.put(38, (byte) 'r'); // "regular", as Analyze tools expect
        for (int i = 0; i < 8; i++) {
            b.putShort(40 + 2 * i, dim[i]);
            b.putFloat(76 + 4 * i, pixdim[i]);
        }
        b.putShort(70, datatype);
        b.putShort(72, bitpix);
        b.putFloat(108, voxOffset);
        b.putFloat(112, sclSlope);
        b.putFloat(116, sclInter);
        b.put(123, xyztUnits);
        b.putFloat(124, calMax);
        b.putFloat(128, calMin);
        byte[] text = description.getBytes(StandardCharsets.US_ASCII);
        b.put(148, text, 0, Math.min(text.length, 79));
        b.putShort(252, qformCode);
        b.putShort(254, sformCode);
        for (int i = 0; i < 3; i++) {
            b.putFloat(256 + 4 * i, quatern[i]);
            b.putFloat(268 + 4 * i, qoffset[i]);
            for (int c = 0; c < 4; c++) {
                b.putFloat(280 + 16 * i + 4 * c, srow[i][c]);
            }
        }
        b.put(344, magic, 0, 4);
        return b.array();
    }

    /** Decodes the 348 header bytes in the given byte order; no validation beyond the layout. */
    static NiftiHeader decode(byte[] bytes, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, HEADER_SIZE).order(order);
        NiftiHeader h = new NiftiHeader();
        h.byteOrder = order;
        for (int i = 0; i < 8; i++) {
            h.dim[i] = b.getShort(40 + 2 * i);
            h.pixdim[i] = b.getFloat(76 + 4 * i);
        }
        h.datatype = b.getShort(70);
        h.bitpix = b.getShort(72);
        h.voxOffset = b.getFloat(108);
        h.sclSlope = b.getFloat(112);
        h.sclInter = b.getFloat(116);
        h.xyztUnits = b.get(123);
        h.calMax = b.getFloat(124);
        h.calMin = b.getFloat(128);
        int len = 0;
        while (len < 80 && bytes[148 + len] != 0) {
            len++;
        }
        h.description = new String(bytes, 148, len, StandardCharsets.ISO_8859_1);
        h.qformCode = b.getShort(252);
        h.sformCode = b.getShort(254);
        for (int i = 0; i < 3; i++) {
            h.quatern[i] = b.getFloat(256 + 4 * i);
            h.qoffset[i] = b.getFloat(268 + 4 * i);
            for (int c = 0; c < 4; c++) {
                h.srow[i][c] = b.getFloat(280 + 16 * i + 4 * c);
            }
        }
        System.arraycopy(bytes, 344, h.magic, 0, 4);
        return h;
    }
}
