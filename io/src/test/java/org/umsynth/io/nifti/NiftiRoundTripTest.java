package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.umsynth.io.nifti.NiftiTestFiles.assertSameVolume;
import static org.umsynth.io.nifti.NiftiTestFiles.canonical;
import static org.umsynth.io.nifti.NiftiTestFiles.read;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.umsynth.io.volume.Volume;

class NiftiRoundTripTest {

    /** Values each type holds exactly, covering its extremes. */
    private static Volume sampleFor(NiftiDataType type) {
        int cols = 7;
        int rows = 5;
        int slices = 3;
        float[] v = new float[cols * rows * slices];
        Random random = new Random(type.code());
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (type) {
                case UINT8 -> random.nextInt(256);
                case INT8 -> random.nextInt(256) - 128;
                case INT16 -> random.nextInt(65536) - 32768;
                case UINT16 -> random.nextInt(65536);
                case INT32, UINT32 -> random.nextInt(1 << 24) - (type == NiftiDataType.INT32 ? 1 << 23 : 0);
                case FLOAT32, FLOAT64 -> (float) (random.nextGaussian() * 1000);
            };
        }
        if (type.isInteger()) {
            v[0] = (float) type.minValue();
            v[1] = (float) Math.min(type.maxValue(), 1 << 24); // largest exact in float for 32-bit types
        }
        return new Volume(cols, rows, slices, 0.68, 0.71, 2.5, v);
    }

    @ParameterizedTest
    @EnumSource(NiftiDataType.class)
    void everyTypeRoundTripsExactlyPlainAndGzip(NiftiDataType type) throws IOException {
        Volume original = sampleFor(type);
        for (boolean gzip : new boolean[] {false, true}) {
            byte[] file = canonical(original, type, gzip);
            assertEquals(gzip, (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b);
            NiftiVolume back = read(file);
            assertSameVolume(original, back.volume());
            assertEquals(type, back.storedType());
            assertEquals("LPS", back.storageAxisCodes());
            assertEquals(NiftiVolume.AffineSource.SFORM, back.affineSource());
            assertTrue(back.warnings().isEmpty(), back.warnings().toString());
            assertEquals("umsynth", back.description());
        }
    }

    @Test
    void plainFileHasExactSizeAndBothTransforms() throws IOException {
        Volume v = sampleFor(NiftiDataType.INT16);
        byte[] file = canonical(v, NiftiDataType.INT16, false);
        assertEquals(352 + 2L * v.voxels().length, file.length);
        NiftiHeader h = NiftiHeader.decode(file, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, h.sformCode());
        assertEquals(1, h.qformCode());
        // the qform alone must give the same volume as the sform
        byte[] qformOnly = NiftiTestFiles.patchShort(file, 254, 0);
        NiftiVolume back = read(qformOnly);
        assertEquals(NiftiVolume.AffineSource.QFORM, back.affineSource());
        assertSameVolume(v, back.volume());
        // float32 header fields give back the decimal that was written, not 0.6799999833106995
        assertEquals(0.68, back.volume().spacingX());
        assertEquals(0.71, back.volume().spacingY());
        assertEquals(-v.spacingX(), h.sformAffine()[0][0], 1e-6);
        assertEquals(-v.spacingY(), h.sformAffine()[1][1], 1e-6);
        assertEquals(v.spacingZ(), h.sformAffine()[2][2], 1e-6);
    }

    @Test
    void integerTypesRoundHalfToEvenAndRefuseWhatTheyCannotHold() throws IOException {
        Volume halves = new Volume(4, 1, 1, 1, 1, 1, new float[] {1.5f, 2.5f, -1.5f, 7.49f});
        assertArrayEquals(new float[] {2f, 2f, -2f, 7f}, read(canonical(halves, NiftiDataType.INT16, false)).volume().voxels());

        assertRefused(new float[] {0, 40000}, NiftiDataType.INT16, "voxel (1, 0, 0) = 40000.0 is outside the INT16 range -32768..32767");
        assertRefused(new float[] {-1, 3}, NiftiDataType.UINT8, "voxel (0, 0, 0) = -1.0 is outside the UINT8 range 0..255");
        assertRefused(new float[] {255.6f, 3}, NiftiDataType.UINT8, "outside the UINT8 range");
        assertRefused(new float[] {3, Float.NaN}, NiftiDataType.INT32, "voxel (1, 0, 0) is NaN, which INT32 cannot store");
        assertRefused(new float[] {Float.POSITIVE_INFINITY, 3}, NiftiDataType.INT16, "is Infinity");
        // floating point types store NaN and infinities as they are
        Volume special = new Volume(3, 1, 1, 1, 1, 1, new float[] {Float.NaN, Float.NEGATIVE_INFINITY, 4});
        NiftiVolume back = read(canonical(special, NiftiDataType.FLOAT32, true));
        assertArrayEquals(special.voxels(), back.volume().voxels());
        assertEquals("2 of 3 voxels are NaN or infinite", back.warnings().get(0));
    }

    @Test
    void writerRefusesSpacingThatIsNotPositive() {
        for (double bad : new double[] {0, -0.7, Double.NaN, Double.POSITIVE_INFINITY}) {
            Volume v = new Volume(2, 1, 1, 0.7, bad, 1, new float[] {1, 2});
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NiftiWriter.write(v, NiftiDataType.INT16, out, false));
            assertEquals("spacing " + bad + " mm cannot be written: it must be positive and finite", e.getMessage());
            assertEquals(0, out.size());
        }
    }

    private static void assertRefused(float[] values, NiftiDataType type, String reasonPart) throws IOException {
        Volume v = new Volume(values.length, 1, 1, 1, 1, 1, values);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NiftiWriter.write(v, type, out, true));
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
        assertEquals(0, out.size(), "nothing may be written when a value is refused");
    }

    @Test
    void writerLeavesTheCallersStreamOpenAndReaderReadsOnlyItsFile(@TempDir Path dir) throws IOException {
        Volume v = sampleFor(NiftiDataType.FLOAT32);
        Path file = dir.resolve("ct.nii.gz");
        try (var out = Files.newOutputStream(file)) {
            NiftiWriter.write(v, NiftiDataType.FLOAT32, out, true);
            NiftiWriter.write(v, NiftiDataType.FLOAT32, out, true); // still open: a second member fits
        }
        try (InputStream in = Files.newInputStream(file)) {
            NiftiVolume back = NiftiReader.read(in, file.toString(), Files.size(file), NiftiReader.DEFAULT_MAX_VOXELS);
            assertSameVolume(v, back.volume());
        }
        boolean[] closed = {false};
        InputStream watched = new ByteArrayInputStream(Files.readAllBytes(file)) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        NiftiReader.read(watched, "ct.nii.gz");
        assertTrue(!closed[0], "the reader must not close the caller's stream");
    }
}
