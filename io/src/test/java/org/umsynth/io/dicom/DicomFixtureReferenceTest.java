package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;
import org.umsynth.io.volume.Volume;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real fixtures decode to exactly pydicom's HU (make_reference.py), with the right geometry. */
class DicomFixtureReferenceTest {

    @Test
    void ctSmallExplicitVrMatchesPydicomEveryVoxel() throws Exception {
        DicomFile file = DicomParser.parse(Fixtures.bytes("CT_small.dcm"), "CT_small.dcm", DicomParser.DEFAULT_MAX_VOXELS);
        String json = Fixtures.json("CT_small");
        assertEquals(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN.uid(), Fixtures.jsonString(json, "transfer_syntax"));
        assertEquals(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, file.transferSyntax());
        assertEquals(128, file.rows());
        assertEquals(128, file.cols());
        assertEquals(0, file.paddingVoxels(), "CT_small has no voxel at its padding value -2000");
        assertMatchesReference(file.hu(), Fixtures.referenceHu("CT_small"), Float.NaN);
        assertGeometry(file, json);
        assertEquals(-1950906, sum(file.hu()), 0.0, "sum of HU as computed by pydicom");
    }

    @Test
    void rleLosslessMatchesPydicomEveryVoxelExceptDocumentedPadding() throws Exception {
        DicomFile file = DicomParser.parse(Fixtures.bytes("rle.dcm"), "rle.dcm", DicomParser.DEFAULT_MAX_VOXELS);
        String json = Fixtures.json("rle");
        assertEquals(TransferSyntax.RLE_LOSSLESS.uid(), Fixtures.jsonString(json, "transfer_syntax"));
        assertEquals(TransferSyntax.RLE_LOSSLESS, file.transferSyntax());
        assertEquals(512, file.rows());
        assertEquals(512, file.cols());
        short[] reference = Fixtures.referenceHu("rle");
        // pydicom keeps padding (stored -2000 -> -3024 HU); we map it to the lowest real HU of the file
        float paddingHu = (float) (Fixtures.jsonNumber(json, "pixel_padding_value", 0) * Fixtures.jsonNumber(json, "slope", 0)
                + Fixtures.jsonNumber(json, "intercept", 0));
        assertEquals(-3024f, paddingHu);
        int expectedPadding = 0;
        float lowestReal = Float.POSITIVE_INFINITY;
        for (short v : reference) {
            if (v == paddingHu) {
                expectedPadding++;
            } else {
                lowestReal = Math.min(lowestReal, v);
            }
        }
        assertTrue(expectedPadding > 10_000, "the fixture has a padded rim outside the field of view");
        assertEquals(expectedPadding, file.paddingVoxels());
        assertMatchesReference(file.hu(), reference, paddingHu, lowestReal);
        assertGeometry(file, json);
    }

    @Test
    void singleFileSeriesIsCanonicalOneSliceVolume() {
        DicomReadResult result = DicomSeriesReader.read(List.of(
                new DicomInput("CT_small.dcm", Fixtures.bytes("CT_small.dcm")),
                new DicomInput("rle.dcm", Fixtures.bytes("rle.dcm"))));
        assertEquals(List.of(), result.rejected());
        assertEquals(2, result.series().size(), "the two fixtures have different SeriesInstanceUIDs");
        for (DicomSeries series : result.series()) {
            Volume v = series.volume();
            String stem = series.sourceFiles().get(0).replace(".dcm", "");
            short[] reference = Fixtures.referenceHu(stem);
            assertEquals(1, v.slices());
            assertEquals(reference.length, v.voxels().length);
            assertEquals(0.661468, v.spacingX(), 1e-9);
            assertEquals(0.661468, v.spacingY(), 1e-9);
            assertEquals(5.0, v.spacingZ(), 1e-9);
            assertTrue(series.warnings().stream().anyMatch(w -> w.startsWith("single slice: z spacing taken from")), series.warnings().toString());
            assertEquals(64, series.seriesKey().length());
            // axial (1,0,0,0,1,0): canonical layout is the storage layout
            int checked = 0;
            for (int i = 0; i < reference.length; i++) {
                if (reference[i] != -3024) {
                    assertEquals(reference[i], v.voxels()[i], 0f, "voxel " + i);
                    checked++;
                }
            }
            assertTrue(checked > 10_000);
        }
    }

    private static void assertGeometry(DicomFile file, String json) {
        assertArrayEquals(new double[] {Fixtures.jsonNumber(json, "pixel_spacing", 0), Fixtures.jsonNumber(json, "pixel_spacing", 1)},
                file.pixelSpacing().orElseThrow(), 1e-12);
        double[] orientation = new double[6];
        for (int i = 0; i < 6; i++) {
            orientation[i] = Fixtures.jsonNumber(json, "image_orientation", i);
        }
        assertArrayEquals(orientation, file.imageOrientation().orElseThrow(), 1e-12);
        double[] position = {Fixtures.jsonNumber(json, "image_position", 0), Fixtures.jsonNumber(json, "image_position", 1),
                Fixtures.jsonNumber(json, "image_position", 2)};
        assertArrayEquals(position, file.imagePosition().orElseThrow(), 1e-9);
        assertEquals(Fixtures.jsonNumber(json, "slice_thickness", 0), file.sliceThickness().orElseThrow(), 1e-12);
        assertEquals(Fixtures.jsonNumber(json, "slope", 0), file.rescaleSlope());
        assertEquals(Fixtures.jsonNumber(json, "intercept", 0), file.rescaleIntercept());
        assertEquals(List.of(), file.warnings());
    }

    private static void assertMatchesReference(float[] hu, short[] reference, float paddingHu) {
        assertMatchesReference(hu, reference, paddingHu, Float.NaN);
    }

    private static void assertMatchesReference(float[] hu, short[] reference, float paddingHu, float fill) {
        assertEquals(reference.length, hu.length);
        for (int i = 0; i < reference.length; i++) {
            float expected = reference[i] == paddingHu ? fill : reference[i];
            if (hu[i] != expected) {
                throw new AssertionError("voxel " + i + " (row " + i / 512 + "): expected " + expected + " but was " + hu[i]);
            }
        }
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }
}
