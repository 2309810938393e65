package org.umsynth.model.um;

/**
 * The reference CT window (SPEC 3.1): HU clipped to [-1500, 100] and mapped linearly to [0, 255].
 *
 * <p>The pipeline keeps the windowed slice in float ({@link #apply}). The reference then casts to
 * uint8 with {@code np.array(x, dtype=np.uint8)}, which truncates (it does not round);
 * {@link #applyUint8Reference} reproduces that cast exactly and is used only where a result must
 * match scikit-image bit for bit (the SLIC bench, {@link UmParams#uint8Input()}).
 */
public final class HuWindow {
    public static final double HU_MIN = -1500.0;
    public static final double HU_MAX = 100.0;

    private HuWindow() {}

    /** Windowed intensity in [0, 255] of one HU value. */
    public static double window(double hu) {
        double c = hu <= HU_MIN ? HU_MIN : (hu >= HU_MAX ? HU_MAX : hu);
        return (c - HU_MIN) / (HU_MAX - HU_MIN) * 255.0;
    }

    /** The HU value whose windowed intensity is {@code v} (inverse of {@link #window} inside the window). */
    public static double toHu(double v) {
        return v / 255.0 * (HU_MAX - HU_MIN) + HU_MIN;
    }

    /**
     * Windowed float copy of a slice. NaN HU (missing data) maps to 0. Multiplies by 255/1600
     * instead of dividing (same value up to 1 ulp of double, far below float's resolution); the
     * bit-exact reference formula is kept for {@link #applyUint8Reference}, where the truncation
     * at integer boundaries needs it.
     */
    public static float[] apply(float[] hu) {
        float[] out = new float[hu.length];
        final double scale = 255.0 / (HU_MAX - HU_MIN);
        for (int i = 0; i < hu.length; i++) {
            float v = hu[i];
            double c = v <= HU_MIN ? HU_MIN : (v >= HU_MAX ? HU_MAX : v);
            out[i] = v == v ? (float) ((c - HU_MIN) * scale) : 0f; // v != v: NaN
        }
        return out;
    }

    /** The reference's uint8 image: window, then truncate toward zero as numpy's uint8 cast does. */
    public static byte[] applyUint8Reference(float[] hu) {
        byte[] out = new byte[hu.length];
        for (int i = 0; i < hu.length; i++) {
            float v = hu[i];
            out[i] = Float.isNaN(v) ? 0 : (byte) (int) window(v);
        }
        return out;
    }

    /** Truncating uint8 cast of an already windowed float image (values clamped to [0, 255]). */
    public static byte[] truncateToUint8(float[] windowed) {
        byte[] out = new byte[windowed.length];
        for (int i = 0; i < windowed.length; i++) {
            float v = windowed[i];
            out[i] = (byte) (int) (v <= 0f || Float.isNaN(v) ? 0f : Math.min(255f, v));
        }
        return out;
    }
}
