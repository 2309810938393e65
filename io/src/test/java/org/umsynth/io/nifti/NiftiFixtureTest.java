package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.umsynth.io.volume.Volume;

/**
 * Files written by nibabel (src/test/resources/nifti/make_fixtures.py), with the canonical
 * values it derived independently (by hand and through nibabel.orientations).
 */
class NiftiFixtureTest {

    @ParameterizedTest
    @ValueSource(strings = {"int16", "float32"})
    void nibabelFilesReadAsNibabelPredicts(String key) throws IOException {
        Properties expected = new Properties();
        try (InputStream in = resource("expected.properties")) {
            expected.load(in);
        }
        String file = expected.getProperty(key + ".file");
        NiftiVolume nifti;
        try (InputStream in = resource(file)) {
            nifti = NiftiReader.read(in, file);
        }
        Volume v = nifti.volume();
        String[] dims = expected.getProperty(key + ".dims").split(" ");
        assertEquals(Integer.parseInt(dims[0]), v.cols());
        assertEquals(Integer.parseInt(dims[1]), v.rows());
        assertEquals(Integer.parseInt(dims[2]), v.slices());
        String[] spacing = expected.getProperty(key + ".spacing").split(" ");
        assertEquals(Double.parseDouble(spacing[0]), v.spacingX(), 1e-9);
        assertEquals(Double.parseDouble(spacing[1]), v.spacingY(), 1e-9);
        assertEquals(Double.parseDouble(spacing[2]), v.spacingZ(), 1e-9);
        assertEquals(expected.getProperty(key + ".axcodes"), nifti.storageAxisCodes());
        assertTrue(nifti.warnings().isEmpty(), nifti.warnings().toString());

        for (String sample : expected.getProperty(key + ".samples").split(";")) {
            String[] f = sample.split(",");
            int x = Integer.parseInt(f[0]);
            int y = Integer.parseInt(f[1]);
            int z = Integer.parseInt(f[2]);
            assertEquals(Float.parseFloat(f[3]), v.get(x, y, z), "voxel " + x + "," + y + "," + z);
        }
        double weighted = 0;
        float[] voxels = v.voxels();
        for (int n = 0; n < voxels.length; n++) {
            weighted += voxels[n] * (double) (n % 97 + 1);
        }
        double want = Double.parseDouble(expected.getProperty(key + ".weighted_sum"));
        assertEquals(want, weighted, Math.abs(want) * 1e-12, "position-weighted sum over all voxels");
        if (key.equals("float32")) {
            assertEquals(NiftiVolume.AffineSource.QFORM, nifti.affineSource());
            assertEquals(NiftiDataType.FLOAT32, nifti.storedType());
        } else {
            assertEquals(NiftiVolume.AffineSource.SFORM, nifti.affineSource());
            assertEquals(NiftiDataType.INT16, nifti.storedType());
        }
    }

    private static InputStream resource(String name) {
        InputStream in = NiftiFixtureTest.class.getResourceAsStream("/nifti/" + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource nifti/" + name);
        }
        return in;
    }
}
