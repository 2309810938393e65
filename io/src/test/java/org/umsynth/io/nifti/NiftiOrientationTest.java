package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.umsynth.io.nifti.NiftiTestFiles.assertSameVolume;
import static org.umsynth.io.nifti.NiftiTestFiles.positionCoded;
import static org.umsynth.io.nifti.NiftiTestFiles.read;
import static org.umsynth.io.nifti.NiftiTestFiles.storage;

import java.io.IOException;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.umsynth.io.volume.Volume;

/** Any storage order must come out as the same canonical LPS axial volume. */
class NiftiOrientationTest {
    private static final Volume REFERENCE = positionCoded(5, 4, 3, 0.6, 0.8, 2.0);

    /** A file storing REFERENCE with storage axes pointing as the codes say (e.g. "PSR"). */
    record Stored(int[] dims, double[] values, double[][] rasAffine) {
    }

    static Stored store(Volume ref, String codes) {
        int[] axis = new int[3];
        boolean[] flip = new boolean[3];
        for (int s = 0; s < 3; s++) {
            char c = codes.charAt(s);
            axis[s] = "LRPASI".indexOf(c) / 2;
            flip[s] = "RAI".indexOf(c) >= 0;
        }
        int[] canonicalDims = {ref.cols(), ref.rows(), ref.slices()};
        double[] canonicalSpacing = {ref.spacingX(), ref.spacingY(), ref.spacingZ()};
        int[] dims = new int[3];
        double[][] ras = new double[4][4];
        for (int s = 0; s < 3; s++) {
            dims[s] = canonicalDims[axis[s]];
            double lpsStep = (flip[s] ? -1 : 1) * canonicalSpacing[axis[s]];
            // LPS -> RAS negates x and y
            ras[axis[s]][s] = axis[s] == 2 ? lpsStep : -lpsStep;
        }
        ras[0][3] = 11.5;
        ras[1][3] = -42;
        ras[2][3] = 300.25;
        ras[3][3] = 1;
        double[] values = new double[dims[0] * dims[1] * dims[2]];
        int[] c = new int[3];
        int n = 0;
        for (int k = 0; k < dims[2]; k++) {
            for (int j = 0; j < dims[1]; j++) {
                for (int i = 0; i < dims[0]; i++) {
                    int[] idx = {i, j, k};
                    for (int s = 0; s < 3; s++) {
                        c[axis[s]] = flip[s] ? dims[s] - 1 - idx[s] : idx[s];
                    }
                    values[n++] = ref.get(c[0], c[1], c[2]);
                }
            }
        }
        return new Stored(dims, values, ras);
    }

    @ParameterizedTest(name = "{0} via {1}, {2}, gzip {3}")
    @CsvSource({
            "RAS, both, LITTLE_ENDIAN, false",
            "LPS, sform, LITTLE_ENDIAN, true",
            "LAS, qform, LITTLE_ENDIAN, false",
            "LAS, sform, BIG_ENDIAN, true",
            "LPI, both, BIG_ENDIAN, false",
            "PSR, sform, LITTLE_ENDIAN, false",
            "PIL, qform, LITTLE_ENDIAN, true",
            "ASL, qform, BIG_ENDIAN, false",
            "LIP, both, LITTLE_ENDIAN, false",
            "IRP, qform, LITTLE_ENDIAN, false",
            "SAR, sform, LITTLE_ENDIAN, false",
            "RPI, qform, BIG_ENDIAN, true"})
    void everyStorageOrderGivesTheSameCanonicalVolume(String codes, String transform, String order, boolean gzip)
            throws IOException {
        Stored s = store(REFERENCE, codes);
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT32, s.dims())
                .byteOrder("BIG_ENDIAN".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        switch (transform) {
            case "sform" -> h.sform(s.rasAffine(), NiftiHeader.XFORM_SCANNER_ANAT);
            case "qform" -> h.qform(s.rasAffine(), NiftiHeader.XFORM_ALIGNED_ANAT);
            default -> h.affine(s.rasAffine(), NiftiHeader.XFORM_SCANNER_ANAT);
        }
        NiftiVolume back = read(storage(h, s.values(), gzip));
        assertSameVolume(REFERENCE, back.volume());
        assertEquals(codes, back.storageAxisCodes());
        assertEquals("qform".equals(transform) ? NiftiVolume.AffineSource.QFORM : NiftiVolume.AffineSource.SFORM,
                back.affineSource());
        assertTrue(back.warnings().isEmpty(), back.warnings().toString());
    }

