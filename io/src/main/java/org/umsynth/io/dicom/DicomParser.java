package org.umsynth.io.dicom;

import org.umsynth.io.InvalidInputException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict reader of one DICOM Part-10 CT image file (PS3.10 file format, PS3.5 encoding).
 *
 * <p>Supported transfer syntaxes: implicit VR little endian, explicit VR little endian, RLE
 * lossless. Everything else is refused with a reason naming it. Only the tags of the
 * {@link DicomTag} allowlist are decoded; all other elements, including whole sequences of
 * defined or undefined length, are skipped by length, so patient, study and institution values
 * never reach a String, a log or an exception.
 *
 * <p>Pixel policy (documented decisions):
 * <ul>
 * <li>Modality must be CT, SamplesPerPixel 1, BitsAllocated 8 or 16, HighBit = BitsStored - 1.
 * Stored values are masked to BitsStored and sign-extended when PixelRepresentation is 1.</li>
 * <li>HU = stored * RescaleSlope + RescaleIntercept; a missing slope/intercept is taken as 1/0 with
 * a warning.</li>
 * <li>MONOCHROME1 is accepted without inversion (with a warning): the photometric interpretation
 * only says how to display grey levels, the rescaled values are Hounsfield units either way
 * (pydicom's pixel_array does not invert either).</li>
 * <li>Voxels whose stored value equals PixelPaddingValue (or lies in the range up to
 * PixelPaddingRangeLimit) lie outside the reconstructed field of view; they are set to the
 * lowest HU among the file's other voxels (air), or kept as is if every voxel is padding.</li>
 * </ul>
 */
public final class DicomParser {
    /** Default cap on Rows x Columns x NumberOfFrames: 2^28 voxels (1 GiB of float HU). */
    public static final long DEFAULT_MAX_VOXELS = 1L << 28;

    private static final int PREAMBLE = 128;
    private static final int MAX_SEQUENCE_DEPTH = 32;
    private static final long UNDEFINED_LENGTH = 0xFFFF_FFFFL;
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,10}");
    /** PS3.3 C.7.3.1.1.1 defined terms: any other Modality value is never echoed (it could be anything). */
    private static final Set<String> MODALITY_TERMS = Set.of("CT", "MR", "PT", "NM", "US", "XA", "RF", "CR", "DX",
            "MG", "IO", "PX", "OT", "SC", "SR", "SEG", "RTSTRUCT", "RTDOSE", "RTPLAN", "RTIMAGE", "REG", "KO", "PR",
            "DOC", "ES", "GM", "SM", "XC", "OP", "OPT", "IVUS", "ECG", "HD", "AU", "BI", "OCT", "TG", "BMD", "LS");
    private static final Set<String> LONG_LENGTH_VRS = Set.of("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC",
            "UN", "UR", "UT", "UV");

    private DicomParser() {}

    /**
     * Parses one file.
     *
     * @param bytes     the whole file
     * @param source    how the file is named in reasons and warnings (e.g. its path)
     * @param maxVoxels the largest Rows x Columns x NumberOfFrames accepted, checked before any allocation
     * @throws InvalidInputException when the file cannot be used; the reason names the problem (never patient data)
     */
    public static DicomFile parse(byte[] bytes, String source, long maxVoxels) throws InvalidInputException {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(source, "source");
        if (bytes.length == 0) {
            throw new InvalidInputException(source, "empty file");
        }
        if (bytes.length < PREAMBLE + 4 || bytes[128] != 'D' || bytes[129] != 'I' || bytes[130] != 'C' || bytes[131] != 'M') {
            throw new InvalidInputException(source, "not a DICOM Part-10 file (no 'DICM' marker after the 128-byte preamble)");
        }
        Cursor cursor = new Cursor(bytes, source);
        cursor.pos = PREAMBLE + 4;
        String transferSyntaxUid = readFileMeta(cursor);
        TransferSyntax syntax = TransferSyntax.forUid(transferSyntaxUid)
                .orElseThrow(() -> new InvalidInputException(source, TransferSyntax.unsupportedReason(transferSyntaxUid)));
        Elements elements = new Elements(source);
        readDataSet(cursor, syntax, elements);
        return new ImageBuilder(source, syntax, elements, bytes, maxVoxels).build();
    }

    // ---------------------------------------------------------------- encoding

    private static String readFileMeta(Cursor c) throws InvalidInputException {
        String transferSyntax = null;
        while (c.remaining() >= 4 && c.uint16(c.pos) == 0x0002) {
            Header h = c.readHeader(true);
            if (h.length == UNDEFINED_LENGTH) {
                throw new InvalidInputException(c.source, "undefined length in file meta element " + DicomTag.format(h.tag));
            }
            c.require(h.length, h.tag);
            if (h.tag == DicomTag.TRANSFER_SYNTAX_UID) {
                transferSyntax = c.text(c.pos, (int) h.length);
            }
            c.pos += (int) h.length;
        }
        if (transferSyntax == null) {
            throw new InvalidInputException(c.source, TransferSyntax.unsupportedReason(null));
        }
        return transferSyntax;
    }

    private static void readDataSet(Cursor c, TransferSyntax syntax, Elements elements) throws InvalidInputException {
        boolean explicit = syntax.explicitVr();
        while (c.remaining() > 0) {
            Header h = c.readHeader(explicit);
            if (h.tag == DicomTag.PIXEL_DATA.tag) {
                readPixelData(c, syntax, h, elements);
                return; // nothing after Pixel Data is needed (trailing padding, signatures)
            }
            if ((h.tag >>> 16) == 0xFFFE) {
                throw new InvalidInputException(c.source, "item or delimiter tag " + DicomTag.format(h.tag)
                        + " outside a sequence at offset " + h.offset);
            }
            if (h.length == UNDEFINED_LENGTH) {
                // SQ, or UN holding an implicit-VR sequence (PS3.5 6.2.2), or any implicit-VR sequence
                boolean nestedExplicit = explicit && !"UN".equals(h.vr);
                skipUndefinedLengthSequence(c, nestedExplicit, h.tag, 1);
                continue;
            }
            c.require(h.length, h.tag);
            DicomTag known = DicomTag.forTag(h.tag);
            if (known != null) {
                elements.put(known, c, c.pos, (int) h.length);
            }
            c.pos += (int) h.length;
        }
    }

    /** Skips items up to the sequence delimiter; items of undefined length are walked element by element. */
    private static void skipUndefinedLengthSequence(Cursor c, boolean explicit, int sequenceTag, int depth)
            throws InvalidInputException {
        if (depth > MAX_SEQUENCE_DEPTH) {
            throw new InvalidInputException(c.source, "sequences nested deeper than " + MAX_SEQUENCE_DEPTH);
        }
        while (true) {
            if (c.remaining() < 8) {
                throw new InvalidInputException(c.source, "truncated: sequence " + DicomTag.format(sequenceTag)
                        + " ends before its sequence delimiter");
            }
            int offset = c.pos;
            int tag = c.tag(c.pos);
            long length = c.uint32(c.pos + 4);
            c.pos += 8;
            if (tag == DicomTag.SEQUENCE_DELIMITATION) {
                return;
            }
            if (tag != DicomTag.ITEM) {
                throw new InvalidInputException(c.source, "expected an item in sequence " + DicomTag.format(sequenceTag)
                        + ", found " + DicomTag.format(tag) + " at offset " + offset);
            }
            if (length == UNDEFINED_LENGTH) {
                skipUndefinedLengthItem(c, explicit, sequenceTag, depth);
            } else {
                c.require(length, sequenceTag);
                c.pos += (int) length;
            }
        }
    }

    private static void skipUndefinedLengthItem(Cursor c, boolean explicit, int sequenceTag, int depth)
            throws InvalidInputException {
        while (true) {
            if (c.remaining() < 8) {
                throw new InvalidInputException(c.source, "truncated: an item of sequence " + DicomTag.format(sequenceTag)
                        + " ends before its item delimiter");
            }
            if (c.tag(c.pos) == DicomTag.ITEM_DELIMITATION) {
                c.pos += 8;
                return;
            }
            Header h = c.readHeader(explicit);
            if ((h.tag >>> 16) == 0xFFFE) {
                throw new InvalidInputException(c.source, "unexpected " + DicomTag.format(h.tag) + " inside an item of sequence "
                        + DicomTag.format(sequenceTag) + " at offset " + h.offset);
            }
            if (h.length == UNDEFINED_LENGTH) {
                skipUndefinedLengthSequence(c, explicit && !"UN".equals(h.vr), h.tag, depth + 1);
            } else {
                c.require(h.length, h.tag);
                c.pos += (int) h.length;
            }
        }
    }

    private static void readPixelData(Cursor c, TransferSyntax syntax, Header h, Elements elements)
            throws InvalidInputException {
        if (h.length != UNDEFINED_LENGTH) {
            if (syntax.encapsulated()) {
                throw new InvalidInputException(c.source, "Pixel Data (7FE0,0010) has a defined length but transfer syntax "
                        + syntax.uid() + " requires encapsulated fragments");
            }
            c.require(h.length, h.tag);
            elements.nativePixels = new int[] {c.pos, (int) h.length};
            return;
        }
        if (!syntax.encapsulated()) {
            throw new InvalidInputException(c.source, "Pixel Data (7FE0,0010) is encapsulated (undefined length) in native transfer syntax "
                    + syntax.uid());
        }
        List<int[]> fragments = new ArrayList<>(); // {item offset relative to the first fragment, data offset, length}
        long[] offsetTable = null;
        int firstFragmentItem = -1;
        while (true) {
            if (c.remaining() < 8) {
                throw new InvalidInputException(c.source, "truncated: encapsulated Pixel Data (7FE0,0010) ends before its sequence delimiter");
            }
            int itemOffset = c.pos;
            int tag = c.tag(c.pos);
            long length = c.uint32(c.pos + 4);
            c.pos += 8;
            if (tag == DicomTag.SEQUENCE_DELIMITATION) {
                break;
            }
            if (tag != DicomTag.ITEM || length == UNDEFINED_LENGTH) {
                throw new InvalidInputException(c.source, "malformed encapsulated Pixel Data (7FE0,0010): found "
                        + DicomTag.format(tag) + " at offset " + itemOffset);
            }
            c.require(length, DicomTag.PIXEL_DATA.tag);
            if (offsetTable == null) {
                if (length % 4 != 0) {
                    throw new InvalidInputException(c.source, "Basic Offset Table length " + length + " is not a multiple of 4");
                }
                offsetTable = new long[(int) (length / 4)];
                for (int i = 0; i < offsetTable.length; i++) {
                    offsetTable[i] = c.uint32(c.pos + 4 * i);
                }
            } else {
                if (firstFragmentItem < 0) {
                    firstFragmentItem = itemOffset;
                }
                fragments.add(new int[] {itemOffset - firstFragmentItem, c.pos, (int) length});
            }
            c.pos += (int) length;
        }
        if (offsetTable == null) {
            throw new InvalidInputException(c.source, "encapsulated Pixel Data (7FE0,0010) has no Basic Offset Table item");
        }
        elements.offsetTable = offsetTable;
        elements.fragments = fragments;
    }

    // ---------------------------------------------------------------- low level

    private record Header(int tag, String vr, long length, int offset) {}

    private static final class Cursor {
        final byte[] b;
        final String source;
        int pos;

        Cursor(byte[] b, String source) {
            this.b = b;
            this.source = source;
        }

        int remaining() { return b.length - pos; }

        int uint16(int off) { return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8; }

        long uint32(int off) { return RleDecoder.uint32(b, off); }

        int tag(int off) { return uint16(off) << 16 | uint16(off + 2); }

        Header readHeader(boolean explicit) throws InvalidInputException {
            int offset = pos;
            if (remaining() < 8) {
                throw new InvalidInputException(source, "truncated: element header at offset " + offset + " runs past the end of the file");
            }
            int tag = tag(pos);
            if (!explicit || (tag >>> 16) == 0xFFFE) {
                long length = uint32(pos + 4);
                pos += 8;
                return new Header(tag, null, length, offset);
            }
            char v0 = (char) (b[pos + 4] & 0xFF);
            char v1 = (char) (b[pos + 5] & 0xFF);
            if (v0 < 'A' || v0 > 'Z' || v1 < 'A' || v1 > 'Z') {
                throw new InvalidInputException(source, "invalid explicit VR for element " + DicomTag.format(tag) + " at offset " + offset);
            }
            String vr = "" + v0 + v1;
            if (LONG_LENGTH_VRS.contains(vr)) {
                if (remaining() < 12) {
                    throw new InvalidInputException(source, "truncated: element " + DicomTag.format(tag) + " header runs past the end of the file");
                }
                long length = uint32(pos + 8);
                pos += 12;
                return new Header(tag, vr, length, offset);
            }
            int length = uint16(pos + 6);
            pos += 8;
            return new Header(tag, vr, length, offset);
        }

        void require(long length, int tag) throws InvalidInputException {
            if (length > remaining()) {
                DicomTag known = DicomTag.forTag(tag);
                String name = known != null ? known.label() : "element " + DicomTag.format(tag);
                throw new InvalidInputException(source, "truncated: " + name + " of length " + length + " at offset " + pos
                        + " runs past the end of the file (" + b.length + " bytes)");
            }
        }

        /** ASCII value with DICOM padding (trailing spaces/NULs) and leading spaces removed. */
        String text(int off, int length) {
            int end = off + length;
            while (end > off && (b[end - 1] == 0 || b[end - 1] == ' ')) {
                end--;
            }
            int start = off;
            while (start < end && b[start] == ' ') {
                start++;
            }
            return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
        }
    }

    /** The allowlisted values of one file, interpreted by the built-in dictionary (whatever VR the file claims). */
    private static final class Elements {
        final String source;
        final Map<DicomTag, Object> values = new EnumMap<>(DicomTag.class);
        int[] nativePixels;
        long[] offsetTable;
        List<int[]> fragments;

        Elements(String source) { this.source = source; }

        void put(DicomTag tag, Cursor c, int off, int length) throws InvalidInputException {
            if (values.containsKey(tag)) {
                throw new InvalidInputException(source, tag.label() + " appears more than once");
            }
            Object value = switch (tag.kind) {
                case TEXT -> c.text(off, length);
                case HASHED_TEXT -> sha256(c.text(off, length));
                case DECIMALS -> decimals(tag, c.text(off, length));
                case INTEGER_STRING -> integer(tag, c.text(off, length));
                case UINT16 -> {
                    if (length == 0) {
                        yield null;
                    }
                    if (length < 2) {
                        throw new InvalidInputException(source, "malformed " + tag.label() + ": length " + length);
                    }
                    yield c.uint16(off);
                }
                case PIXELS -> throw new IllegalStateException("pixel data is read separately");
            };
            if (value != null) {
                values.put(tag, value);
            }
        }

        private double[] decimals(DicomTag tag, String text) throws InvalidInputException {
            if (text.isEmpty()) {
                return null; // empty Type 2 value: same as absent
            }
            String[] parts = text.split("\\\\", -1);
            double[] out = new double[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i].trim();
                if (!DECIMAL.matcher(part).matches()) {
                    throw new InvalidInputException(source, "malformed decimal string in " + tag.label());
                }
                out[i] = Double.parseDouble(part);
                if (!Double.isFinite(out[i])) {
                    throw new InvalidInputException(source, "non-finite value in " + tag.label());
                }
            }
            return out;
        }

        private Integer integer(DicomTag tag, String text) throws InvalidInputException {
            if (text.isEmpty()) {
                return null;
            }
            String first = text.split("\\\\", -1)[0].trim();
            if (!INTEGER.matcher(first).matches()) {
                throw new InvalidInputException(source, "malformed integer string in " + tag.label());
            }
            long value = Long.parseLong(first);
            if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                throw new InvalidInputException(source, "out-of-range integer string in " + tag.label());
            }
            return (int) value;
        }

        @SuppressWarnings("unchecked")
        <T> T get(DicomTag tag) { return (T) values.get(tag); }
    }

    static String sha256(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    // ---------------------------------------------------------------- image

    private static final class ImageBuilder {
        final String source;
        final TransferSyntax syntax;
        final Elements e;
        final byte[] bytes;
        final long maxVoxels;
        final List<String> warnings = new ArrayList<>();

        ImageBuilder(String source, TransferSyntax syntax, Elements e, byte[] bytes, long maxVoxels) {
            this.source = source;
            this.syntax = syntax;
            this.e = e;
            this.bytes = bytes;
            this.maxVoxels = maxVoxels;
        }

        InvalidInputException reject(String reason) { return new InvalidInputException(source, reason); }

        DicomFile build() throws InvalidInputException {
            String modality = e.get(DicomTag.MODALITY);
            if (modality == null || modality.isEmpty()) {
                throw reject("no Modality (0008,0060): cannot confirm the file is CT");
            }
            if (!"CT".equals(modality)) {
                String shown = MODALITY_TERMS.contains(modality) ? modality : "(non-standard value)";
                throw reject("modality " + shown + " is not CT");
            }
            Integer samples = e.get(DicomTag.SAMPLES_PER_PIXEL);
            if (samples == null) {
                warnings.add("no SamplesPerPixel (0028,0002); assumed 1");
            } else if (samples != 1) {
                throw reject("SamplesPerPixel " + samples + " is not supported (CT has 1)");
            }
            String photometric = e.get(DicomTag.PHOTOMETRIC_INTERPRETATION);
            if (photometric == null || photometric.isEmpty()) {
                warnings.add("no PhotometricInterpretation (0028,0004); assumed MONOCHROME2");
            } else if ("MONOCHROME1".equals(photometric)) {
                warnings.add("MONOCHROME1: display polarity only; Hounsfield units are taken from the rescaled values without inversion");
            } else if (!"MONOCHROME2".equals(photometric)) {
                throw reject("PhotometricInterpretation " + (photometric.length() <= 16 && photometric.matches("[A-Z0-9_ ]+") ? photometric : "(malformed)")
                        + " is not supported (MONOCHROME2 or MONOCHROME1 required)");
            }
            Integer rowsValue = e.get(DicomTag.ROWS);
            Integer colsValue = e.get(DicomTag.COLUMNS);
            if (rowsValue == null || colsValue == null || rowsValue == 0 || colsValue == 0) {
                throw reject("missing or zero Rows (0028,0010) / Columns (0028,0011)");
            }
            int rows = rowsValue;
            int cols = colsValue;
            Integer framesValue = e.get(DicomTag.NUMBER_OF_FRAMES);
            int frames = framesValue == null ? 1 : framesValue;
            if (frames < 1) {
                throw reject("NumberOfFrames " + frames + " is not positive");
            }
            long voxels = (long) rows * cols * frames;
            if (voxels > maxVoxels) {
                throw reject("image of " + cols + " x " + rows + " x " + frames + " voxels exceeds the limit of " + maxVoxels + " voxels");
            }
            Integer bitsAllocatedValue = e.get(DicomTag.BITS_ALLOCATED);
            if (bitsAllocatedValue == null) {
                throw reject("no BitsAllocated (0028,0100)");
            }
            int bitsAllocated = bitsAllocatedValue;
            if (bitsAllocated != 8 && bitsAllocated != 16) {
                throw reject("BitsAllocated " + bitsAllocated + " is not supported (8 or 16)");
            }
            Integer bitsStoredValue = e.get(DicomTag.BITS_STORED);
            if (bitsStoredValue == null) {
                warnings.add("no BitsStored (0028,0101); assumed BitsAllocated " + bitsAllocated);
            }
            int bitsStored = bitsStoredValue == null ? bitsAllocated : bitsStoredValue;
            if (bitsStored < 1 || bitsStored > bitsAllocated) {
                throw reject("BitsStored " + bitsStored + " is not within 1.." + bitsAllocated);
            }
            Integer highBit = e.get(DicomTag.HIGH_BIT);
            if (highBit != null && highBit != bitsStored - 1) {
                throw reject("HighBit " + highBit + " with BitsStored " + bitsStored + " is not supported (HighBit must be BitsStored - 1)");
            }
            Integer representationValue = e.get(DicomTag.PIXEL_REPRESENTATION);
            if (representationValue == null) {
                warnings.add("no PixelRepresentation (0028,0103); assumed 0 (unsigned)");
            } else if (representationValue > 1) {
                throw reject("PixelRepresentation " + representationValue + " is not 0 or 1");
            }
            boolean signed = representationValue != null && representationValue == 1;

            double[] slopeValue = e.get(DicomTag.RESCALE_SLOPE);
            double[] interceptValue = e.get(DicomTag.RESCALE_INTERCEPT);
            if (slopeValue == null || interceptValue == null) {
                warnings.add("no RescaleSlope/RescaleIntercept (0028,1053)/(0028,1052); assumed slope 1, intercept 0 (stored values taken as HU)");
            }
            double slope = slopeValue == null ? 1.0 : slopeValue[0];
            double intercept = interceptValue == null ? 0.0 : interceptValue[0];
            if (slope == 0.0) {
                throw reject("RescaleSlope (0028,1053) is 0");
            }

            byte[][] frameBytes = pixelFrames(rows, cols, frames, bitsAllocated / 8);
            int bytesPerSample = bitsAllocated / 8;
            int mask = (int) ((1L << bitsStored) - 1);
            int signBit = 1 << (bitsStored - 1);
            int pixelsPerFrame = rows * cols;
            float[] hu = new float[(int) voxels];
            boolean[] padded = null;
            Integer padRaw = e.get(DicomTag.PIXEL_PADDING_VALUE);
            int padLow = 0;
            int padHigh = -1;
            if (padRaw != null) {
                int pad = signed ? (short) (int) padRaw : padRaw;
                Integer limitRaw = e.get(DicomTag.PIXEL_PADDING_RANGE_LIMIT);
                int limit = limitRaw == null ? pad : (signed ? (short) (int) limitRaw : limitRaw);
                padLow = Math.min(pad, limit);
                padHigh = Math.max(pad, limit);
                padded = new boolean[(int) voxels];
            }
            int paddingVoxels = 0;
            float lowestReal = Float.POSITIVE_INFINITY;
            for (int f = 0; f < frames; f++) {
                byte[] data = frameBytes.length == 1 ? frameBytes[0] : frameBytes[f];
                int base = frameBytes.length == 1 ? f * pixelsPerFrame * bytesPerSample : 0;
                for (int p = 0; p < pixelsPerFrame; p++) {
                    int at = base + p * bytesPerSample;
                    int raw = bytesPerSample == 2 ? (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8 : data[at] & 0xFF;
                    int stored = raw & mask;
                    if (signed && (stored & signBit) != 0) {
                        stored -= 1 << bitsStored;
                    }
                    int index = f * pixelsPerFrame + p;
                    float value = (float) (stored * slope + intercept);
                    hu[index] = value;
                    if (padded != null && stored >= padLow && stored <= padHigh) {
                        padded[index] = true;
                        paddingVoxels++;
                    } else if (value < lowestReal) {
                        lowestReal = value;
                    }
                }
            }
            if (paddingVoxels > 0 && lowestReal != Float.POSITIVE_INFINITY) {
                for (int i = 0; i < hu.length; i++) {
                    if (padded[i]) {
                        hu[i] = lowestReal;
                    }
                }
            }

            double[] position = vector(DicomTag.IMAGE_POSITION_PATIENT, 3);
            double[] orientation = orientation();
            double[] spacing = vector(DicomTag.PIXEL_SPACING, 2);
            if (spacing != null && (spacing[0] <= 0 || spacing[1] <= 0)) {
                throw reject("PixelSpacing (0028,0030) is not positive");
            }
            return new DicomFile(source, e.get(DicomTag.SERIES_INSTANCE_UID), e.get(DicomTag.SOP_CLASS_UID), syntax,
                    rows, cols, frames, position, orientation, spacing,
                    positiveOrNull(DicomTag.SLICE_THICKNESS), positiveOrNull(DicomTag.SPACING_BETWEEN_SLICES),
                    e.get(DicomTag.INSTANCE_NUMBER), slope, intercept, paddingVoxels, hu, warnings);
        }

        /** One array per frame for encapsulated data; a single array (the file) for native data. */
        private byte[][] pixelFrames(int rows, int cols, int frames, int bytesPerSample) throws InvalidInputException {
            long expected = (long) rows * cols * frames * bytesPerSample;
            if (e.nativePixels != null) {
                if (e.nativePixels[1] < expected) {
                    throw reject("Pixel Data (7FE0,0010) holds " + e.nativePixels[1] + " bytes; " + expected + " expected for "
                            + cols + " x " + rows + " x " + frames + " samples of " + (8 * bytesPerSample) + " bits");
                }
                int offset = e.nativePixels[0];
                return new byte[][] {Arrays.copyOfRange(bytes, offset, offset + (int) expected)};
            }
            if (e.fragments == null) {
                throw reject("no Pixel Data (7FE0,0010)");
            }
            if (e.fragments.isEmpty()) {
                throw reject("encapsulated Pixel Data (7FE0,0010) has no fragments");
            }
            List<byte[]> encoded = splitFrames(frames);
            byte[][] decoded = new byte[frames][];
            for (int f = 0; f < frames; f++) {
                decoded[f] = RleDecoder.decodeFrame(encoded.get(f), rows * cols, bytesPerSample, source, f);
            }
            return decoded;
        }

        /** Frames from fragments: via the Basic Offset Table, else one fragment per frame (or all for one frame). */
        private List<byte[]> splitFrames(int frames) throws InvalidInputException {
            List<int[]> fragments = e.fragments;
            List<byte[]> out = new ArrayList<>(frames);
            long[] table = e.offsetTable;
            if (frames == 1) {
                out.add(concat(fragments, 0, fragments.size()));
                return out;
            }
            if (table.length == 0) {
                if (fragments.size() != frames) {
                    throw reject("cannot split " + fragments.size() + " RLE fragments into " + frames
                            + " frames without a Basic Offset Table");
                }
                for (int[] fragment : fragments) {
                    out.add(concat(List.of(fragment), 0, 1));
                }
                return out;
            }
            if (table.length != frames) {
                throw reject("Basic Offset Table has " + table.length + " entries for " + frames + " frames");
            }
            for (int f = 0; f < frames; f++) {
                int first = fragmentAt(table[f]);
                int end = f + 1 < frames ? fragmentAt(table[f + 1]) : fragments.size();
                if (end <= first) {
                    throw reject("Basic Offset Table entries are not increasing");
                }
                out.add(concat(fragments, first, end));
            }
            return out;
        }

        private int fragmentAt(long offset) throws InvalidInputException {
            for (int i = 0; i < e.fragments.size(); i++) {
                if (e.fragments.get(i)[0] == offset) {
                    return i;
                }
            }
            throw reject("Basic Offset Table entry " + offset + " does not point at a fragment");
        }

        private byte[] concat(List<int[]> fragments, int from, int to) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = from; i < to; i++) {
                int[] fragment = fragments.get(i);
                out.write(bytes, fragment[1], fragment[2]);
            }
            return out.toByteArray();
        }

        private double[] vector(DicomTag tag, int size) throws InvalidInputException {
            double[] value = e.get(tag);
            if (value == null) {
                return null;
            }
            if (value.length != size) {
                throw reject(tag.label() + " has " + value.length + " values; " + size + " expected");
            }
            return value;
        }

        private double[] orientation() throws InvalidInputException {
            double[] o = vector(DicomTag.IMAGE_ORIENTATION_PATIENT, 6);
            if (o == null) {
                return null;
            }
            double rowNorm = Math.sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
            double colNorm = Math.sqrt(o[3] * o[3] + o[4] * o[4] + o[5] * o[5]);
            double dot = (o[0] * o[3] + o[1] * o[4] + o[2] * o[5]) / (rowNorm * colNorm);
            if (Math.abs(rowNorm - 1) > 0.01 || Math.abs(colNorm - 1) > 0.01 || Math.abs(dot) > 0.01) {
                throw reject("ImageOrientationPatient (0020,0037) is not two orthogonal unit vectors");
            }
            double[] unit = new double[6];
            for (int i = 0; i < 3; i++) {
                unit[i] = o[i] / rowNorm;
                unit[i + 3] = o[i + 3] / colNorm;
            }
            return unit;
        }

        private Double positiveOrNull(DicomTag tag) {
            double[] value = e.get(tag);
            if (value == null) {
                return null;
            }
            if (value[0] <= 0) {
                warnings.add(tag.label() + " is not positive; ignored");
                return null;
            }
            return value[0];
        }
    }
}
