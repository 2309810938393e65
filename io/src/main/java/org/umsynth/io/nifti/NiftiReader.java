package org.umsynth.io.nifti;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.InvalidInputException;
import org.umsynth.io.volume.Volume;

/**
 * Reads single-file NIfTI-1 images ({@code .nii}, or gzip-compressed {@code .nii.gz}, told apart
 * by content) into umsynth's canonical LPS axial {@link Volume}.
 *
 * <p>Orientation comes from the sform when sform_code > 0, else the qform when qform_code > 0,
 * else diag(pixdim) (with a warning). The storage axes are mapped to the nearest canonical axes
 * and the voxels reordered while they are decoded; oblique images are not resampled (warning).
 * Spacing along each canonical axis is the norm of the matching affine column, in mm.
 *
 * <p>Memory: one float per voxel of the first volume plus fixed buffers; the data are decoded
 * straight from the (decompressing) stream. Dimensions are checked against a voxel limit
 * before anything is allocated.
 *
 * <p>Every unusable input raises {@link InvalidInputException} naming the problem; I/O failures
 * of the underlying stream propagate as plain {@link IOException}.
 */
public final class NiftiReader {
    /** Default voxel limit per volume: 2^28 voxels (1 GiB of floats). */
    public static final long DEFAULT_MAX_VOXELS = 1L << 28;

    private static final Logger LOG = LoggerFactory.getLogger(NiftiReader.class);
    private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;
    private static final int BUFFER_BYTES = 1 << 16;

    private NiftiReader() {
    }

    /** {@link #read(InputStream, String, long, long)} with unknown length and the default voxel limit. */
    public static NiftiVolume read(InputStream in, String source) throws IOException {
        return read(in, source, -1, DEFAULT_MAX_VOXELS);
    }

