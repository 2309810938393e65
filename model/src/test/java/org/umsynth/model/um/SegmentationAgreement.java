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

    /**
     * True when every label in {@code [0, count)} is used and forms one 4-connected piece, and no
     * piece is smaller than {@code minSize} (unless there is a single segment).
     */
    static boolean connectedAndSized(int[] labels, int width, int height, int count, int minSize) {
        int[] size = new int[count];
        for (int l : labels) {
            if (l < 0 || l >= count) return false;
            size[l]++;
        }
        boolean[] seen = new boolean[count];
        boolean[] visited = new boolean[labels.length];
        int[] queue = new int[labels.length];
        for (int start = 0; start < labels.length; start++) {
            int l = labels[start];
            if (seen[l]) continue;
            seen[l] = true;
            int head = 0, tail = 0;
            queue[tail++] = start;
            visited[start] = true;
            while (head < tail) {
                int p = queue[head++];
                int y = p / width, x = p % width;
                int[] nb = {x + 1 < width ? p + 1 : -1, x > 0 ? p - 1 : -1, y + 1 < height ? p + width : -1, y > 0 ? p - width : -1};
                for (int q : nb) {
                    if (q >= 0 && !visited[q] && labels[q] == l) { visited[q] = true; queue[tail++] = q; }
                }
            }
            if (tail != size[l]) return false;
            if (size[l] < minSize && count > 1) return false;
        }
        for (boolean b : seen) if (!b) return false;
        return true;
    }
}
