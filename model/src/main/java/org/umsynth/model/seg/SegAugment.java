package org.umsynth.model.seg;

import java.util.SplittableRandom;

/**
 * Seeded augmentation of a training slice: a left-right flip with probability 1/2 (the chest is close to
 * mirror-symmetric) and an integer shift of up to {@code maxShift} pixels in x and y, uncovered pixels
 * filled with air (-1 on the image scale) and background. The transform depends only on the seed, so
 * every arm of the utility experiment draws the same sequence of transforms for the same seed.
 */
public final class SegAugment {
    /** The drawn transform. */
    public record Transform(boolean flip, int dx, int dy) {
        public boolean identity() {
            return !flip && dx == 0 && dy == 0;
        }
    }

    private SegAugment() {}

    public static Transform draw(long seed, int maxShift) {
        SplittableRandom random = new SplittableRandom(seed);
        boolean flip = random.nextBoolean();
        int dx = maxShift > 0 ? random.nextInt(-maxShift, maxShift + 1) : 0;
        int dy = maxShift > 0 ? random.nextInt(-maxShift, maxShift + 1) : 0;
        return new Transform(flip, dx, dy);
    }

    public static SegSample apply(SegSample s, Transform t) {
        if (t.identity()) {
            return s;
        }
        int n = s.size();
        float[] image = new float[n * n];
        byte[] label = new byte[n * n];
        java.util.Arrays.fill(image, -1f);
        for (int y = 0; y < n; y++) {
            int sy = y - t.dy();
            if (sy < 0 || sy >= n) {
                continue;
            }
            for (int x = 0; x < n; x++) {
                int sx0 = x - t.dx();
                if (sx0 < 0 || sx0 >= n) {
                    continue;
                }
                int sx = t.flip() ? n - 1 - sx0 : sx0;
                image[y * n + x] = s.image()[sy * n + sx];
                label[y * n + x] = s.label()[sy * n + sx];
            }
        }
        return new SegSample(s.caseId(), s.sliceIndex(), n, image, label);
    }
}
