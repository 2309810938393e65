package org.umsynth.io.volume;

/**
 * The byte layouts of pixel columns in the tables: HU as int16 little-endian, labels and masks as
 * uint8, both row-major.
 */
public final class PixelCodec {
    private PixelCodec() {
    }

    /** int16 little-endian to float HU. */
    public static float[] decodeHu(byte[] bytes) {
        if ((bytes.length & 1) != 0) {
            throw new IllegalArgumentException("int16 pixel data has an odd byte count " + bytes.length);
        }
        float[] out = new float[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((bytes[2 * i] & 0xFF) | (bytes[2 * i + 1] << 8));
        }
        return out;
    }

    /**
     * HU values to int16 little-endian: rounded, clamped to the int16 range; non-finite values
     * (outside a reconstruction) become air, -1024.
     */
    public static byte[] encodeHu(float[] values, int offset, int length) {
        byte[] out = new byte[2 * length];
        for (int i = 0; i < length; i++) {
            float v = values[offset + i];
            int h = Float.isFinite(v) ? (int) Math.max(-32768, Math.min(32767, Math.round(v))) : -1024;
            out[2 * i] = (byte) h;
            out[2 * i + 1] = (byte) (h >> 8);
        }
        return out;
    }

    /** uint8 to float (0..255). */
    public static float[] decodeUint8(byte[] bytes) {
        float[] out = new float[bytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes[i] & 0xFF;
        }
        return out;
    }
}