    /** Written out by hand, independent of store(): identity affine = RAS storage. */
    @Test
    void rasStorageIsMirroredInXAndY() throws IOException {
        double[] values = new double[3 * 2 * 2];
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < 3; i++) {
                    values[(k * 2 + j) * 3 + i] = i + 10 * j + 100 * k;
                }
            }
        }
        double[][] identity = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        Volume v = read(storage(NiftiHeader.create(NiftiDataType.INT16, 3, 2, 2).sform(identity, 1), values, false)).volume();
        // canonical x runs right->left but i runs left->right: x = 2 - i; likewise y = 1 - j; z = k
        assertEquals(2 + 10, v.get(0, 0, 0));
        assertEquals(0 + 0, v.get(2, 1, 0));
        assertEquals(2 + 0 + 100, v.get(0, 1, 1));
    }

    /** DICOM-style sagittal storage: i anterior->posterior, j superior->inferior, k right->left. */
    @Test
    void sagittalStorageComesOutAxial() throws IOException {
        int ni = 4;
        int nj = 3;
        int nk = 2;
        double[] values = new double[ni * nj * nk];
        for (int k = 0; k < nk; k++) {
            for (int j = 0; j < nj; j++) {
                for (int i = 0; i < ni; i++) {
                    values[(k * nj + j) * ni + i] = i + 10 * j + 100 * k;
                }
            }
        }
        double[][] ras = {{0, 0, -1.5, 0}, {-0.5, 0, 0, 0}, {0, -0.7, 0, 0}, {0, 0, 0, 1}};
        NiftiVolume back = read(storage(NiftiHeader.create(NiftiDataType.INT16, ni, nj, nk).affine(ras, 1), values, true));
        Volume v = back.volume();
        assertEquals("PIL", back.storageAxisCodes());
        assertEquals(nk, v.cols());
        assertEquals(ni, v.rows());
        assertEquals(nj, v.slices());
        assertEquals(1.5, v.spacingX(), 1e-6);
        assertEquals(0.5, v.spacingY(), 1e-6);
        assertEquals(0.7, v.spacingZ(), 1e-6);
        // x = k, y = i, z = nj - 1 - j: the first canonical slice is the most inferior row j = 2
        assertEquals(0 + 10 * 2 + 0, v.get(0, 0, 0));
        assertEquals(3 + 10 * 2 + 100, v.get(1, 3, 0));
        assertEquals(1 + 0 + 100, v.get(1, 1, 2));
    }

    @Test
    void obliqueAffineUsesNearestAxesWithAWarning() throws IOException {
        Stored s = store(REFERENCE, "LPS");
        double[][] tilted = rotateAboutSuperior(s.rasAffine(), 10);
        NiftiVolume back = read(storage(NiftiHeader.create(NiftiDataType.FLOAT32, s.dims()).affine(tilted, 1), s.values(), false));
        assertSameVolume(REFERENCE, back.volume());
        assertEquals(1, back.warnings().size(), back.warnings().toString());
        assertEquals("oblique affine: storage axes deviate up to 10.000 degrees from the canonical axes; voxels were "
                + "reordered to the nearest axes, not resampled", back.warnings().get(0));

        double[][] barely = rotateAboutSuperior(s.rasAffine(), 0.005);
        NiftiVolume aligned = read(storage(NiftiHeader.create(NiftiDataType.FLOAT32, s.dims()).sform(barely, 1), s.values(), false));
        assertTrue(aligned.warnings().isEmpty(), aligned.warnings().toString());
    }

    @Test
    void sformAndQformThatDisagreeAreReported() throws IOException {
        Stored s = store(REFERENCE, "LPS");
        Stored other = store(REFERENCE, "RPS");
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, s.dims()).qform(other.rasAffine(), 1).sform(s.rasAffine(), 1);
        NiftiVolume back = read(storage(h, s.values(), false));
        assertSameVolume(REFERENCE, back.volume());
        assertEquals("sform (LPS) and qform (RPS) disagree on orientation; the sform was used", back.warnings().get(0));
    }

    @Test
    void unusableSformFallsBackToQform() throws IOException {
        Stored s = store(REFERENCE, "ASL");
        double[][] flat = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}};
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, s.dims()).sform(flat, 1).qform(s.rasAffine(), 1);
        NiftiVolume back = read(storage(h, s.values(), false));
        assertEquals(NiftiVolume.AffineSource.QFORM, back.affineSource());
        assertSameVolume(REFERENCE, back.volume());
        assertEquals("sform unusable (affine gives storage axis i no direction (zero column)); orientation taken from the qform",
                back.warnings().get(0));
    }

    @Test
    void withoutTransformsPixdimGivesSpacingAndTheStandardsDefault() throws IOException {
        Stored s = store(REFERENCE, "RAS");
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, s.dims()).pixdim(1, 0.6).pixdim(2, 0.8).pixdim(3, 2.0);
        NiftiVolume back = read(storage(h, s.values(), false));
        assertEquals(NiftiVolume.AffineSource.PIXDIM_FALLBACK, back.affineSource());
        assertEquals("RAS", back.storageAxisCodes());
        assertSameVolume(REFERENCE, back.volume());
        assertTrue(back.warnings().get(0).startsWith("no sform or qform (both codes 0)"), back.warnings().toString());
    }

    @Test
    void negativePixdimInAQformIsTakenAsItsMagnitude() throws IOException {
        Stored s = store(REFERENCE, "LAS");
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, s.dims()).qform(s.rasAffine(), 1).pixdim(2, -0.8);
        NiftiVolume back = read(storage(h, s.values(), false));
        assertSameVolume(REFERENCE, back.volume());
        assertEquals(java.util.List.of("negative pixdim[2] = -0.800000011920929 taken as its absolute value"), back.warnings());
    }

    @Test
    void metresAreConvertedToMillimetres() throws IOException {
        Stored s = store(REFERENCE, "LPS");
        double[][] metres = new double[4][];
        for (int r = 0; r < 4; r++) {
            metres[r] = s.rasAffine()[r].clone();
            for (int c = 0; c < 4 && r < 3; c++) {
                metres[r][c] /= 1000;
            }
        }
        NiftiHeader h = NiftiHeader.create(NiftiDataType.INT16, s.dims()).sform(metres, 1).xyztUnits(1);
        NiftiVolume back = read(storage(h, s.values(), false));
        assertSameVolume(REFERENCE, back.volume());
        assertEquals(java.util.List.of("spatial unit is metres: converted to mm"), back.warnings());
    }

    private static double[][] rotateAboutSuperior(double[][] ras, double degrees) {
        double a = Math.toRadians(degrees);
        double[][] rot = {{Math.cos(a), -Math.sin(a), 0}, {Math.sin(a), Math.cos(a), 0}, {0, 0, 1}};
        double[][] out = new double[4][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                for (int m = 0; m < 3; m++) {
                    out[r][c] += rot[r][m] * ras[m][c];
                }
            }
        }
        out[3][3] = 1;
        return out;
    }
}
