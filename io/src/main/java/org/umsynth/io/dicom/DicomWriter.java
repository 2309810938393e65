package org.umsynth.io.dicom;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes a CT image (one or more frames) as a DICOM Part-10 file in implicit VR little endian,
 * explicit VR little endian or RLE lossless. Minimal but conformant enough for
 * {@link DicomParser} and pydicom: used by tests to build series and bad files, and by the phantom
 * to emit DICOM series.
 *
 * <p>Any attribute set to {@code null} is omitted, which is how tests build files with missing
 * tags. Patient attributes are only written when asked for (they exist to prove de-identification).
 */
public final class DicomWriter {
    /** CT Image Storage. */
    public static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
    private static final String IMPLEMENTATION_CLASS_UID = "1.2.826.0.1.3680043.10.1453.1";
    private static final long UNDEFINED_LENGTH = 0xFFFF_FFFFL;

    private DicomWriter() {}

    /** The attributes of one CT image; fluent setters, {@code null} omits the attribute. */
    public static final class CtImage {
        private final int rows;
        private final int cols;
        private final int[] stored;
        private int frames = 1;
        private String transferSyntaxUid = TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN.uid();
        private String sopClassUid = CT_IMAGE_STORAGE;
        private String sopInstanceUid = "1.2.826.0.1.3680043.10.1453.2.1";
        private String modality = "CT";
        private String seriesInstanceUid = "1.2.826.0.1.3680043.10.1453.3.1";
        private String studyInstanceUid;
        private String patientName;
        private String patientId;
        private String institutionName;
        private boolean withSequences;
        private Integer instanceNumber = 1;
        private double[] imagePosition = {0, 0, 0};
        private double[] imageOrientation = {1, 0, 0, 0, 1, 0};
        private double[] pixelSpacing = {1, 1};
        private Double sliceThickness;
        private Double spacingBetweenSlices;
        private Integer samplesPerPixel = 1;
        private String photometricInterpretation = "MONOCHROME2";
        private Integer bitsAllocated = 16;
        private Integer bitsStored = 16;
        private Integer highBit;
        private Integer pixelRepresentation = 1;
        private Integer pixelPaddingValue;
        private Double rescaleSlope = 1.0;
        private Double rescaleIntercept = 0.0;
        private Integer declaredRows;
        private Integer declaredCols;

        /**
         * @param rows   image rows
         * @param cols   image columns
         * @param stored stored pixel values (before rescale), frame after frame, rows x cols row-major
         */
        public CtImage(int rows, int cols, int[] stored) {
            if (rows <= 0 || cols <= 0 || stored.length % (rows * cols) != 0 || stored.length == 0) {
                throw new IllegalArgumentException("stored holds " + stored.length + " values, not a multiple of " + rows + " x " + cols);
            }
            this.rows = rows;
            this.cols = cols;
            this.stored = stored.clone();
            this.frames = stored.length / (rows * cols);
        }

        public CtImage transferSyntax(TransferSyntax syntax) { this.transferSyntaxUid = syntax.uid(); return this; }
        /** Any UID, including unsupported ones (the data set is then written as explicit VR LE, native). */
        public CtImage transferSyntaxUid(String uid) { this.transferSyntaxUid = uid; return this; }
        public CtImage sopClassUid(String uid) { this.sopClassUid = uid; return this; }
        public CtImage sopInstanceUid(String uid) { this.sopInstanceUid = uid; return this; }
        public CtImage modality(String value) { this.modality = value; return this; }
        public CtImage seriesInstanceUid(String uid) { this.seriesInstanceUid = uid; return this; }
        public CtImage studyInstanceUid(String uid) { this.studyInstanceUid = uid; return this; }
        public CtImage patientName(String value) { this.patientName = value; return this; }
        public CtImage patientId(String value) { this.patientId = value; return this; }
        public CtImage institutionName(String value) { this.institutionName = value; return this; }
        /** Adds two sequences (defined and undefined length, nested items) that repeat the patient attributes. */
        public CtImage withSequences(boolean value) { this.withSequences = value; return this; }
        public CtImage instanceNumber(Integer value) { this.instanceNumber = value; return this; }
        public CtImage imagePosition(double... xyz) { this.imagePosition = xyz == null ? null : xyz.clone(); return this; }
        public CtImage imageOrientation(double... rowThenColumnCosines) { this.imageOrientation = rowThenColumnCosines == null ? null : rowThenColumnCosines.clone(); return this; }
        /** DICOM order: row spacing (between rows), column spacing (between columns). */
        public CtImage pixelSpacing(double... rowThenColumn) { this.pixelSpacing = rowThenColumn == null ? null : rowThenColumn.clone(); return this; }
        public CtImage sliceThickness(Double value) { this.sliceThickness = value; return this; }
        public CtImage spacingBetweenSlices(Double value) { this.spacingBetweenSlices = value; return this; }
        public CtImage samplesPerPixel(Integer value) { this.samplesPerPixel = value; return this; }
        public CtImage photometricInterpretation(String value) { this.photometricInterpretation = value; return this; }
        public CtImage bitsAllocated(Integer value) { this.bitsAllocated = value; return this; }
        public CtImage bitsStored(Integer value) { this.bitsStored = value; return this; }
        /** Defaults to BitsStored - 1. */
        public CtImage highBit(Integer value) { this.highBit = value; return this; }
        public CtImage pixelRepresentation(Integer value) { this.pixelRepresentation = value; return this; }
        public CtImage pixelPaddingValue(Integer value) { this.pixelPaddingValue = value; return this; }
        public CtImage rescaleSlope(Double value) { this.rescaleSlope = value; return this; }
        public CtImage rescaleIntercept(Double value) { this.rescaleIntercept = value; return this; }
        /** Declares other Rows/Columns than the pixel data holds (for bad-file tests). */
        public CtImage declaredSize(Integer rows, Integer cols) { this.declaredRows = rows; this.declaredCols = cols; return this; }
    }

