package org.umsynth.model.um;

/**
 * Agreement of two label images, as bench/slic/compare.py measures it: boundary recall with a
 * tolerance (fraction of {@code reference}'s boundary pixels, a pixel whose right or lower neighbour
 * has another label, with a boundary pixel of {@code test} within Chebyshev distance {@code tol}).
 */
final class SegmentationAgreement {
    private SegmentationAgreement() {}

    static boolean[] boundaries(int[] labels, int width, int height) {
        boolean[] b = new boolean[labels.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                b[i] = (x + 1 < width && labels[i] != labels[i + 1]) || (y + 1 < height && labels[i] != labels[i + width]);
            }
        }
        return b;
    }

    static double boundaryRecall(int[] reference, int[] test, int width, int height, int tol) {
        boolean[] rb = boundaries(reference, width, height);
        boolean[] tb = boundaries(test, width, height);
        long total = 0, hit = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (!rb[y * width + x]) continue;
                total++;
                search:
                for (int yy = Math.max(0, y - tol); yy <= Math.min(height - 1, y + tol); yy++) {
                    for (int xx = Math.max(0, x - tol); xx <= Math.min(width - 1, x + tol); xx++) {
                        if (tb[yy * width + xx]) { hit++; break search; }
                    }
                }
            }
        }
        return total == 0 ? 1.0 : (double) hit / total;
    }
}
