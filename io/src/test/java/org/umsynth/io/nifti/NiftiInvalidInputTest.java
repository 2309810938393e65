package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.umsynth.io.nifti.NiftiTestFiles.gzip;
import static org.umsynth.io.nifti.NiftiTestFiles.patchFloat;
import static org.umsynth.io.nifti.NiftiTestFiles.patchInt;
import static org.umsynth.io.nifti.NiftiTestFiles.patchShort;
import static org.umsynth.io.nifti.NiftiTestFiles.refusal;
import static org.umsynth.io.nifti.NiftiTestFiles.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every unusable input is refused with a reason that names the problem. */
class NiftiInvalidInputTest {
    private static final double[][] LPS_1MM = {{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    private static final int DIM = 40;
    private static final int DATATYPE = 70;
    private static final int BITPIX = 72;
    private static final int VOX_OFFSET = 108;

    /** 4x3x2 int16: 48 data bytes, 400 bytes in all. */
    private static byte[] valid() {
        double[] values = new double[24];
        Arrays.setAll(values, i -> i - 5);
        return storage(NiftiHeader.create(NiftiDataType.INT16, 4, 3, 2).affine(LPS_1MM, 1).description("Doe^John 19700101"),
                values, false);
    }

    @Test
    void theBaseFileIsValid() throws IOException {
        assertEquals(400, valid().length);
        assertEquals(-5f, NiftiTestFiles.read(valid()).volume().get(0, 0, 0));
    }

    @Test
    void emptyInput() throws IOException {
        assertEquals("empty input", refusal(new byte[0]));
        assertEquals("empty input (the gzip stream holds no data)", refusal(gzip(new byte[0])));
    }

    @Test
    void notNifti() {
        byte[] text = "case,hu\n1,-1000\n2,40\nthis is a CSV file and not an image at all\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals("not a NIfTI-1 file (sizeof_hdr is " + ByteBuffer.wrap(text).order(ByteOrder.LITTLE_ENDIAN).getInt()
                + ", expected 348; it looks like text)", refusal(text));
        assertEquals("not a NIfTI-1 file: the input is only 2 bytes long", refusal(new byte[] {'h', 'i'}));

        byte[] png = new byte[64];
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        System.arraycopy(signature, 0, png, 0, signature.length);
        String reason = refusal(png);
        assertTrue(reason.startsWith("not a NIfTI-1 file (sizeof_hdr is "), reason);
        assertTrue(reason.endsWith("; it looks like a PNG image)"), reason);

        byte[] dicom = new byte[400];
        dicom[128] = 'D';
        dicom[129] = 'I';
        dicom[130] = 'C';
        dicom[131] = 'M';
        assertEquals("not a NIfTI-1 file (sizeof_hdr is 0, expected 348; it looks like a DICOM file)", refusal(dicom));

        byte[] analyze = valid();
        analyze[344] = 0;
        analyze[345] = 0;
        analyze[346] = 0;
        assertEquals("not a NIfTI-1 file: sizeof_hdr is 348 but the magic is not 'n+1' (an Analyze 7.5 header?)", refusal(analyze));

        byte[] pair = valid();
        pair[345] = 'i';
        assertEquals("two-file NIfTI-1 (.hdr/.img pair, magic 'ni1') is not supported; convert it to a single .nii file",
                refusal(pair));
    }

    @Test
    void niftiTwoIsNamed() throws IOException {
        byte[] little = new byte[544];
        ByteBuffer.wrap(little).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 540);
        byte[] big = new byte[544];
        ByteBuffer.wrap(big).order(ByteOrder.BIG_ENDIAN).putInt(0, 540);
        String expected = "NIfTI-2 file (sizeof_hdr 540): only NIfTI-1 is supported";
        assertEquals(expected, refusal(little));
        assertEquals(expected, refusal(gzip(big)));
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] cut = Arrays.copyOf(valid(), 200);
        assertEquals("truncated header: input ends after 200 of 348 header bytes", refusal(cut));
        assertEquals("truncated header: input ends after 200 of 348 header bytes", refusal(gzip(cut)));
    }