    /**
     * Convenience for HU data: stores round((hu - intercept) / slope) as signed 16 bits.
     *
     * @throws IllegalArgumentException if a value does not fit in int16
     */
    public static int[] storedFromHu(float[] hu, double slope, double intercept) {
        int[] stored = new int[hu.length];
        for (int i = 0; i < hu.length; i++) {
            long value = Math.round((hu[i] - intercept) / slope);
            if (value < Short.MIN_VALUE || value > Short.MAX_VALUE) {
                throw new IllegalArgumentException("HU " + hu[i] + " does not fit int16 with slope " + slope + ", intercept " + intercept);
            }
            stored[i] = (int) value;
        }
        return stored;
    }

    /** The Part-10 file bytes. */
    public static byte[] write(CtImage image) {
        Objects.requireNonNull(image, "image");
        TransferSyntax syntax = TransferSyntax.forUid(image.transferSyntaxUid).orElse(TransferSyntax.EXPLICIT_VR_LITTLE_ENDIAN);
        Out meta = new Out(true);
        meta.element(0x0002_0001, "OB", new byte[] {0, 1});
        meta.ui(0x0002_0002, image.sopClassUid);
        meta.ui(0x0002_0003, image.sopInstanceUid);
        meta.ui(0x0002_0010, image.transferSyntaxUid);
        meta.ui(0x0002_0012, IMPLEMENTATION_CLASS_UID);
        byte[] metaBytes = meta.bytes();

        Out data = new Out(syntax.explicitVr());
        data.ui(0x0008_0016, image.sopClassUid);
        data.ui(0x0008_0018, image.sopInstanceUid);
        data.text(0x0008_0060, "CS", image.modality);
        data.text(0x0008_0080, "LO", image.institutionName);
        if (image.withSequences) {
            data.definedLengthSequence(0x0008_1111, image);
            data.undefinedLengthSequence(0x0008_1140, image);
        }
        data.text(0x0010_0010, "PN", image.patientName);
        data.text(0x0010_0020, "LO", image.patientId);
        data.ds(0x0018_0050, image.sliceThickness == null ? null : new double[] {image.sliceThickness});
        data.ds(0x0018_0088, image.spacingBetweenSlices == null ? null : new double[] {image.spacingBetweenSlices});
        data.ui(0x0020_000D, image.studyInstanceUid);
        data.ui(0x0020_000E, image.seriesInstanceUid);
        data.text(0x0020_0013, "IS", image.instanceNumber == null ? null : image.instanceNumber.toString());
        data.ds(0x0020_0032, image.imagePosition);
        data.ds(0x0020_0037, image.imageOrientation);
        data.us(0x0028_0002, image.samplesPerPixel);
        data.text(0x0028_0004, "CS", image.photometricInterpretation);
        if (image.frames > 1) {
            data.text(0x0028_0008, "IS", Integer.toString(image.frames));
        }
        data.us(0x0028_0010, image.declaredRows != null ? image.declaredRows : image.rows);
        data.us(0x0028_0011, image.declaredCols != null ? image.declaredCols : image.cols);
        data.ds(0x0028_0030, image.pixelSpacing);
        data.us(0x0028_0100, image.bitsAllocated);
        data.us(0x0028_0101, image.bitsStored);
        Integer highBit = image.highBit != null ? image.highBit : image.bitsStored == null ? null : image.bitsStored - 1;
        data.us(0x0028_0102, highBit);
        data.us(0x0028_0103, image.pixelRepresentation);
        if (image.pixelPaddingValue != null) {
            boolean signed = image.pixelRepresentation != null && image.pixelRepresentation == 1;
            data.element(0x0028_0120, signed ? "SS" : "US", le16(image.pixelPaddingValue));
        }
        data.ds(0x0028_1052, image.rescaleIntercept == null ? null : new double[] {image.rescaleIntercept});
        data.ds(0x0028_1053, image.rescaleSlope == null ? null : new double[] {image.rescaleSlope});
        int bytesPerSample = image.bitsAllocated != null && image.bitsAllocated == 8 ? 1 : 2;
        byte[] samples = samples(image.stored, bytesPerSample);
        if (syntax.encapsulated()) {
            data.encapsulatedPixels(rleFrames(samples, image.frames, image.rows * image.cols, bytesPerSample));
        } else {
            data.element(0x7FE0_0010, bytesPerSample == 1 ? "OB" : "OW", samples);
        }

        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(new byte[128]);
        file.writeBytes("DICM".getBytes(StandardCharsets.US_ASCII));
        Out groupLength = new Out(true);
        groupLength.element(0x0002_0000, "UL", le32(metaBytes.length));
        file.writeBytes(groupLength.bytes());
        file.writeBytes(metaBytes);
        file.writeBytes(data.bytes());
        return file.toByteArray();
    }

