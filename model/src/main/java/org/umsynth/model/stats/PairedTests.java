package org.umsynth.model.stats;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.WilcoxonSignedRankTest;
import org.apache.commons.math3.stat.ranking.NaNStrategy;
import org.apache.commons.math3.stat.ranking.NaturalRanking;
import org.apache.commons.math3.stat.ranking.TiesStrategy;

/**
 * Paired comparisons of two arms on the same cases: the two-sided Wilcoxon signed-rank test, the
 * matched-pairs rank-biserial correlation, and a percentile-bootstrap confidence interval of the mean
 * paired difference.
 *
 * <p>Wilcoxon conventions (those of {@code scipy.stats.wilcoxon} with {@code zero_method='wilcox'},
 * {@code correction=False}): zero differences are dropped, n is the count of the rest; ties share their
 * average rank. With n <= {@value #EXACT_MAX_N} and no ties the p-value is exact (commons-math3
 * {@link WilcoxonSignedRankTest}, which enumerates all 2^n sign patterns); otherwise the normal
 * approximation with the tie-corrected variance and no continuity correction. (commons-math3's own
 * approximation is not used: it keeps zero differences, has no tie correction, and shifts its
 * continuity correction away from the mean.) scipy's {@code method='auto'} stays exact up to n = 50, so
 * for 20 < n <= 50 without ties our p equals scipy's {@code method='approx'}, not its default.
 */
public final class PairedTests {
    /** Largest n for the exact p-value (2^n sign patterns are enumerated). */
    public static final int EXACT_MAX_N = 20;
    /** Smallest n at which the exact two-sided test can reach p < 0.05 (2 / 2^6 = 0.031). */
    public static final int MIN_N_FOR_SIGNIFICANCE = 6;

    private PairedTests() {}

    /**
     * Result of a signed-rank test of {@code a - b}.
     *
     * @param pairs        number of pairs given
     * @param n            non-zero differences (the test's n)
     * @param wPlus        rank sum of the positive differences (a > b)
     * @param wMinus       rank sum of the negative differences
     * @param p            two-sided p-value; NaN when every difference is 0
     * @param exact        true when {@code p} is exact
     * @param z            the normal statistic (W+ - E) / sd (NaN when n = 0)
     * @param rankBiserial (W+ - W-) / (W+ + W-) in [-1, 1], positive when a tends to exceed b; NaN when n = 0
     */
    public record Wilcoxon(int pairs, int n, double wPlus, double wMinus, double p, boolean exact, double z,
                           double rankBiserial) {
        /** False when n is too small for the exact two-sided test to reach p < 0.05 at all. */
        public boolean canReachSignificance() {
            return n >= MIN_N_FOR_SIGNIFICANCE;
        }

        /** The smallest two-sided p the exact test can give at this n. */
        public double smallestAttainableP() {
            return Math.min(1.0, 2.0 / Math.pow(2, n));
        }
    }

    public static Wilcoxon wilcoxon(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired samples differ in length: " + a.length + " vs " + b.length);
        }
        double[] d = new double[a.length];
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = a[i] - b[i];
            if (Double.isNaN(diff)) {
                throw new IllegalArgumentException("NaN in paired sample at index " + i);
            }
            if (diff != 0) {
                d[n++] = diff;
            }
        }
        d = Arrays.copyOf(d, n);
        if (n == 0) {
            return new Wilcoxon(a.length, 0, 0, 0, Double.NaN, false, Double.NaN, Double.NaN);
        }
        double[] abs = new double[n];
        for (int i = 0; i < n; i++) {
            abs[i] = Math.abs(d[i]);
        }
        double[] ranks = new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE).rank(abs);
        double wPlus = 0;
        for (int i = 0; i < n; i++) {
            if (d[i] > 0) {
                wPlus += ranks[i];
            }
        }
        double total = n * (n + 1) / 2.0;
        double wMinus = total - wPlus;
        // tie correction of the variance: sum over tie groups of (t^3 - t) / 48
        double[] sorted = abs.clone();
        Arrays.sort(sorted);
        double tieTerm = 0;
        boolean ties = false;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && sorted[j + 1] == sorted[i]) {
                j++;
            }
            int t = j - i + 1;
            if (t > 1) {
                ties = true;
                tieTerm += (t * (double) t * t - t) / 48.0;
            }
            i = j + 1;
        }
        double mean = total / 2.0;
        double variance = n * (n + 1.0) * (2 * n + 1.0) / 24.0 - tieTerm;
        double z = variance > 0 ? (wPlus - mean) / Math.sqrt(variance) : 0.0;
        double p;
        boolean exact = !ties && n <= EXACT_MAX_N;
        if (exact) {
            // differences d against zeros: commons-math ranks |d| (no zeros, no ties here) and enumerates
            p = new WilcoxonSignedRankTest().wilcoxonSignedRankTest(d, new double[n], true);
        } else {
            p = variance > 0 ? 2 * new NormalDistribution(null, 0, 1).cumulativeProbability(-Math.abs(z)) : 1.0;
        }
        return new Wilcoxon(a.length, n, wPlus, wMinus, Math.min(1.0, p), exact, z, (wPlus - wMinus) / total);
    }

    /**
     * Percentile-bootstrap interval of the mean of {@code values} (cases resampled with replacement,
     * {@code replicates} times, seeded); quantiles interpolated linearly (numpy's default). A single value
     * gives the degenerate interval [v, v]; no values, [NaN, NaN].
     */
    public static double[] bootstrapMeanCi(double[] values, int replicates, long seed, double level) {
        if (!(level > 0 && level < 1) || replicates < 1) {
            throw new IllegalArgumentException("bootstrap needs 0 < level < 1 and replicates >= 1: " + level + ", " + replicates);
        }
        int n = values.length;
        if (n == 0) {
            return new double[]{Double.NaN, Double.NaN};
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[replicates];
        for (int r = 0; r < replicates; r++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += values[random.nextInt(n)];
            }
            means[r] = s / n;
        }
        Arrays.sort(means);
        double alpha = (1 - level) / 2;
        return new double[]{quantile(means, alpha), quantile(means, 1 - alpha)};
    }

    /** Linear-interpolation quantile of sorted values (numpy {@code percentile} default). */
    public static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    public static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    /** Sample standard deviation (n - 1); 0 for fewer than two values. */
    public static double sampleSd(double[] v) {
        if (v.length < 2) {
            return 0.0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
