package org.umsynth.model.um;

import org.junit.jupiter.api.Test;
import org.umsynth.model.image.Resize;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ResizeAndLesionTest {

    @Test
    void downsamplingPreservesTheMeanAndConstants() {
        Random r = new Random(1);
        float[] img = new float[512 * 512];
        for (int i = 0; i < img.length; i++) img[i] = (float) (r.nextDouble() * 255);
        for (Resize.Filter f : Resize.Filter.values()) {
            float[] small = Resize.resize(img, 512, 512, 256, 256, f);
            assertEquals(mean(img), mean(small), 0.05, f.name());
            float[] odd = Resize.resize(img, 512, 512, 200, 130, f);
            assertEquals(mean(img), mean(odd), 0.5, f.name());
        }
        float[] c = new float[300 * 200];
        java.util.Arrays.fill(c, 42.25f);
        for (float v : Resize.resize(c, 300, 200, 128, 97)) assertEquals(42.25f, v, 1e-4f);
        for (float v : Resize.resize(c, 300, 200, 640, 401)) assertEquals(42.25f, v, 1e-4f);
    }

    @Test
    void halvingIsPillowsTriangleFilter() {
        // 8 -> 4 px: weights (1,3,3,1)/8 in the interior, renormalised at the border
        float[] row = {0, 8, 16, 24, 32, 40, 48, 56};
        float[] out = Resize.resize(row, 8, 1, 4, 1);
        assertEquals((0 * 3 + 8 * 3 + 16 * 1) / 7f, out[0], 1e-5f);
        assertEquals((8 + 16 * 3 + 24 * 3 + 32) / 8f, out[1], 1e-5f);
        // enlarging is plain bilinear: 2 -> 4 px
        float[] up = Resize.resize(new float[]{0, 4}, 2, 1, 4, 1);
        assertArrayEquals(new float[]{0, 1, 3, 4}, up, 1e-6f);
    }

    @Test
    void labelDownsamplingKeepsLabelValues() {
        byte[] lab = new byte[8 * 8];
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) lab[y * 8 + x] = (byte) (x < 4 ? 1 : 0);
        lab[0] = 2; lab[1] = 2; // 2 of 4 pixels of the first block: tie with class 1 -> higher class wins
        byte[] maj = Resize.majorityLabels(lab, 8, 8, 4, 4);
        assertEquals(2, maj[0]);
        assertEquals(1, maj[1]);
        assertEquals(0, maj[2]);
        byte[] near = Resize.nearestLabels(lab, 8, 8, 4, 4);
        assertEquals(1, near[0]); // source pixel (1,1)
        assertEquals(0, near[3]);
    }

    @Test
    void discPaintingChangesExactlyTheDisc() {
        int w = 64, h = 48;
        byte[] um = new byte[w * h];
        java.util.Arrays.fill(um, (byte) 100);
        byte[] painted = LesionControl.paintDisc(um, w, h, 20, 30, 5, -300, 10);
        int expected = UnsupervisedMask.quantise((-300 + 1500) / 1600.0 * 255, 10); // 191.25 -> 190
        assertEquals(190, expected);
        int changed = 0;
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            boolean inside = (x - 20) * (x - 20) + (y - 30) * (y - 30) <= 25;
            assertEquals(inside ? expected : 100, painted[y * w + x] & 0xFF);
            if (inside) changed++;
        }
        assertEquals(81, changed); // lattice points in a radius-5 disc
        assertEquals(100, um[30 * w + 20]); // input untouched
    }

    @Test
    void perturbationIsSeededAndQuantised() {
        int w = 64;
        byte[] um = new byte[w * w];
        for (int i = 0; i < um.length; i++) um[i] = (byte) ((i % w) < 32 ? 100 : 160); // left half lung-like
        LesionControl.Perturbed a = LesionControl.perturb(um, w, w, 10, 42, 2, 3, 2, 5, -700, 0);
        LesionControl.Perturbed b = LesionControl.perturb(um, w, w, 10, 42, 2, 3, 2, 5, -700, 0);
        LesionControl.Perturbed c = LesionControl.perturb(um, w, w, 10, 43, 2, 3, 2, 5, -700, 0);
        assertArrayEquals(a.um(), b.um());
        assertEquals(a.description(), b.description());
        assertNotEquals(a.description(), c.description());
        int lesionPixels = 0;
        for (int i = 0; i < um.length; i++) {
            assertEquals(0, (a.um()[i] & 0xFF) % 10);
            if (a.lesion()[i]) lesionPixels++;
            else assertTrue(Math.abs((a.um()[i] & 0xFF) - (um[i] & 0xFF)) <= 20);
        }
        assertTrue(lesionPixels > 0);
        assertTrue(a.description().contains("\"seed\":42"));
    }

    private static double mean(float[] a) {
        double s = 0;
        for (float v : a) s += v;
        return s / a.length;
    }
}
