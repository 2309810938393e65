package org.umsynth.io.nifti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.umsynth.io.InvalidInputException;
import org.umsynth.io.volume.Volume;

/** Builds NIfTI files in memory and patches their headers, for the reader tests. */
final class NiftiTestFiles {
    private NiftiTestFiles() {
    }

    static byte[] storage(NiftiHeader header, double[] stored, boolean gzip) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            NiftiWriter.writeStorage(header, stored, out, gzip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] canonical(Volume volume, NiftiDataType type, boolean gzip) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            NiftiWriter.write(volume, type, out, gzip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static NiftiVolume read(byte[] file) throws IOException {
        return NiftiReader.read(new ByteArrayInputStream(file), "test.nii");
    }

    /** The reason the reader refuses the file with (fails the test if it does not). */
    static String refusal(byte[] file) {
        return refusal(file, -1, NiftiReader.DEFAULT_MAX_VOXELS);
    }

    static String refusal(byte[] file, long fileLength, long maxVoxels) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> NiftiReader.read(new ByteArrayInputStream(file), "case.nii", fileLength, maxVoxels));
        assertEquals("case.nii", e.source());
        return e.reason();
    }

    static byte[] patchShort(byte[] file, int offset, int value) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putShort(offset, (short) value);
        return copy;
    }

    static byte[] patchFloat(byte[] file, int offset, float value) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putFloat(offset, value);
        return copy;
    }

    static byte[] patchInt(byte[] file, int offset, int value) {
        byte[] copy = file.clone();
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    static byte[] gunzip(byte[] compressed) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            return in.readAllBytes();
        }
    }

    /** A volume whose every voxel value encodes its canonical position: x + 100 y + 10000 z. */
    static Volume positionCoded(int cols, int rows, int slices, double sx, double sy, double sz) {
        float[] v = new float[cols * rows * slices];
        for (int z = 0; z < slices; z++) {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    v[(z * rows + y) * cols + x] = x + 100 * y + 10000 * z;
                }
            }
        }
        return new Volume(cols, rows, slices, sx, sy, sz, v);
    }

    static void assertSameVolume(Volume expected, Volume actual) {
        assertEquals(expected.cols(), actual.cols(), "cols");
        assertEquals(expected.rows(), actual.rows(), "rows");
        assertEquals(expected.slices(), actual.slices(), "slices");
        assertEquals(expected.spacingX(), actual.spacingX(), 1e-6, "spacing x");
        assertEquals(expected.spacingY(), actual.spacingY(), 1e-6, "spacing y");
        assertEquals(expected.spacingZ(), actual.spacingZ(), 1e-6, "spacing z");
        assertArrayEquals(expected.voxels(), actual.voxels(), "voxels");
    }
}
