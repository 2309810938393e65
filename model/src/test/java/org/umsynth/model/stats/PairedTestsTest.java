package org.umsynth.model.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Expected values from scipy 1.17.1 (Debian python3-scipy), computed once with
 * {@code scipy.stats.wilcoxon(a, b, method=M, zero_method="wilcox", correction=False)}.
 */
class PairedTestsTest {

    @Test
    void exactPValueMatchesScipy() {
        // wilcoxon(a, b, method="exact") -> statistic 2.0, pvalue 0.046875
        double[] a = {0.91, 0.85, 0.78, 0.88, 0.93, 0.80, 0.86};
        double[] b = {0.90, 0.82, 0.80, 0.84, 0.88, 0.74, 0.79};
        PairedTests.Wilcoxon w = PairedTests.wilcoxon(a, b);
        assertTrue(w.exact());
        assertEquals(7, w.n());
        assertEquals(26.0, w.wPlus(), 1e-12);
        assertEquals(2.0, w.wMinus(), 1e-12);
        assertEquals(0.046875, w.p(), 1e-12);
        // method="approx": zstatistic -2.02837021134844 (scipy reports the smaller side)
        assertEquals(2.02837021134844, w.z(), 1e-9);
        assertEquals((26.0 - 2.0) / 28.0, w.rankBiserial(), 1e-12);
        assertTrue(w.canReachSignificance());

        // 12 pairs, mixed signs: wilcoxon(..., method="exact") -> statistic 37.0, pvalue 0.90966796875
        double[] c = {0.61, 0.72, 0.55, 0.80, 0.67, 0.90, 0.45, 0.77, 0.69, 0.83, 0.58, 0.74};
        double[] d = {0.60, 0.69, 0.59, 0.74, 0.72, 0.83, 0.53, 0.68, 0.59, 0.72, 0.70, 0.87};
        PairedTests.Wilcoxon w12 = PairedTests.wilcoxon(c, d);
        assertTrue(w12.exact());
        assertEquals(37.0, Math.min(w12.wPlus(), w12.wMinus()), 1e-12);
        assertEquals(0.90966796875, w12.p(), 1e-12);
    }

    @Test
    void tiesAndZerosUseTheTieCorrectedNormalApproximation() {
        // diffs 1,1,0,1,1,0,-1,1,-1,2: wilcoxon(a, b, method="approx", correction=False)
        // -> statistic 8.0, pvalue 0.13166801602281422, zstatistic -1.507556722888818
        double[] a = {5, 6, 7, 8, 9, 10, 4, 3, 2, 6};
        double[] b = {4, 5, 7, 7, 8, 10, 5, 2, 3, 4};
        PairedTests.Wilcoxon w = PairedTests.wilcoxon(a, b);
        assertFalse(w.exact());
        assertEquals(10, w.pairs());
        assertEquals(8, w.n(), "zero differences dropped");
        assertEquals(8.0, w.wMinus(), 1e-12);
        assertEquals(0.13166801602281422, w.p(), 1e-12);
        assertEquals(1.507556722888818, w.z(), 1e-12);
        assertEquals((28.0 - 8.0) / 36.0, w.rankBiserial(), 1e-12);
    }

    @Test
    void largeSampleUsesTheNormalApproximation() {
        // rng = np.random.default_rng(7); a = uniform(0.6,0.95,30); b = a - normal(0.02,0.03,30); both rounded
        // to 4 decimals; wilcoxon(a, b, method="approx", correction=False) -> statistic 76.0,
        // pvalue 0.0012862492683701533, zstatistic -3.2190302246618434
        double[] a = {0.8188, 0.9140, 0.8715, 0.6788, 0.7051, 0.9057, 0.6018, 0.8874, 0.8790, 0.7638, 0.7061, 0.6974,
                0.6892, 0.7558, 0.7766, 0.7937, 0.9484, 0.8774, 0.8178, 0.9461, 0.6754, 0.6561, 0.8144, 0.6154, 0.6125,
                0.7802, 0.7632, 0.9210, 0.8202, 0.7799};
        double[] b = {0.8447, 0.9084, 0.8808, 0.6831, 0.6532, 0.9100, 0.5828, 0.8409, 0.8765, 0.7471, 0.6827, 0.6755,
                0.7060, 0.7335, 0.7158, 0.8201, 0.9026, 0.8539, 0.8170, 0.8661, 0.6325, 0.6721, 0.7922, 0.5781, 0.5982,
                0.7397, 0.7452, 0.8810, 0.7571, 0.7802};
        PairedTests.Wilcoxon w = PairedTests.wilcoxon(a, b);
        assertFalse(w.exact());
        assertEquals(30, w.n());
        assertEquals(76.0, w.wMinus(), 1e-9);
        assertEquals(0.0012862492683701533, w.p(), 1e-12);
        assertEquals(3.2190302246618434, w.z(), 1e-9);
    }

    @Test
    void fiveCasesCannotReachSignificance() {
        // all five differences positive and distinct: the most extreme outcome; scipy method="exact" -> 0.0625
        double[] a = {0.90, 0.80, 0.70, 0.85, 0.95};
        double[] b = {0.89, 0.78, 0.67, 0.81, 0.90};
        PairedTests.Wilcoxon w = PairedTests.wilcoxon(a, b);
        assertTrue(w.exact());
        assertEquals(0.0625, w.p(), 1e-12);
        assertFalse(w.canReachSignificance());
        assertEquals(0.0625, w.smallestAttainableP(), 1e-12);
        assertEquals(1.0, w.rankBiserial(), 1e-12);
    }

    @Test
    void allZeroDifferencesHaveNoPValue() {
        PairedTests.Wilcoxon w = PairedTests.wilcoxon(new double[]{1, 0.5, 1}, new double[]{1, 0.5, 1});
        assertEquals(0, w.n());
        assertTrue(Double.isNaN(w.p()) && Double.isNaN(w.rankBiserial()));
        assertThrows(IllegalArgumentException.class, () -> PairedTests.wilcoxon(new double[]{1}, new double[]{1, 2}));
    }

    @Test
    void bootstrapIntervalIsSeededAndBracketsTheMean() {
        double[] v = {0.02, -0.01, 0.05, 0.03, 0.00, 0.04, 0.01, 0.06};
        double[] ci = PairedTests.bootstrapMeanCi(v, 4000, 11, 0.95);
        assertArrayEquals(ci, PairedTests.bootstrapMeanCi(v, 4000, 11, 0.95), "same seed, same interval");
        double mean = PairedTests.mean(v);
        assertTrue(ci[0] < mean && mean < ci[1], java.util.Arrays.toString(ci));
        // the mean of 8 values lies within the sample's range and the interval is narrower than it
        assertTrue(ci[0] > -0.01 && ci[1] < 0.06 && ci[1] - ci[0] < 0.05, java.util.Arrays.toString(ci));
        // normal theory: mean +- 1.96 * sd / sqrt(n) = 0.025 +- 0.0173; the bootstrap is close to it
        assertEquals(mean - 1.96 * PairedTests.sampleSd(v) / Math.sqrt(8), ci[0], 0.006);
        assertArrayEquals(new double[]{0.3, 0.3}, PairedTests.bootstrapMeanCi(new double[]{0.3}, 100, 1, 0.95), 1e-15);
        assertEquals(0.25, PairedTests.quantile(new double[]{0, 1}, 0.25), 1e-15);
    }
}