    private static byte[] samples(int[] stored, int bytesPerSample) {
        byte[] out = new byte[stored.length * bytesPerSample];
        for (int i = 0; i < stored.length; i++) {
            out[i * bytesPerSample] = (byte) stored[i];
            if (bytesPerSample == 2) {
                out[i * 2 + 1] = (byte) (stored[i] >> 8);
            }
        }
        return out;
    }

    /** RLE lossless frames: header + one PackBits segment per byte plane, most significant first. */
    static List<byte[]> rleFrames(byte[] samples, int frames, int pixels, int bytesPerSample) {
        List<byte[]> out = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            byte[][] segments = new byte[bytesPerSample][];
            for (int s = 0; s < bytesPerSample; s++) {
                byte[] plane = new byte[pixels];
                int byteInSample = bytesPerSample - 1 - s;
                for (int p = 0; p < pixels; p++) {
                    plane[p] = samples[(f * pixels + p) * bytesPerSample + byteInSample];
                }
                segments[s] = packBits(plane);
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            byte[] header = new byte[64];
            writeLe32(header, 0, bytesPerSample);
            int offset = 64;
            for (int s = 0; s < bytesPerSample; s++) {
                writeLe32(header, 4 + 4 * s, offset);
                offset += segments[s].length;
            }
            frame.writeBytes(header);
            for (byte[] segment : segments) {
                frame.writeBytes(segment);
            }
            out.add(frame.toByteArray());
        }
        return out;
    }

