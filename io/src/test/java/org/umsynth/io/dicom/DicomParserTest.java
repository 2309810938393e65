package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;
import org.umsynth.io.InvalidInputException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DicomParserTest {
    private static final long LIMIT = DicomParser.DEFAULT_MAX_VOXELS;

    private static int[] ramp(int n, int from) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = from + 37 * i;
        }
        return v;
    }

    private static DicomWriter.CtImage image(int[] stored) {
        return new DicomWriter.CtImage(4, 5, stored).rescaleSlope(1.0).rescaleIntercept(-1024.0);
    }

    private static String reason(byte[] bytes) {
        return assertThrows(InvalidInputException.class, () -> DicomParser.parse(bytes, "f.dcm", LIMIT)).reason();
    }

    @Test
    void implicitExplicitAndRleWritingDecodeToTheSameHu() throws Exception {
        int[] stored = ramp(20, -300);
        float[] expected = new float[20];
        for (int i = 0; i < 20; i++) {
            expected[i] = stored[i] - 1024f;
        }
        for (TransferSyntax syntax : TransferSyntax.values()) {
            DicomFile file = DicomParser.parse(DicomWriter.write(image(stored).transferSyntax(syntax).withSequences(true)
                    .patientName("SOMEONE").sliceThickness(2.5)), "f.dcm", LIMIT);
            assertEquals(syntax, file.transferSyntax());
            assertEquals(4, file.rows());
            assertEquals(5, file.cols());
            assertArrayEquals(expected, file.hu(), syntax.name());
            assertEquals(2.5, file.sliceThickness().orElseThrow());
            assertEquals(DicomParser.sha256("1.2.826.0.1.3680043.10.1453.3.1"), file.seriesKey().orElseThrow());
            assertEquals(DicomWriter.CT_IMAGE_STORAGE, file.sopClassUid().orElseThrow());
            assertEquals(java.util.List.of(), file.warnings());
        }
    }

    @Test
    void undefinedLengthUnElementIsSkippedAsImplicitVrSequence() throws Exception {
        byte[] file = DicomWriter.write(image(ramp(20, 0)));
        ByteArrayOutputStream un = new ByteArrayOutputStream();
        un.writeBytes(new byte[] {0x09, 0x00, 0x10, 0x10, 'U', 'N', 0, 0, -1, -1, -1, -1}); // (0009,1010) UN, undefined
        un.writeBytes(new byte[] {-2, -1, 0x00, -32, -1, -1, -1, -1});                     // item, undefined
        un.writeBytes(new byte[] {0x10, 0x00, 0x10, 0x00, 8, 0, 0, 0});                    // implicit (0010,0010), 8 bytes
        un.writeBytes("SECRET^X".getBytes(StandardCharsets.US_ASCII));
        un.writeBytes(new byte[] {0x08, 0x00, 0x40, 0x11, -1, -1, -1, -1});                // implicit nested sequence, undefined
        un.writeBytes(new byte[] {-2, -1, 0x00, -32, 4, 0, 0, 0, 1, 2, 3, 4});             // defined-length item
        un.writeBytes(new byte[] {-2, -1, -35, -32, 0, 0, 0, 0});                          // sequence delimiter
        un.writeBytes(new byte[] {-2, -1, 0x0D, -32, 0, 0, 0, 0});                         // item delimiter
        un.writeBytes(new byte[] {-2, -1, -35, -32, 0, 0, 0, 0});                          // sequence delimiter
        int at = indexOf(file, new byte[] {0x28, 0x00, 0x02, 0x00, 'U', 'S'});              // before SamplesPerPixel
        ByteArrayOutputStream spliced = new ByteArrayOutputStream();
        spliced.write(file, 0, at);
        spliced.writeBytes(un.toByteArray());
        spliced.write(file, at, file.length - at);
        DicomFile parsed = DicomParser.parse(spliced.toByteArray(), "f.dcm", LIMIT);
        assertEquals(4, parsed.rows());
        assertEquals(-1024f, parsed.hu()[0], 0f);
        // the same bytes read as explicit VR would fail: the nested VR is not two letters
        byte[] asSq = spliced.toByteArray();
        asSq[at + 4] = 'S';
        asSq[at + 5] = 'Q';
        assertTrue(reason(asSq).startsWith("invalid explicit VR for element (0010,0010)"));
    }

    @Test
    void storedFromHuRoundTripsThroughSlopeAndIntercept() throws Exception {
        float[] hu = {-1024f, -1000.5f, 0f, 40f, 3071f, -3024f};
        int[] stored = DicomWriter.storedFromHu(hu, 0.5, -1024.0);
        assertArrayEquals(new int[] {0, 47, 2048, 2128, 8190, -4000}, stored);
        DicomFile file = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(2, 3, stored)
                .rescaleSlope(0.5).rescaleIntercept(-1024.0)), "f.dcm", LIMIT);
        assertArrayEquals(hu, file.hu());
        assertThrows(IllegalArgumentException.class, () -> DicomWriter.storedFromHu(new float[] {40000f}, 1.0, 0.0));
    }

    @Test
    void storedValuesAreMaskedToBitsStoredAndSignExtended() throws Exception {
        // 12 bits stored in 16: garbage in the top nibble must be ignored, bit 11 is the sign
        int[] values = {-5, 2047, -2048, 0, 100};
        int[] raw = new int[20];
        for (int i = 0; i < 20; i++) {
            raw[i] = (values[i % 5] & 0x0FFF) | 0xA000;
        }
        DicomFile signed = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(4, 5, raw).bitsStored(12)
                .pixelRepresentation(1).rescaleSlope(1.0).rescaleIntercept(0.0)), "f.dcm", LIMIT);
        for (int i = 0; i < 20; i++) {
            assertEquals(values[i % 5], signed.hu()[i], 0f, "voxel " + i);
        }
        DicomFile unsigned = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(4, 5, raw).bitsStored(12)
                .pixelRepresentation(0).rescaleSlope(1.0).rescaleIntercept(0.0)), "f.dcm", LIMIT);
        assertEquals(0xFFB, unsigned.hu()[0], 0f);
    }

    @Test
    void eightBitUnsignedWithSlopeAndInterceptInRle() throws Exception {
        int[] stored = new int[20];
        for (int i = 0; i < 20; i++) {
            stored[i] = i < 10 ? 7 : 200 + i; // a replicate run then literals
        }
        for (TransferSyntax syntax : new TransferSyntax[] {TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntax.RLE_LOSSLESS}) {
            DicomFile file = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(4, 5, stored).transferSyntax(syntax)
                    .bitsAllocated(8).bitsStored(8).pixelRepresentation(0).rescaleSlope(2.0).rescaleIntercept(-100.0)), "f.dcm", LIMIT);
            for (int i = 0; i < 20; i++) {
                assertEquals(stored[i] * 2 - 100, file.hu()[i], 0f, syntax + " voxel " + i);
            }
        }
    }

    @Test
    void multiFrameRleUsesTheBasicOffsetTable() throws Exception {
        int[] stored = ramp(60, -1000);
        DicomFile file = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(4, 5, stored)
                .transferSyntax(TransferSyntax.RLE_LOSSLESS).rescaleSlope(1.0).rescaleIntercept(0.0)), "f.dcm", LIMIT);
        assertEquals(3, file.frames());
        for (int i = 0; i < 60; i++) {
            assertEquals(stored[i], file.hu()[i], 0f);
        }
    }

    @Test
    void packBitsRoundTripsLongRunsAndLiterals() throws Exception {
        byte[] plane = new byte[1000];
        for (int i = 0; i < plane.length; i++) {
            plane[i] = (byte) (i < 300 ? 5 : i < 700 ? i * 31 : (i / 3));
        }
        byte[] segment = DicomWriter.packBits(plane);
        byte[] frame = new byte[64 + segment.length];
        frame[0] = 1;
        frame[4] = 64;
        System.arraycopy(segment, 0, frame, 64, segment.length);
        assertArrayEquals(plane, RleDecoder.decodeFrame(frame, plane.length, 1, "f", 0));
        // one byte short: the segment no longer fills the plane
        byte[] cut = Arrays.copyOf(frame, frame.length - 2);
        assertThrows(InvalidInputException.class, () -> RleDecoder.decodeFrame(cut, plane.length, 1, "f", 0));
    }

    @Test
    void missingRescaleIsIdentityWithWarningAndMonochrome1IsNotInverted() throws Exception {
        int[] stored = ramp(20, -50);
        DicomFile file = DicomParser.parse(DicomWriter.write(new DicomWriter.CtImage(4, 5, stored)
                .rescaleSlope(null).rescaleIntercept(null).photometricInterpretation("MONOCHROME1")), "f.dcm", LIMIT);
        for (int i = 0; i < 20; i++) {
            assertEquals(stored[i], file.hu()[i], 0f);
        }
        assertEquals(1.0, file.rescaleSlope());
        assertEquals(0.0, file.rescaleIntercept());
        assertTrue(file.warnings().stream().anyMatch(w -> w.startsWith("no RescaleSlope/RescaleIntercept")), file.warnings().toString());
        assertTrue(file.warnings().stream().anyMatch(w -> w.startsWith("MONOCHROME1")), file.warnings().toString());
    }

    @Test
    void paddingVoxelsBecomeTheLowestRealValue() throws Exception {
        int[] stored = ramp(20, -900);
        stored[0] = -2000;
        stored[7] = -2000;
        DicomFile file = DicomParser.parse(DicomWriter.write(image(stored).pixelPaddingValue(-2000)), "f.dcm", LIMIT);
        assertEquals(2, file.paddingVoxels());
        float lowestReal = stored[1] - 1024f;
        assertEquals(lowestReal, file.hu()[0], 0f);
        assertEquals(lowestReal, file.hu()[7], 0f);
        assertEquals(stored[19] - 1024f, file.hu()[19], 0f);
    }

    @Test
    void rejectsEmptyTextAndNonPart10Files() {
        assertEquals("empty file", reason(new byte[0]));
        assertTrue(reason("patient list\nname,id\n".getBytes(StandardCharsets.US_ASCII)).startsWith("not a DICOM Part-10 file"));
        byte[] noMarker = DicomWriter.write(image(ramp(20, 0)));
        noMarker[128] = 'X';
        assertTrue(reason(noMarker).startsWith("not a DICOM Part-10 file"));
    }

    @Test
    void rejectsUnsupportedTransferSyntaxesByName() {
        assertEquals("JPEG 2000 compressed pixel data (1.2.840.10008.1.2.4.91) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.4.91"))));
        assertEquals("explicit VR big endian (1.2.840.10008.1.2.2) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.2"))));
        assertEquals("deflated explicit VR little endian (1.2.840.10008.1.2.1.99) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.1.99"))));
        assertEquals("JPEG lossless (first-order prediction) compressed pixel data (1.2.840.10008.1.2.4.70) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.4.70"))));
        assertEquals("JPEG baseline compressed pixel data (1.2.840.10008.1.2.4.50) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.4.50"))));
        assertEquals("JPEG-LS lossless compressed pixel data (1.2.840.10008.1.2.4.80) is not supported",
                reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("1.2.840.10008.1.2.4.80"))));
        // a non-UID in the meta group is never echoed
        assertEquals("malformed Transfer Syntax UID (0002,0010)", reason(DicomWriter.write(image(ramp(20, 0)).transferSyntaxUid("DOE^JOHN"))));
    }

    @Test
    void rejectsTruncatedFilesNamingTheElement() {
        byte[] full = Fixtures.bytes("CT_small.dcm");
        String inPixels = reason(Arrays.copyOf(full, full.length - 1000));
        assertTrue(inPixels.startsWith("truncated: PixelData (7FE0,0010) of length 32768"), inPixels);
        String inHeader = reason(Arrays.copyOf(full, 600));
        assertTrue(inHeader.startsWith("truncated: "), inHeader);
        byte[] rle = Fixtures.bytes("rle.dcm");
        String inFragments = reason(Arrays.copyOf(rle, rle.length - 5000));
        assertTrue(inFragments.startsWith("truncated: PixelData (7FE0,0010)"), inFragments);
        // rle.dcm has trailing padding (FFFC,FFFC) after the sequence delimiter: cut right at the delimiter
        int delimiter = lastIndexOf(rle, new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xDD, (byte) 0xE0});
        assertTrue(delimiter > rle.length - 200);
        String beforeDelimiter = reason(Arrays.copyOf(rle, delimiter));
        assertTrue(beforeDelimiter.contains("ends before its sequence delimiter"), beforeDelimiter);
    }

    @Test
    void rejectsTruncatedUndefinedLengthSequence() {
        byte[] file = DicomWriter.write(image(ramp(20, 0)).withSequences(true).patientName("X"));
        // cut inside the undefined-length ReferencedImageSequence (0008,1140): it is followed by much more
        int at = indexOf(file, new byte[] {0x08, 0x00, 0x40, 0x11});
        assertTrue(at > 0);
        String reason = reason(Arrays.copyOf(file, at + 40));
        assertTrue(reason.startsWith("truncated: "), reason);
    }

    @Test
    void rejectsNonCtAndNonStandardModalityWithoutEchoingIt() {
        assertEquals("modality MR is not CT", reason(DicomWriter.write(image(ramp(20, 0)).modality("MR"))));
        assertEquals("modality (non-standard value) is not CT", reason(DicomWriter.write(image(ramp(20, 0)).modality("DOE^JOHN"))));
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).modality(null))).startsWith("no Modality"));
    }

    @Test
    void rejectsAbsurdDimensionsBeforeAllocating() {
        byte[] huge = DicomWriter.write(image(ramp(20, 0)).declaredSize(65535, 65535));
        assertEquals("image of 65535 x 65535 x 1 voxels exceeds the limit of " + LIMIT + " voxels", reason(huge));
        InvalidInputException small = assertThrows(InvalidInputException.class,
                () -> DicomParser.parse(DicomWriter.write(image(ramp(20, 0))), "f.dcm", 19));
        assertTrue(small.reason().contains("exceeds the limit of 19 voxels"));
    }

    @Test
    void rejectsInconsistentPixelDescriptions() {
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).declaredSize(8, 5))).startsWith("Pixel Data (7FE0,0010) holds 40 bytes; 80 expected"));
        assertEquals("BitsAllocated 32 is not supported (8 or 16)", reason(DicomWriter.write(image(ramp(20, 0)).bitsAllocated(32))));
        assertEquals("SamplesPerPixel 3 is not supported (CT has 1)", reason(DicomWriter.write(image(ramp(20, 0)).samplesPerPixel(3))));
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).bitsStored(12).highBit(15))).startsWith("HighBit 15 with BitsStored 12"));
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).photometricInterpretation("RGB"))).startsWith("PhotometricInterpretation RGB"));
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).imageOrientation(1, 0, 0, 1, 0, 0))).startsWith("ImageOrientationPatient"));
        assertTrue(reason(DicomWriter.write(image(ramp(20, 0)).imagePosition(1, 2))).startsWith("ImagePositionPatient (0020,0032) has 2 values"));
    }

    @Test
    void rejectsCorruptRleHeader() {
        byte[] rle = Fixtures.bytes("rle.dcm").clone();
        // the first fragment's RLE header follows the one-entry Basic Offset Table item: FFFE,E000 4 {0} FFFE,E000 len
        byte[] offsetTable = {(byte) 0xFE, (byte) 0xFF, 0x00, (byte) 0xE0, 4, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFE, (byte) 0xFF, 0x00, (byte) 0xE0};
        int at = indexOf(rle, offsetTable);
        assertTrue(at > 0);
        int header = at + 20;
        assertEquals(2, rle[header]);
        rle[header] = 3;
        assertEquals("RLE frame 0 has 3 segments; 2 expected for one sample of 16 bits", reason(rle));
    }

    private static int lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
