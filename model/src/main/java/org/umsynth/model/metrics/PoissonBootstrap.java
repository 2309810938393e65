package org.umsynth.model.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Poisson bootstrap for mergeable moments: replicate b gives image i the weight
 * {@code w ~ Poisson(1)}, drawn from a generator seeded by (seed, image key, b) only. Summing
 * weighted moments is then the moments of a bootstrap resample (of random size, mean N), computed
 * in one streaming pass with no stored features, identical whatever the partitioning, task order or
 * retries. Memory: B extra moment sets, {@code B * d (d + 1) / 2 * 8} bytes per task and set
 * (168 MB for B = 10, d = 2048), so B stays small by default; an interval from B replicates is a
 * coarse CI (with B = 10 the 2.5/97.5 percentiles are nearly the extreme replicates).
 *
 * <p>Why not bootstrap partition-level blocks: their number depends on the partitioning, they are
 * not exchangeable when a partition holds one case's slices, and they give few resampling units.
 */
public final class PoissonBootstrap {
    private PoissonBootstrap() {}

    private static final double EXP_MINUS_ONE = Math.exp(-1.0);

    /** Poisson(1) weight of one image in one replicate. */
    public static int weight(long seed, long imageKey, int replicate) {
        long mixed = seed * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(imageKey * 0xC2B2AE3D27D4EB4FL, 17) ^ replicate * 0x165667B19E3779F9L;
        SplittableRandom rnd = new SplittableRandom(mixed);
        // Knuth: count uniforms until their product drops below e^-1
        int k = 0;
        double p = rnd.nextDouble();
        while (p > EXP_MINUS_ONE) {
            k++;
            p *= rnd.nextDouble();
        }
        return k;
    }

    /** A stable 64-bit key of an image identifier (e.g. "case/slice" or a sample id). */
    public static long key(String imageId) {
        long h = 0xcbf29ce484222325L; // FNV-1a
        for (int i = 0; i < imageId.length(); i++) {
            h ^= imageId.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Percentile interval [(1-level)/2, (1+level)/2] with linear interpolation (numpy's default). */
    public static double[] percentileInterval(double[] replicates, double level) {
        if (replicates.length == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        double[] s = replicates.clone();
        Arrays.sort(s);
        return new double[]{quantile(s, (1 - level) / 2), quantile(s, (1 + level) / 2)};
    }

    /**
     * The percentile interval shifted by the bootstrap's bias estimate {@code mean(replicates) -
     * estimate}, then clamped at {@code floor}. FID needs this: it is biased upward by a term that
     * grows as the number of distinct images shrinks, and a resample holds only ~63% distinct
     * images, so the raw percentile interval of FID replicates lies above the estimate (for two
     * samples of one distribution it need not even contain it).
     */
    public static double[] biasCorrectedInterval(double estimate, double[] replicates, double level, double floor) {
        double[] raw = percentileInterval(replicates, level);
        if (replicates.length == 0) {
            return raw;
        }
        double bias = Arrays.stream(replicates).average().orElseThrow() - estimate;
        return new double[]{Math.max(floor, raw[0] - bias), Math.max(floor, raw[1] - bias)};
    }

    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