    /** PackBits: replicate runs of 2..128 equal bytes, literal runs of up to 128 bytes; padded to even length. */
    static byte[] packBits(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int run = 1;
            while (i + run < in.length && run < 128 && in[i + run] == in[i]) {
                run++;
            }
            if (run >= 2) {
                out.write(1 - run);
                out.write(in[i]);
                i += run;
                continue;
            }
            int start = i;
            while (i < in.length && i - start < 128 && !(i + 1 < in.length && in[i] == in[i + 1])) {
                i++;
            }
            out.write(i - start - 1);
            out.write(in, start, i - start);
        }
        if (out.size() % 2 == 1) {
            out.write(-128 & 0xFF); // no-op, keeps segments even as PS3.5 G.3.1 asks
        }
        return out.toByteArray();
    }

    private static byte[] le16(int value) { return new byte[] {(byte) value, (byte) (value >> 8)}; }

    private static byte[] le32(long value) {
        byte[] b = new byte[4];
        writeLe32(b, 0, value);
        return b;
    }

    private static void writeLe32(byte[] b, int off, long value) {
        b[off] = (byte) value;
        b[off + 1] = (byte) (value >> 8);
        b[off + 2] = (byte) (value >> 16);
        b[off + 3] = (byte) (value >> 24);
    }

    /** Element encoder for one VR encoding. */
    private static final class Out {
        private final boolean explicit;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Out(boolean explicit) { this.explicit = explicit; }

        byte[] bytes() { return out.toByteArray(); }

        void tag(int tag) {
            out.writeBytes(le16(tag >>> 16));
            out.writeBytes(le16(tag & 0xFFFF));
        }

        void header(int tag, String vr, long length) {
            tag(tag);
            if (!explicit) {
                out.writeBytes(le32(length));
                return;
            }
            out.writeBytes(vr.getBytes(StandardCharsets.US_ASCII));
            if (List.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV").contains(vr)) {
                out.writeBytes(new byte[2]);
                out.writeBytes(le32(length));
            } else {
                out.writeBytes(le16((int) length));
            }
        }

        void element(int tag, String vr, byte[] value) {
            boolean pad = value.length % 2 == 1;
            header(tag, vr, value.length + (pad ? 1 : 0));
            out.writeBytes(value);
            if (pad) {
                out.write(vr.equals("UI") || vr.startsWith("O") ? 0 : ' ');
            }
        }

        void text(int tag, String vr, String value) {
            if (value != null) {
                element(tag, vr, value.getBytes(StandardCharsets.ISO_8859_1));
            }
        }

        void ui(int tag, String value) { text(tag, "UI", value); }

        void us(int tag, Integer value) {
            if (value != null) {
                element(tag, "US", le16(value));
            }
        }

        void ds(int tag, double[] values) {
            if (values == null) {
                return;
            }
            StringBuilder text = new StringBuilder();
            for (double v : values) {
                if (text.length() > 0) {
                    text.append('\\');
                }
                text.append(decimalString(v));
            }
            text(tag, "DS", text.toString());
        }

        /** Defined-length sequence with one defined-length item holding patient attributes. */
        void definedLengthSequence(int tag, CtImage image) {
            Out item = new Out(explicit);
            item.ui(0x0008_1150, CT_IMAGE_STORAGE);
            item.text(0x0010_0010, "PN", image.patientName);
            item.us(0x0028_0010, 1); // an allowlisted tag inside a sequence must not be taken for the image's
            byte[] itemBytes = item.bytes();
            header(tag, "SQ", 8 + itemBytes.length);
            tag(DicomTag.ITEM);
            out.writeBytes(le32(itemBytes.length));
            out.writeBytes(itemBytes);
        }

        /** Undefined-length sequence: an undefined-length item with a nested undefined-length sequence, then a defined one. */
        void undefinedLengthSequence(int tag, CtImage image) {
            header(tag, "SQ", UNDEFINED_LENGTH);
            tag(DicomTag.ITEM);
            out.writeBytes(le32(UNDEFINED_LENGTH));
            ui(0x0008_1150, CT_IMAGE_STORAGE);
            text(0x0010_0020, "LO", image.patientId);
            header(0x0040_A730, "SQ", UNDEFINED_LENGTH);
            tag(DicomTag.ITEM);
            out.writeBytes(le32(UNDEFINED_LENGTH));
            text(0x0010_0010, "PN", image.patientName);
            us(0x0028_0011, 1);
            tag(DicomTag.ITEM_DELIMITATION);
            out.writeBytes(le32(0));
            tag(DicomTag.SEQUENCE_DELIMITATION);
            out.writeBytes(le32(0));
            tag(DicomTag.ITEM_DELIMITATION);
            out.writeBytes(le32(0));
            Out item = new Out(explicit);
            item.text(0x0008_0060, "CS", "MR");
            item.text(0x0010_0010, "PN", image.patientName);
            byte[] itemBytes = item.bytes();
            tag(DicomTag.ITEM);
            out.writeBytes(le32(itemBytes.length));
            out.writeBytes(itemBytes);
            tag(DicomTag.SEQUENCE_DELIMITATION);
            out.writeBytes(le32(0));
        }

        /** Encapsulated Pixel Data: Basic Offset Table (filled when there are several frames), one fragment per frame. */
        void encapsulatedPixels(List<byte[]> frames) {
            header(0x7FE0_0010, "OB", UNDEFINED_LENGTH);
            tag(DicomTag.ITEM);
            if (frames.size() == 1) {
                out.writeBytes(le32(0));
            } else {
                out.writeBytes(le32(4L * frames.size()));
                long offset = 0;
                for (byte[] frame : frames) {
                    out.writeBytes(le32(offset));
                    offset += 8 + frame.length;
                }
            }
            for (byte[] frame : frames) {
                tag(DicomTag.ITEM);
                out.writeBytes(le32(frame.length));
                out.writeBytes(frame);
            }
            tag(DicomTag.SEQUENCE_DELIMITATION);
            out.writeBytes(le32(0));
        }
    }

    /** DS: at most 16 characters. */
    static String decimalString(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("DS cannot hold " + value);
        }
        String plain = BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        if (plain.length() <= 16) {
            return plain;
        }
        for (int digits = 15; digits > 0; digits--) {
            String s = String.format(java.util.Locale.ROOT, "%." + digits + "g", value).trim();
            if (s.length() <= 16) {
                return s;
            }
        }
        throw new IllegalArgumentException("DS cannot hold " + value);
    }
}
