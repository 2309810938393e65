package org.umsynth.io.dicom;

import org.umsynth.io.InvalidInputException;

/**
 * DICOM RLE Lossless (PS3.5 Annex G) for one frame: a 64-byte header (segment count and 15
 * offsets, uint32 little endian), then one PackBits segment per byte plane, most significant
 * byte first. Output is native little-endian samples, rows x cols row-major.
 */
final class RleDecoder {
    private static final int HEADER_BYTES = 64;

    private RleDecoder() {}

    static byte[] decodeFrame(byte[] frame, int pixels, int bytesPerSample, String source, int frameIndex)
            throws InvalidInputException {
        String where = "RLE frame " + frameIndex;
        if (frame.length < HEADER_BYTES) {
            throw new InvalidInputException(source, where + " is shorter than the 64-byte RLE header (truncated)");
        }
        long segments = uint32(frame, 0);
        if (segments != bytesPerSample) {
            throw new InvalidInputException(source, where + " has " + segments + " segments; " + bytesPerSample
                    + " expected for one sample of " + (8 * bytesPerSample) + " bits");
        }
        long[] offsets = new long[bytesPerSample + 1];
        for (int s = 0; s < bytesPerSample; s++) {
            offsets[s] = uint32(frame, 4 + 4 * s);
        }
        offsets[bytesPerSample] = frame.length;
        if (offsets[0] != HEADER_BYTES) {
            throw new InvalidInputException(source, where + ": first segment offset " + offsets[0] + " is not 64");
        }
        for (int s = 0; s < bytesPerSample; s++) {
            if (offsets[s + 1] < offsets[s] || offsets[s + 1] > frame.length) {
                throw new InvalidInputException(source, where + ": segment offsets are out of order or past the frame end");
            }
        }
        byte[] out = new byte[pixels * bytesPerSample];
        for (int s = 0; s < bytesPerSample; s++) {
            // segment 0 carries the most significant byte; little-endian output puts it last
            int plane = bytesPerSample - 1 - s;
            decodeSegment(frame, (int) offsets[s], (int) offsets[s + 1], out, plane, bytesPerSample, pixels, source, where, s);
        }
        return out;
    }

    private static void decodeSegment(byte[] in, int start, int end, byte[] out, int plane, int stride, int pixels,
                                      String source, String where, int segment) throws InvalidInputException {
        int produced = 0;
        int i = start;
        while (produced < pixels && i < end) {
            int header = in[i++];
            if (header >= 0) {
                int count = header + 1;
                if (i + count > end) {
                    throw new InvalidInputException(source, where + " segment " + segment + ": literal run passes the segment end (truncated)");
                }
                int take = Math.min(count, pixels - produced);
                for (int k = 0; k < take; k++) {
                    out[(produced + k) * stride + plane] = in[i + k];
                }
                i += count;
                produced += take;
            } else if (header != -128) {
                if (i >= end) {
                    throw new InvalidInputException(source, where + " segment " + segment + ": replicate run passes the segment end (truncated)");
                }
                byte value = in[i++];
                int take = Math.min(1 - header, pixels - produced);
                for (int k = 0; k < take; k++) {
                    out[(produced + k) * stride + plane] = value;
                }
                produced += take;
            }
            // header -128 is a no-op by definition
        }
        if (produced < pixels) {
            throw new InvalidInputException(source, where + " segment " + segment + " decodes to " + produced
                    + " bytes; " + pixels + " expected");
        }
    }

    static long uint32(byte[] b, int off) {
        return (b[off] & 0xFFL) | (b[off + 1] & 0xFFL) << 8 | (b[off + 2] & 0xFFL) << 16 | (b[off + 3] & 0xFFL) << 24;
    }
}