    /**
     * Reads one NIfTI-1 image. The stream is read as far as needed and not closed: to the end
     * of the data for plain input (of all volumes of a 4-D image unless fileLength vouches for
     * them), to the end of the stream for gzip input so that its CRC is checked.
     *
     * @param in         the file's bytes, plain or gzip-compressed
     * @param source     names the file in error messages and warnings
     * @param fileLength the length of the file in bytes when known, else -1; for uncompressed
     *                   input it lets truncation and a bad vox_offset be refused before reading
     * @param maxVoxels  the largest number of voxels per volume accepted (at most 2^31 - 9)
     * @throws InvalidInputException when the input is not a usable NIfTI-1 image
     */
    public static NiftiVolume read(InputStream in, String source, long fileLength, long maxVoxels) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(source, "source");
        if (maxVoxels < 1) {
            throw new IllegalArgumentException("maxVoxels must be positive, got " + maxVoxels);
        }
        BufferedInputStream buffered = new BufferedInputStream(new NonClosing(in), BUFFER_BYTES);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = b0 < 0 ? -1 : buffered.read();
        buffered.reset();
        if (b0 < 0) {
            throw new InvalidInputException(source, "empty input");
        }
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        InputStream data = buffered;
        try {
            if (gzip) {
                data = new GuardedGzip(buffered);
            }
            return decode(data, source, gzip, fileLength, Math.min(maxVoxels, MAX_ARRAY_LENGTH));
        } catch (CorruptGzipException e) {
            throw new InvalidInputException(source, "corrupt gzip stream: " + e.getMessage(), e.getCause());
        } finally {
            if (gzip) {
                data.close(); // frees the inflater; NonClosing keeps the caller's stream open
            }
        }
    }

    private static NiftiVolume decode(InputStream data, String source, boolean gzip, long fileLength, long maxVoxels)
            throws IOException {
        List<String> warnings = new ArrayList<>();
        byte[] raw = new byte[NiftiHeader.HEADER_SIZE];
        int got = readFully(data, raw, 0, raw.length);
        if (got == 0) {
            throw new InvalidInputException(source, gzip ? "empty input (the gzip stream holds no data)" : "empty input");
        }
        if (got < 4) {
            throw new InvalidInputException(source, "not a NIfTI-1 file: the input is only " + got + " bytes long");
        }
        ByteOrder order = byteOrderOf(raw, got, source);
        if (got < NiftiHeader.HEADER_SIZE) {
            throw new InvalidInputException(source, "truncated header: input ends after " + got + " of "
                    + NiftiHeader.HEADER_SIZE + " header bytes");
        }
        NiftiHeader h = NiftiHeader.decode(raw, order);
        checkMagic(h.magic(), source);

        int rank = h.rank();
        if (rank < 2 || rank > 7) {
            throw new InvalidInputException(source, "dim[0] = " + rank + " is not in 2..7");
        }
        for (int i = 1; i <= rank; i++) {
            if (h.dim(i) < 1) {
                throw new InvalidInputException(source, "dim[" + i + "] = " + h.dim(i) + " is not positive");
            }
        }
        NiftiDataType type = NiftiDataType.fromCode(h.datatypeCode()).orElseThrow(() -> new InvalidInputException(source,
                "unsupported datatype " + h.datatypeCode() + " (" + NiftiDataType.describeCode(h.datatypeCode()) + ")"));
        if (h.bitpix() != type.bitpix()) {
            warnings.add("bitpix " + h.bitpix() + " does not match datatype " + type + " (" + type.bitpix() + " bits); read as " + type);
        }
        long voxOffset = voxOffsetOf(h, source);

        int[] dims = {h.dim(1), h.dim(2), rank >= 3 ? h.dim(3) : 1};
        long voxels = (long) dims[0] * dims[1] * dims[2];
        if (voxels > maxVoxels) {
            throw new InvalidInputException(source, dims[0] + "x" + dims[1] + "x" + dims[2] + " = " + voxels
                    + " voxels exceed the limit of " + maxVoxels);
        }
        long volumes = 1;
        long totalBytes;
        try {
            for (int i = 4; i <= rank; i++) {
                volumes = Math.multiplyExact(volumes, h.dim(i));
            }
            totalBytes = Math.multiplyExact(Math.multiplyExact(voxels, volumes), type.bytesPerVoxel());
        } catch (ArithmeticException e) {
            throw new InvalidInputException(source, "header claims an impossible data size (dimensions overflow)");
        }
        if (volumes > 1) {
            warnings.add(rank + "-D image with " + volumes + " volumes: only the first volume was read");
        }
        if (!gzip && fileLength >= 0) {
            if (voxOffset > fileLength) {
                throw new InvalidInputException(source, "vox_offset " + voxOffset + " is beyond the end of the file ("
                        + fileLength + " bytes)");
            }
            if (fileLength - voxOffset < totalBytes) {
                throw new InvalidInputException(source, truncatedData(fileLength - voxOffset, totalBytes));
            }
        }

        Geometry geometry = geometryOf(h, dims, source, warnings);
        AxisMapping axes = geometry.axes;
        if (rank == 2 && axes.canonicalAxis[2] != 2) {
            warnings.add("2-D image is not axial (storage axes " + axes.storageAxisCodes + "): read as a "
                    + axes.canonicalDims[0] + "x" + axes.canonicalDims[1] + "x" + axes.canonicalDims[2] + " volume");
        }

        long gap = voxOffset - NiftiHeader.HEADER_SIZE;
        long skipped = skipFully(data, gap);
        if (skipped < gap) {
            throw new InvalidInputException(source, "file ends after " + (NiftiHeader.HEADER_SIZE + skipped)
                    + " bytes, before the voxel data at vox_offset " + voxOffset);
        }

        float[] canonical = new float[(int) voxels];
        long nonFinite = readFirstVolume(data, h, type, dims, axes, canonical, totalBytes, source);
        long firstVolumeBytes = voxels * type.bytesPerVoxel();
        if (gzip || fileLength < 0) {
            long rest = totalBytes - firstVolumeBytes;
            long drained = skipFully(data, rest);
            if (drained < rest) {
                throw new InvalidInputException(source, truncatedData(firstVolumeBytes + drained, totalBytes));
            }
        }
        if (gzip) {
            // read to the end so the gzip CRC and length are checked; surplus data is allowed
            skipFully(data, Long.MAX_VALUE);
        }
        if (nonFinite == voxels) {
            throw new InvalidInputException(source, "all voxels are NaN or infinite");
        }
        if (nonFinite > 0) {
            warnings.add(nonFinite + " of " + voxels + " voxels are NaN or infinite");
        }

        Volume volume = new Volume(axes.canonicalDims[0], axes.canonicalDims[1], axes.canonicalDims[2],
                axes.canonicalSpacing[0], axes.canonicalSpacing[1], axes.canonicalSpacing[2], canonical);
        LOG.debug("{}: {} {} stored {} via {}, {} warning(s)", source, volume, type, axes.storageAxisCodes,
                geometry.source, warnings.size());
        return new NiftiVolume(volume, type, axes.storageAxisCodes, geometry.source, h.description().strip(), warnings);
    }

    private static ByteOrder byteOrderOf(byte[] raw, int got, String source) throws InvalidInputException {
        int little = ByteBuffer.wrap(raw, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int big = ByteBuffer.wrap(raw, 0, 4).order(ByteOrder.BIG_ENDIAN).getInt();
        if (little == NiftiHeader.HEADER_SIZE) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        if (big == NiftiHeader.HEADER_SIZE) {
            return ByteOrder.BIG_ENDIAN;
        }
        if (little == NiftiHeader.NIFTI2_HEADER_SIZE || big == NiftiHeader.NIFTI2_HEADER_SIZE) {
            throw new InvalidInputException(source, "NIfTI-2 file (sizeof_hdr 540): only NIfTI-1 is supported");
        }
        throw new InvalidInputException(source, "not a NIfTI-1 file (sizeof_hdr is " + little + ", expected 348"
                + contentHint(raw, got) + ")");
    }

    /** A guess at what the file is instead, from its first bytes; never echoes the content. */
    private static String contentHint(byte[] raw, int got) {
        if (got >= 4 && (raw[0] & 0xff) == 0x89 && raw[1] == 'P' && raw[2] == 'N' && raw[3] == 'G') {
            return "; it looks like a PNG image";
        }
        if (got >= 132 && raw[128] == 'D' && raw[129] == 'I' && raw[130] == 'C' && raw[131] == 'M') {
            return "; it looks like a DICOM file";
        }
        for (int i = 0; i < got; i++) {
            int c = raw[i] & 0xff;
            if (c < 0x09 || (c > 0x0d && c < 0x20) || c == 0x7f) {
                return "";
            }
        }
        return "; it looks like text";
    }

    private static void checkMagic(byte[] magic, String source) throws InvalidInputException {
        if (magic[0] == 'n' && magic[1] == '+' && magic[2] == '1' && magic[3] == 0) {
            return;
        }
        if (magic[0] == 'n' && magic[1] == 'i' && magic[2] == '1' && magic[3] == 0) {
            throw new InvalidInputException(source, "two-file NIfTI-1 (.hdr/.img pair, magic 'ni1') is not supported; "
                    + "convert it to a single .nii file");
        }
        if (magic[0] == 'n' && (magic[1] == '+' || magic[1] == 'i') && magic[2] == '2') {
            throw new InvalidInputException(source, "NIfTI-2 magic in a NIfTI-1 sized header: only NIfTI-1 is supported");
        }
        throw new InvalidInputException(source, "not a NIfTI-1 file: sizeof_hdr is 348 but the magic is not 'n+1' "
                + "(an Analyze 7.5 header?)");
    }

    private static long voxOffsetOf(NiftiHeader h, String source) throws InvalidInputException {
        double v = h.voxOffset();
        if (!Double.isFinite(v) || v != Math.rint(v) || v > 1L << 40) {
            throw new InvalidInputException(source, "vox_offset " + v + " is not a valid byte offset");
        }
        if (v < NiftiHeader.MIN_VOX_OFFSET) {
            throw new InvalidInputException(source, "vox_offset " + (long) v + " lies inside the header (minimum "
                    + NiftiHeader.MIN_VOX_OFFSET + ")");
        }
        return (long) v;
    }

    private record Geometry(AxisMapping axes, NiftiVolume.AffineSource source) {
    }

    private static Geometry geometryOf(NiftiHeader h, int[] dims, String source, List<String> warnings)
            throws InvalidInputException {
        double toMm = spatialUnitToMm(h.xyztUnits(), warnings);
        String sformProblem = null;
        if (h.sformCode() > 0) {
            try {
                AxisMapping axes = mapping(h.sformAffine(), toMm, dims, warnings);
                if (h.qformCode() > 0) {
                    compareWithQform(h, dims, axes, toMm, warnings);
                }
                return new Geometry(axes, NiftiVolume.AffineSource.SFORM);
            } catch (IllegalArgumentException e) {
                sformProblem = "sform unusable (" + e.getMessage() + ")";
            }
        }
        if (h.qformCode() > 0) {
            if (sformProblem != null) {
                warnings.add(sformProblem + "; orientation taken from the qform");
            }
            try {
                return new Geometry(mapping(qformAffine(h, dims, source, warnings), toMm, dims, warnings),
                        NiftiVolume.AffineSource.QFORM);
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(source, "qform unusable (" + e.getMessage() + ")");
            }
        }
        if (sformProblem != null) {
            throw new InvalidInputException(source, sformProblem + " and no qform");
        }
        double[][] diag = new double[4][4];
        for (int s = 0; s < 3; s++) {
            diag[s][s] = spacingFromPixdim(h, s, dims, source, warnings);
        }
        diag[3][3] = 1;
        warnings.add("no sform or qform (both codes 0): orientation unknown, assumed the NIfTI default "
                + "diag(pixdim) (i toward right, j anterior, k superior)");
        try {
            return new Geometry(mapping(diag, toMm, dims, warnings), NiftiVolume.AffineSource.PIXDIM_FALLBACK);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(source, "pixdim unusable (" + e.getMessage() + ")");
        }
    }

    private static AxisMapping mapping(double[][] ras, double toMm, int[] dims, List<String> warnings) {
        double[][] scaled = new double[4][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                scaled[r][c] = ras[r][c] * toMm;
            }
        }
        scaled[3][3] = 1;
        List<String> local = new ArrayList<>();
        AxisMapping axes = AxisMapping.fromRasAffine(scaled, dims, local);
        warnings.addAll(local);
        if (axes.obliquityDegrees > AxisMapping.OBLIQUE_TOLERANCE_DEGREES) {
            warnings.add(String.format(Locale.ROOT, "oblique affine: storage axes deviate up to %.3f degrees from "
                    + "the canonical axes; voxels were reordered to the nearest axes, not resampled", axes.obliquityDegrees));
        }
        return axes;
    }

    private static void compareWithQform(NiftiHeader h, int[] dims, AxisMapping fromSform, double toMm, List<String> warnings) {
        try {
            double[][] qform = h.qformAffine(positive(h.pixdim(1)), positive(h.pixdim(2)), positive(h.pixdim(3)));
            AxisMapping fromQform = AxisMapping.fromRasAffine(qform, dims, new ArrayList<>());
            if (!fromQform.storageAxisCodes.equals(fromSform.storageAxisCodes)) {
                warnings.add("sform (" + fromSform.storageAxisCodes + ") and qform (" + fromQform.storageAxisCodes
                        + ") disagree on orientation; the sform was used");
            }
        } catch (IllegalArgumentException ignoredBrokenQform) {
            warnings.add("qform is unusable; the sform was used");
        }
    }

    private static double positive(double pixdim) {
        return Double.isFinite(pixdim) && pixdim != 0 ? Math.abs(pixdim) : 1.0;
    }

    private static double[][] qformAffine(NiftiHeader h, int[] dims, String source, List<String> warnings)
            throws InvalidInputException {
        double[] q = h.quaternion();
        for (double v : q) {
            if (!Double.isFinite(v)) {
                throw new InvalidInputException(source, "qform unusable (non-finite quaternion)");
            }
        }
        if (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] > 1.0 + 1e-4) {
            throw new InvalidInputException(source, "qform unusable (quaternion b, c, d longer than 1)");
        }
        double dx = spacingFromPixdim(h, 0, dims, source, warnings);
        double dy = spacingFromPixdim(h, 1, dims, source, warnings);
        double dz = spacingFromPixdim(h, 2, dims, source, warnings);
        return h.qformAffine(dx, dy, dz);
    }

    private static double spacingFromPixdim(NiftiHeader h, int axis, int[] dims, String source, List<String> warnings)
            throws InvalidInputException {
        double p = h.pixdim(axis + 1);
        if (!Double.isFinite(p) || p == 0) {
            if (dims[axis] > 1) {
                throw new InvalidInputException(source, "pixdim[" + (axis + 1) + "] = " + p + " is not a voxel spacing");
            }
            return 1.0; // a single-voxel axis needs no spacing
        }
        if (p < 0) {
            warnings.add("negative pixdim[" + (axis + 1) + "] = " + p + " taken as its absolute value");
            return -p;
        }
        return p;
    }

    private static double spatialUnitToMm(int xyztUnits, List<String> warnings) {
        return switch (xyztUnits & 0x07) {
            case 0, 2 -> 1.0; // unknown: millimetres, as every CT tool assumes
            case 1 -> {
                warnings.add("spatial unit is metres: converted to mm");
                yield 1000.0;
            }
            case 3 -> {
                warnings.add("spatial unit is micrometres: converted to mm");
                yield 0.001;
            }
            default -> {
                warnings.add("unknown spatial unit code " + (xyztUnits & 0x07) + ": assumed mm");
                yield 1.0;
            }
        };
    }

    /** Decodes the first volume into canonical order; returns the number of non-finite voxels. */
    private static long readFirstVolume(InputStream data, NiftiHeader h, NiftiDataType type, int[] dims,
                                        AxisMapping axes, float[] out, long totalBytes, String source) throws IOException {
        int cols = axes.canonicalDims[0];
        int[] canonicalStride = {1, cols, cols * axes.canonicalDims[1]};
        int[] step = new int[3];
        int pos = 0;
        for (int s = 0; s < 3; s++) {
            int stride = canonicalStride[axes.canonicalAxis[s]];
            step[s] = axes.flipped[s] ? -stride : stride;
            if (axes.flipped[s]) {
                pos += (dims[s] - 1) * stride;
            }
        }
        int nx = dims[0];
        int ny = dims[1];
        int rowRewind = step[1] - nx * step[0];
        int sliceRewind = step[2] - ny * step[1];

        double slope = h.sclSlope();
        boolean scaled = slope != 0 && Double.isFinite(slope);
        double inter = scaled && Double.isFinite(h.sclInter()) ? h.sclInter() : 0;
        if (scaled && slope == 1 && inter == 0) {
            scaled = false;
        }

        int bpv = type.bytesPerVoxel();
        byte[] buf = new byte[BUFFER_BYTES];
        ByteBuffer view = ByteBuffer.wrap(buf).order(h.byteOrder());
        double[] values = new double[BUFFER_BYTES / bpv];
        long remaining = (long) out.length * bpv;
        long consumed = 0;
        long nonFinite = 0;
        int i = 0;
        int j = 0;
        while (remaining > 0) {
            int chunk = (int) Math.min(buf.length, remaining);
            int got = readFully(data, buf, 0, chunk);
            if (got < chunk) {
                throw new InvalidInputException(source, truncatedData(consumed + got, totalBytes));
            }
            consumed += got;
            remaining -= got;
            int n = chunk / bpv;
            decodeChunk(type, view, buf, values, n);
            for (int v = 0; v < n; v++) {
                double value = scaled ? values[v] * slope + inter : values[v];
                float f = (float) value;
                if (!Float.isFinite(f)) {
                    nonFinite++;
                }
                out[pos] = f;
                pos += step[0];
                if (++i == nx) {
                    i = 0;
                    pos += rowRewind;
                    if (++j == ny) {
                        j = 0;
                        pos += sliceRewind;
                    }
                }
            }
        }
        return nonFinite;
    }

    private static void decodeChunk(NiftiDataType type, ByteBuffer view, byte[] buf, double[] values, int n) {
        switch (type) {
            case UINT8 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = buf[v] & 0xff;
                }
            }
            case INT8 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = buf[v];
                }
            }
            case INT16 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getShort(2 * v);
                }
            }
            case UINT16 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getShort(2 * v) & 0xffff;
                }
            }
            case INT32 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getInt(4 * v);
                }
            }
            case UINT32 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getInt(4 * v) & 0xffffffffL;
                }
            }
            case FLOAT32 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getFloat(4 * v);
                }
            }
            case FLOAT64 -> {
                for (int v = 0; v < n; v++) {
                    values[v] = view.getDouble(8 * v);
                }
            }
        }
    }

    private static String truncatedData(long have, long need) {
        return "file ends after " + have + " of " + need + " data bytes";
    }

    private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Skips by reading (skip() may stop early without meaning EOF); returns the bytes skipped. */
    private static long skipFully(InputStream in, long count) throws IOException {
        byte[] scratch = new byte[(int) Math.min(BUFFER_BYTES, Math.max(count, 1))];
        long done = 0;
        while (done < count) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, count - done));
            if (n < 0) {
                break;
            }
            done += n;
        }
        return done;
    }

    /** A gzip-format problem, told apart from I/O failures of the underlying stream. */
    private static final class CorruptGzipException extends IOException {
        CorruptGzipException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** GZIPInputStream whose format errors become {@link CorruptGzipException}. */
    private static final class GuardedGzip extends InputStream {
        private final GZIPInputStream gzip;

        GuardedGzip(InputStream in) throws IOException {
            try {
                gzip = new GZIPInputStream(in, BUFFER_BYTES);
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
        }

        @Override
        public int read() throws IOException {
            try {
                return gzip.read();
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return gzip.read(b, off, len);
            } catch (ZipException | EOFException e) {
                throw corrupt(e);
            }
        }

        @Override
        public void close() throws IOException {
            gzip.close();
        }

        private static CorruptGzipException corrupt(IOException e) {
            String detail = e instanceof EOFException ? "compressed data end prematurely (truncated file?)"
                    : String.valueOf(e.getMessage());
            return new CorruptGzipException(detail, e);
        }
    }

    /** Keeps the caller's stream open when our wrappers are closed. */
    private static final class NonClosing extends FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
        }
    }
}