    @Test
    void truncatedData() throws IOException {
        byte[] cut = Arrays.copyOf(valid(), 352 + 30);
        String expected = "file ends after 30 of 48 data bytes";
        assertEquals(expected, refusal(cut));
        assertEquals(expected, refusal(cut, cut.length, NiftiReader.DEFAULT_MAX_VOXELS));
        assertEquals(expected, refusal(gzip(cut)));
        assertEquals("file ends after 350 bytes, before the voxel data at vox_offset 352", refusal(Arrays.copyOf(valid(), 350)));

        // a 4-D file whose later volumes are missing is truncated too
        byte[] fourD = storage(NiftiHeader.create(NiftiDataType.INT16, 4, 3, 2, 2).affine(LPS_1MM, 1), new double[48], false);
        byte[] firstVolumeOnly = Arrays.copyOf(fourD, 400);
        assertEquals("file ends after 48 of 96 data bytes", refusal(firstVolumeOnly));
        assertEquals("file ends after 48 of 96 data bytes", refusal(gzip(firstVolumeOnly)));
    }

    @Test
    void corruptGzip() throws IOException {
        byte[] compressed = gzip(valid());
        String cut = refusal(Arrays.copyOf(compressed, compressed.length - 12));
        assertEquals("corrupt gzip stream: compressed data end prematurely (truncated file?)", cut);

        byte[] badCrc = compressed.clone();
        badCrc[badCrc.length - 6] ^= 0x5a;
        assertEquals("corrupt gzip stream: Corrupt GZIP trailer", refusal(badCrc));

        byte[] junk = new byte[200];
        Arrays.fill(junk, (byte) 0xff);
        junk[0] = 0x1f;
        junk[1] = (byte) 0x8b;
        junk[2] = 8;
        junk[3] = 0;
        assertTrue(refusal(junk).startsWith("corrupt gzip stream: "), refusal(junk));

        byte[] badMethod = compressed.clone();
        badMethod[2] = 7;
        assertEquals("corrupt gzip stream: Unsupported compression method", refusal(badMethod));
    }

    @Test
    void headersThatLieAboutTheData() {
        assertEquals("file ends after 48 of 120 data bytes", refusal(patchShort(valid(), DIM + 6, 5)));
        byte[] float64 = patchShort(patchShort(valid(), DATATYPE, 64), BITPIX, 64);
        assertEquals("file ends after 48 of 192 data bytes", refusal(float64));
        assertEquals("file ends after 48 of 192 data bytes", refusal(float64, float64.length, 1000));

        byte[] farOffset = patchFloat(valid(), VOX_OFFSET, 100000);
        assertEquals("vox_offset 100000 is beyond the end of the file (400 bytes)", refusal(farOffset, 400, 1000));
        assertEquals("file ends after 400 bytes, before the voxel data at vox_offset 100000", refusal(farOffset));
        assertEquals("vox_offset 100 lies inside the header (minimum 352)", refusal(patchFloat(valid(), VOX_OFFSET, 100)));
        assertEquals("vox_offset 352.5 is not a valid byte offset", refusal(patchFloat(valid(), VOX_OFFSET, 352.5f)));
        assertEquals("vox_offset NaN is not a valid byte offset", refusal(patchFloat(valid(), VOX_OFFSET, Float.NaN)));
    }

