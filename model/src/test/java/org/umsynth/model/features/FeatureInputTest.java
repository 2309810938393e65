package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FeatureInputTest {

    @Test
    void windowsHuToMinusOneToOne() {
        // window [-1500, 100]: -1500 -> 0 -> -1, -700 -> 0.5 -> 0, 100 -> 1 -> 1; outside clamps; NaN -> -1
        float[] hu = {-3000, -1500, -700, 100, 2000, Float.NaN};
        float[] square = new float[4];
        for (int i = 0; i < hu.length - 2; i++) {
            Arrays.fill(square, hu[i]);
            assertEquals(new float[]{-1, -1, 0, 1}[i], FeatureInput.fromHu(square, 2, 2, 2)[0], 1e-6);
        }
        Arrays.fill(square, Float.NaN);
        assertEquals(-1f, FeatureInput.fromHu(square, 2, 2, 2)[3], 0f);
    }

    @Test
    void antiAliasedResizeAveragesWhenShrinking() {
        // a 64x64 checkerboard of -1500 / 100 HU (-1 / +1) shrunk 4x: interior pixels average to
        // mid-grey (a point sampler would return +-1); borders are renormalised, as Pillow does
        float[] hu = new float[64 * 64];
        for (int i = 0; i < hu.length; i++) {
            hu[i] = ((i / 64 + i % 64) % 2 == 0) ? -1500 : 100;
        }
        float[] out = FeatureInput.fromHu(hu, 64, 64, 16);
        for (int y = 1; y < 15; y++) {
            for (int x = 1; x < 15; x++) {
                assertEquals(0f, out[y * 16 + x], 1e-6, "pixel " + x + "," + y);
            }
        }
        assertEquals(128 * 128, FeatureInput.fromHu(hu, 64, 64, 128).length);
    }

    @Test
    void reference8bitPathTruncatesLikeTheReferencePng() {
        // -700 HU -> 127.5 -> uint8 127 -> 127/255 -> (x - 0.5) / 0.5 = -0.00392...
        float[] hu = {-700, -700, -700, -700};
        assertEquals(127f / 255f * 2 - 1, FeatureInput.fromHuReference8bit(hu, 2, 2, 2)[0], 1e-6);
        assertEquals(0f, FeatureInput.fromHu(hu, 2, 2, 2)[0], 1e-6);
    }
}
