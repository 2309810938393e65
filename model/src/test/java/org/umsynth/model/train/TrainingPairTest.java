package org.umsynth.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrainingPairTest {

    private static float[] ramp(int n) {
        float[] hu = new float[n * n];
        for (int i = 0; i < hu.length; i++) {
            hu[i] = -1500 + 1600f * (i % n) / (n - 1);
        }
        return hu;
    }

    @Test
    void umPairHasTwoInputChannelsAndAnImageInMinusOneToOne() {
        byte[] um = new byte[16 * 16];
        for (int i = 0; i < um.length; i++) {
            um[i] = (byte) ((i % 16) < 8 ? 0 : 250);
        }
        byte[] label = new byte[32 * 32];
        label[5] = 2;
        TrainingPair p = TrainingPair.of("c1", 3, um, 16, new float[][]{ramp(32)}, new byte[][]{label}, 32, 32,
                Conditioning.UM, 3);
        assertEquals(2, p.channels());
        assertEquals(2 * 256, p.input().length);
        assertEquals(-1f, p.input()[0], 1e-6);
        assertEquals(250 / 127.5 - 1, p.input()[15], 1e-6);
        assertEquals(1f, p.input()[256 + 8], "edge channel marks the UM step");
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : p.image()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= -1f && max <= 1f && max - min > 1.5f, min + " .. " + max);
        assertEquals(256, p.label().length);
        assertTrue(p.labelled());
    }

    @Test
    void segPairIsOneHotPlusEdgesAndNeedsALabel() {
        byte[] label = new byte[16 * 16];
        for (int i = 0; i < label.length; i++) {
            label[i] = (byte) (i < 128 ? 1 : 0);
        }
        TrainingPair p = TrainingPair.of("c2", 0, new byte[256], 16, new float[][]{ramp(16)}, new byte[][]{label}, 16, 16,
                Conditioning.SEG, 3);
        assertEquals(4, p.channels());
        for (int i = 0; i < 256; i++) {
            float sum = p.input()[i] + p.input()[256 + i] + p.input()[512 + i];
            assertEquals(1f, sum, "one-hot at pixel " + i);
        }
        assertEquals(1f, p.input()[768 + 128], "edge between the halves");
        assertThrows(IllegalArgumentException.class, () -> TrainingPair.of("c3", 0, new byte[256], 16,
                new float[][]{ramp(16)}, null, 16, 16, Conditioning.SEG, 3));
    }

    @Test
    void labelValuesOutsideTheClassesAreRejectedNamingTheCase() {
        byte[] label = new byte[256];
        label[0] = 5;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingPair.of("c9", 4,
                new byte[256], 16, new float[][]{ramp(16)}, new byte[][]{label}, 16, 16, Conditioning.UM, 3));
        assertTrue(e.getMessage().contains("c9") && e.getMessage().contains("5"), e.getMessage());
    }
}
