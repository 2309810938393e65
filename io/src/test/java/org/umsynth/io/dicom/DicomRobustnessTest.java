package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;
import org.umsynth.io.InvalidInputException;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged files either parse or are refused with InvalidInputException: never any other exception. */
class DicomRobustnessTest {
    private static final List<String> FILES = List.of("CT_small.dcm", "rle.dcm", "writer_implicit_vr_16.dcm",
            "writer_explicit_vr_16.dcm", "writer_rle_lossless_16.dcm", "writer_rle_lossless_8.dcm");

    /** The parsed file, or null when refused. */
    private static DicomFile parseOrNull(byte[] bytes, String what) {
        try {
            return DicomParser.parse(bytes, "f.dcm", 1L << 22);
        } catch (InvalidInputException e) {
            assertTrue(e.reason() != null && !e.reason().isEmpty());
            return null;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    @Test
    void everyTruncationIsRefusedUnlessOnlyTrailingBytesAfterPixelDataAreLost() {
        for (String name : FILES) {
            byte[] full = Fixtures.bytes(name);
            float[] expected = parseOrNull(full, name).hu();
            int step = full.length > 100_000 ? 251 : full.length > 20_000 ? 61 : 1;
            int accepted = 0;
            for (int length = 0; length < full.length; length += (length < 2048 ? 1 : step)) {
                DicomFile cut = parseOrNull(Arrays.copyOf(full, length), name + " cut at " + length);
                if (cut != null) {
                    assertArrayEquals(expected, cut.hu(), name + " cut at " + length + " was accepted with other pixels");
                    accepted++;
                }
            }
            // only the fixtures carry elements after Pixel Data (trailing padding); our writer ends with it
            assertTrue(name.startsWith("writer_") ? accepted == 0 : accepted < 4, name + ": " + accepted + " cuts accepted");
        }
    }

    @Test
    void randomByteDamageNeverEscapesAsAnotherException() {
        Random random = new Random(20230323);
        for (String name : FILES) {
            byte[] original = Fixtures.bytes(name);
            for (int trial = 0; trial < 300; trial++) {
                byte[] damaged = original.clone();
                int flips = 1 + random.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    // mostly the header and the first pixel bytes (where the RLE header and offsets are)
                    int limit = Math.min(damaged.length, trial % 3 == 0 ? damaged.length : 7000);
                    damaged[132 + random.nextInt(limit - 132)] = (byte) random.nextInt(256);
                }
                parseOrNull(damaged, name + " trial " + trial);
            }
        }
    }
}
