package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.umsynth.io.nifti.NiftiTestFiles.read;
import static org.umsynth.io.nifti.NiftiTestFiles.storage;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.umsynth.io.volume.Volume;

class NiftiReaderFeaturesTest {
    /** LPS storage: the storage order is the canonical order. */
    private static final double[][] LPS_1MM = {{-1, 0, 0, 0}, {0, -1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};

    @Test
    void slopeAndInterceptAreApplied() throws IOException {
        double[] stored = {0, 1, 2, 3, -4, 2048};
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 1).affine(LPS_1MM, 1).scaling(0.5, -1024);
        assertArrayEquals(new float[] {-1024, -1023.5f, -1023, -1022.5f, -1026, 0}, read(storage(h, stored, false)).volume().voxels());

        // float data are scaled too; big endian as well
        h = NiftiHeader.create(NiftiDataType.FLOAT64, 3, 2, 1).affine(LPS_1MM, 1).scaling(2, 0.25).byteOrder(ByteOrder.BIG_ENDIAN);
        assertArrayEquals(new float[] {0.25f, 2.25f, 4.25f, 6.25f, -7.75f, 4096.25f}, read(storage(h, stored, true)).volume().voxels());
    }

    @Test
    void zeroOrNonFiniteSlopeMeansNoScaling() throws IOException {
        double[] stored = {0, 1, 2, 3, -4, 2048};
        float[] unscaled = {0, 1, 2, 3, -4, 2048};
        for (float slope : new float[] {0f, Float.NaN, Float.POSITIVE_INFINITY}) {
            NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 1).affine(LPS_1MM, 1).scaling(slope, 100);
            assertArrayEquals(unscaled, read(storage(h, stored, false)).volume().voxels(), "slope " + slope);
        }
        // a usable slope with a NaN intercept: intercept 0
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 1).affine(LPS_1MM, 1).scaling(3, Double.NaN);
        assertArrayEquals(new float[] {0, 3, 6, 9, -12, 6144}, read(storage(h, stored, false)).volume().voxels());
    }

    @Test
    void fourDimensionalInputYieldsTheFirstVolumeWithAWarning() throws IOException {
        int voxels = 3 * 2 * 2;
        double[] stored = new double[voxels * 3];
        for (int n = 0; n < stored.length; n++) {
            stored[n] = (n % voxels) + 1000 * (n / voxels); // volume t is offset by 1000 t
        }
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 2, 3).affine(LPS_1MM, 1);
        for (boolean gzip : new boolean[] {false, true}) {
            NiftiVolume back = read(storage(h, stored, gzip));
            float[] expected = new float[voxels];
            for (int n = 0; n < voxels; n++) {
                expected[n] = n;
            }
            assertArrayEquals(expected, back.volume().voxels());
            assertEquals(List.of("4-D image with 3 volumes: only the first volume was read"), back.warnings());
        }
        // trailing singleton time axis: an ordinary 3-D image, no warning
        NiftiHeader single = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 2, 1).affine(LPS_1MM, 1);
        assertTrue(read(storage(single, new double[voxels], false)).warnings().isEmpty());
    }

    @Test
    void twoDimensionalImageIsOneAxialSlice() throws IOException {
        double[] stored = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        // 2-D image with a qform and pixdim[3] = 0: the single-voxel axis needs no spacing
        NiftiHeader h = NiftiHeader.create(NiftiDataType.UINT8, 4, 3).qform(LPS_1MM, 1).pixdim(1, 0.7).pixdim(2, 0.9).pixdim(3, 0);
        NiftiVolume back = read(storage(h, stored, false));
        Volume v = back.volume();
        assertEquals(4, v.cols());
        assertEquals(3, v.rows());
        assertEquals(1, v.slices());
        assertEquals(0.7, v.spacingX(), 1e-6);
        assertEquals(0.9, v.spacingY(), 1e-6);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, v.voxels());
        assertTrue(back.warnings().isEmpty(), back.warnings().toString());

        // an sform with no k column: the normal of the image plane is used
        double[][] noK = {{-0.7, 0, 0, 0}, {0, -0.9, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}};
        NiftiVolume viaSform = read(storage(NiftiHeader.create(NiftiDataType.UINT8, 4, 3).sform(noK, 1), stored, false));
        assertArrayEquals(v.voxels(), viaSform.volume().voxels());
        assertEquals("LPS", viaSform.storageAxisCodes());
        assertEquals(List.of("single-voxel axis k has no spacing in the affine: assumed 1 mm, normal to the image plane"),
                viaSform.warnings());
    }

    @Test
    void theCheapExtraTypesAreReadWithTheirFullRange() throws IOException {
        double[] stored = {0, 1, 2, 3, 4, 5};
        for (double[] extremes : new double[][] {{-128, 127}, {0, 65535}, {0, 4294967295.0}}) {
            NiftiDataType type = extremes[1] == 127 ? NiftiDataType.INT8 : extremes[1] == 65535 ? NiftiDataType.UINT16 : NiftiDataType.UINT32;
            stored[0] = extremes[0];
            stored[5] = extremes[1];
            NiftiHeader h = NiftiHeader.create(type, 3, 2, 1).affine(LPS_1MM, 1).byteOrder(ByteOrder.BIG_ENDIAN);
            float[] got = read(storage(h, stored, false)).volume().voxels();
            assertEquals((float) extremes[0], got[0], type.toString());
            assertEquals((float) extremes[1], got[5], type.toString());
            assertEquals(3f, got[3]);
        }
    }

    @Test
    void bitpixThatContradictsTheDatatypeIsReportedAndTheDatatypeWins() throws IOException {
        byte[] file = storage(NiftiHeader.create(NiftiDataType.INT16, 3, 2, 1).affine(LPS_1MM, 1), new double[] {1, 2, 3, 4, 5, 6}, false);
        NiftiVolume back = read(NiftiTestFiles.patchShort(file, 72, 8));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.volume().voxels());
        assertEquals(List.of("bitpix 8 does not match datatype INT16 (16 bits); read as INT16"), back.warnings());
    }

    @Test
    void extensionBytesBeforeVoxOffsetAreSkippedAndSurplusDataIsAllowed() throws IOException {
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, 3, 2, 1).affine(LPS_1MM, 1).voxOffset(352 + 64);
        byte[] file = storage(h, new double[] {1, 2, 3, 4, 5, 6}, false);
        byte[] longer = java.util.Arrays.copyOf(file, file.length + 10);
        NiftiVolume back = NiftiReader.read(new java.io.ByteArrayInputStream(longer), "x.nii", longer.length, 1000);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, back.volume().voxels());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, read(NiftiTestFiles.gzip(longer)).volume().voxels());
    }
}
