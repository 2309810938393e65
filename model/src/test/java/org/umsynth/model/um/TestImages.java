package org.umsynth.model.um;

import java.util.Random;

/** Deterministic test images. */
final class TestImages {
    private TestImages() {}

    /** A chest-like HU slice: room air, body ellipse with fat rim, two lungs with vessels, spine, noise. */
    static float[] chestHu(int side, long seed) {
        Random random = new Random(seed);
        double s = side / 512.0;
        float[] hu = new float[side * side];
        double[][] vessels = new double[40][];
        for (int i = 0; i < vessels.length; i++) {
            vessels[i] = new double[]{(130 + random.nextDouble() * 250) * s, (170 + random.nextDouble() * 170) * s, (2 + random.nextDouble() * 5) * s};
        }
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double v = -1000;
                if (ell(x, y, 256 * s, 260 * s, 210 * s, 150 * s)) v = ell(x, y, 256 * s, 260 * s, 195 * s, 135 * s) ? 40 : -100;
                boolean lung = ell(x, y, 175 * s, 250 * s, 62 * s, 95 * s) || ell(x, y, 337 * s, 250 * s, 62 * s, 95 * s);
                if (lung) {
                    v = -850;
                    for (double[] c : vessels) {
                        if ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1]) <= c[2] * c[2]) v = 30;
                    }
                }
                if (ell(x, y, 256 * s, 365 * s, 22 * s, 22 * s)) v = 700;
                hu[y * side + x] = (float) (v + random.nextGaussian() * 20);
            }
        }
        return hu;
    }

    static boolean ell(double x, double y, double cx, double cy, double rx, double ry) {
        double dx = (x - cx) / rx, dy = (y - cy) / ry;
        return dx * dx + dy * dy <= 1;
    }

    /** Integer-only pattern, generated identically by the Python snippet in SlicTest. */
    static byte[] pattern(int w, int h) {
        byte[] g = new byte[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = 60;
                int ax = x - w / 3, ay = y - h / 2, r1 = h / 4;
                if (ax * ax + ay * ay < r1 * r1) v = 20;
                int bx = x - 2 * w / 3, r2 = h / 5;
                if (bx * bx + ay * ay < r2 * r2) v = 200;
                v += (x * 7 + y * 13 + (x * y) % 11) % 17;
                g[y * w + x] = (byte) v;
            }
        }
        return g;
    }
}
