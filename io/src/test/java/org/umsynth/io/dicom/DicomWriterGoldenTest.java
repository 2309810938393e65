package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The writer's files are read by pydicom as intended: the committed writer_*.dcm were produced by
 * this writer (regenerate with -Dumsynth.dicom.regenerate=DIR, see make_reference.sh) and decoded
 * by pydicom into writer_*.hu.raw. The writer must still produce them byte for byte, and pydicom's
 * HU must equal the values the writer was given and what our parser reads.
 */
class DicomWriterGoldenTest {

    static Map<String, DicomWriter.CtImage> images() {
        int[] s16 = new int[3 * 4 * 5];
        for (int i = 0; i < s16.length; i++) {
            s16[i] = i * 97 - 2000;
        }
        int[] s8 = new int[2 * 4 * 5];
        for (int i = 0; i < s8.length; i++) {
            s8[i] = i < 12 ? 9 : (i * 13) & 0xFF;
        }
        Map<String, DicomWriter.CtImage> images = new LinkedHashMap<>();
        for (TransferSyntax syntax : TransferSyntax.values()) {
            String name = syntax.name().toLowerCase(java.util.Locale.ROOT).replace("_little_endian", "");
            images.put("writer_" + name + "_16", new DicomWriter.CtImage(4, 5, s16).transferSyntax(syntax)
                    .rescaleSlope(1.0).rescaleIntercept(-1024.0).pixelSpacing(0.5, 0.75).imagePosition(1.5, -2.25, 300.125)
                    .sliceThickness(1.25).spacingBetweenSlices(1.25).withSequences(true).patientName("NOT^REAL"));
            images.put("writer_" + name + "_8", new DicomWriter.CtImage(4, 5, s8).transferSyntax(syntax)
                    .bitsAllocated(8).bitsStored(8).pixelRepresentation(0).rescaleSlope(2.0).rescaleIntercept(-100.0));
        }
        return images;
    }

    @Test
    void writerOutputIsStableAndPydicomDecodesItToTheWrittenValues() throws Exception {
        String regenerate = System.getProperty("umsynth.dicom.regenerate");
        for (Map.Entry<String, DicomWriter.CtImage> entry : images().entrySet()) {
            byte[] written = DicomWriter.write(entry.getValue());
            if (regenerate != null) {
                Files.write(Path.of(regenerate, entry.getKey() + ".dcm"), written);
                continue;
            }
            assertArrayEquals(Fixtures.bytes(entry.getKey() + ".dcm"), written, entry.getKey() + " changed");
            DicomFile ours = DicomParser.parse(written, entry.getKey(), DicomParser.DEFAULT_MAX_VOXELS);
            short[] pydicom = Fixtures.referenceHu(entry.getKey());
            assertEquals(ours.hu().length, pydicom.length, entry.getKey());
            String json = Fixtures.json(entry.getKey());
            assertEquals(ours.frames() > 1 ? ours.frames() : ours.rows(), (int) Fixtures.jsonNumber(json, "shape", 0));
            for (int i = 0; i < pydicom.length; i++) {
                assertEquals(pydicom[i], ours.hu()[i], 0f, entry.getKey() + " voxel " + i);
            }
        }
    }

}
