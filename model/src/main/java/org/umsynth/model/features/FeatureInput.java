package org.umsynth.model.features;

import org.umsynth.model.image.Resize;
import org.umsynth.model.um.HuWindow;

/**
 * The one documented preprocessing path of MM-FID (SPEC section 5), from Hounsfield units to an
 * extractor input: window HU to [-1500, 100] and map linearly to [0, 1] in float (NaN -> 0); resize
 * to r x r with {@link Resize.Filter#BILINEAR} (Pillow's anti-aliased bilinear on float images: the
 * reference's PIL resize without its 8-bit PNG round trip); then {@code (x - 0.5) / 0.5} to [-1, 1].
 *
 * <p>{@link #fromHuReference8bit} additionally reproduces the reference's uint8 PNG quantisation
 * ({@code np.uint8} truncation of the [0, 255] window) before the resize, for side-by-side checks.
 */
public final class FeatureInput {
    private FeatureInput() {}

    public static float[] fromHu(float[] hu, int rows, int cols, int resolution) {
        float[] unit = new float[hu.length];
        for (int i = 0; i < hu.length; i++) {
            float v = hu[i];
            unit[i] = Float.isNaN(v) ? 0f : (float) (HuWindow.window(v) / 255.0);
        }
        return toExtractorScale(unit, rows, cols, resolution);
    }

    public static float[] fromHuReference8bit(float[] hu, int rows, int cols, int resolution) {
        byte[] png = HuWindow.applyUint8Reference(hu);
        float[] unit = new float[png.length];
        for (int i = 0; i < png.length; i++) {
            unit[i] = (png[i] & 0xFF) / 255f;
        }
        return toExtractorScale(unit, rows, cols, resolution);
    }

    /** Resize a [0, 1] image to r x r, then map to [-1, 1]. */
    public static float[] toExtractorScale(float[] unit, int rows, int cols, int resolution) {
        float[] resized = Resize.resize(unit, cols, rows, resolution, resolution, Resize.Filter.BILINEAR);
        for (int i = 0; i < resized.length; i++) {
            resized[i] = (resized[i] - 0.5f) / 0.5f;
        }
        return resized;
    }
}