    @Test
    void absurdDimensionsAreRefusedBeforeAllocating() {
        byte[] huge = patchShort(patchShort(patchShort(valid(), DIM + 2, 30000), DIM + 4, 30000), DIM + 6, 30000);
        assertEquals("30000x30000x30000 = 27000000000000 voxels exceed the limit of 268435456", refusal(huge));
        // even an unlimited caller cannot get past the largest Java array
        assertEquals("30000x30000x30000 = 27000000000000 voxels exceed the limit of 2147483639",
                refusal(huge, -1, Long.MAX_VALUE));
        assertEquals("4x3x2 = 24 voxels exceed the limit of 23", refusal(valid(), -1, 23));

        byte[] manyVolumes = patchShort(valid(), DIM, 7);
        for (int d = 4; d <= 7; d++) {
            manyVolumes = patchShort(manyVolumes, DIM + 2 * d, 32767);
        }
        manyVolumes = patchShort(patchShort(patchShort(manyVolumes, DIM + 2, 100), DIM + 4, 100), DIM + 6, 100);
        assertEquals("header claims an impossible data size (dimensions overflow)", refusal(manyVolumes));
        assertThrows(IllegalArgumentException.class, () -> NiftiReader.read(new ByteArrayInputStream(valid()), "x", -1, 0));
    }

    @Test
    void badDimensions() {
        assertEquals("dim[2] = 0 is not positive", refusal(patchShort(valid(), DIM + 4, 0)));
        assertEquals("dim[3] = -4 is not positive", refusal(patchShort(valid(), DIM + 6, -4)));
        assertEquals("dim[0] = 8 is not in 2..7", refusal(patchShort(valid(), DIM, 8)));
        assertEquals("dim[0] = 1 is not in 2..7", refusal(patchShort(valid(), DIM, 1)));
    }

    @Test
    void unsupportedDatatypeIsNamed() {
        assertEquals("unsupported datatype 128 (RGB24)", refusal(patchShort(valid(), DATATYPE, 128)));
        assertEquals("unsupported datatype 32 (COMPLEX64)", refusal(patchShort(valid(), DATATYPE, 32)));
        assertEquals("unsupported datatype 999 (not a NIfTI-1 type)", refusal(patchShort(valid(), DATATYPE, 999)));
    }

    @Test
    void allNonFiniteData() throws IOException {
        double[] nan = new double[6];
        Arrays.fill(nan, Double.NaN);
        nan[2] = Double.POSITIVE_INFINITY;
        NiftiHeader h = NiftiHeader.create(NiftiDataType.FLOAT32, 3, 2, 1).affine(LPS_1MM, 1);
        assertEquals("all voxels are NaN or infinite", refusal(storage(h, nan, true)));
        // float64 values beyond the float range are infinite once read
        double[] huge = new double[6];
        Arrays.fill(huge, 1e300);
        assertEquals("all voxels are NaN or infinite", refusal(storage(h.datatype(NiftiDataType.FLOAT64), huge, false)));
    }

    @Test
    void unusableTransforms() {
        double[][] parallel = {{-1, -1, 0, 0}, {0, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        byte[] singular = storage(NiftiHeader.create(NiftiDataType.INT16, 4, 3, 2).sform(parallel, 1), new double[24], false);
        assertEquals("sform unusable (affine is singular: its storage axes are (nearly) parallel) and no qform", refusal(singular));

        byte[] zeroSpacing = patchFloat(valid(), 76 + 4, 0f); // pixdim[1]
        zeroSpacing = patchShort(zeroSpacing, 254, 0); // sform off: the qform needs pixdim
        assertEquals("pixdim[1] = 0.0 is not a voxel spacing", refusal(zeroSpacing));

        byte[] longQuaternion = patchShort(patchFloat(valid(), 256, 1.5f), 254, 0);
        assertEquals("qform unusable (quaternion b, c, d longer than 1)", refusal(longQuaternion));
    }

    @Test
    void reasonsNeverQuoteHeaderText() {
        for (byte[] bad : new byte[][] {Arrays.copyOf(valid(), 370), patchShort(valid(), DATATYPE, 128), patchInt(valid(), 0, 349)}) {
            String reason = refusal(bad);
            assertFalse(reason.contains("Doe"), reason);
        }
    }
}
