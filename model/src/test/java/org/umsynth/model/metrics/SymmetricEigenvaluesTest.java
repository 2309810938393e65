package org.umsynth.model.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SymmetricEigenvaluesTest {

    /** A = Q diag(lambda) Q^T with a random rotation: the eigenvalues are known. */
    @ParameterizedTest(name = "n={0} bandwidth={1}")
    @CsvSource({"1,48", "2,48", "5,3", "47,48", "48,48", "49,48", "130,16", "200,48", "300,16", "257,1"})
    void knownSpectraOfRotatedDiagonals(int n, int bandwidth) {
        SplittableRandom rnd = new SplittableRandom(n * 31L + bandwidth);
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            // a cluster of equal eigenvalues and spread ones of both signs
            lambda[i] = i % 5 == 0 ? 1.5 : rnd.nextDouble() * 10 - 5;
        }
        double[] a = FrechetDistanceTest.rotate(FrechetDistanceTest.randomOrthogonal(n, rnd), lambda, n);
        assertSpectrum(lambda, eigenvaluesOfLowerOnly(a, n, bandwidth), 1e-12);
    }

    @Test
    void rankDeficientPsdKeepsItsZeros() {
        int n = 150;
        SplittableRandom rnd = new SplittableRandom(3);
        double[] lambda = new double[n];
        for (int i = 0; i < n; i++) {
            lambda[i] = i < 60 ? 0.0 : 0.5 + rnd.nextDouble() * 4;
        }
        double[] a = FrechetDistanceTest.rotate(FrechetDistanceTest.randomOrthogonal(n, rnd), lambda, n);
        double[] ev = eigenvaluesOfLowerOnly(a, n, 16);
        assertSpectrum(lambda, ev, 1e-12);
        for (int i = 0; i < 60; i++) {
            assertTrue(Math.abs(ev[i]) < 1e-12 * 4.5, "zero eigenvalue " + i + ": " + ev[i]);
        }
        assertTrue(ev[60] > 0.49);
    }

    /** General matrices (Gaussian entries), stored with lda > n at an offset: same as LAPACK's dsyevd. */
    @ParameterizedTest(name = "n={0} bandwidth={1}")
    @CsvSource({"333,48", "120,7"})
    void agreesWithOneStageLapack(int n, int bandwidth) {
        SplittableRandom rnd = new SplittableRandom(n);
        int lda = n + 5, offset = 11;
        double[] packed = new double[n * n];
        double[] strided = new double[offset + lda * n];
        Arrays.fill(strided, Double.NaN);
        for (int j = 0; j < n; j++) {
            for (int i = j; i < n; i++) {
                double v = rnd.nextGaussian();
                packed[j * n + i] = v;
                strided[offset + j * lda + i] = v;
            }
        }
        double[] reference = FrechetDistance.oneStageEigenvalues(packed, n);
        double[] ev;
        long[] stages = new long[2];
        try (DoublePointer p = new DoublePointer(strided)) {
            ev = SymmetricEigenvalues.ofLower(p.position(offset), n, lda, bandwidth, stages);
        }
        assertSpectrum(reference, ev, 1e-12);
        assertTrue(stages[0] > 0 && stages[1] > 0);
    }

    @Test
    void symmetricTimesUsesOnlyTheLowerTriangleAcrossBlocks() {
        int n = 300, k = 7; // n > the 256-row block: diagonal, below- and above-diagonal blocks all occur
        SplittableRandom rnd = new SplittableRandom(9);
        double[] s = new double[n * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                s[j * n + i] = i >= j ? rnd.nextGaussian() : Double.NaN;
            }
        }
        double[] b = new double[n * k];
        for (int i = 0; i < b.length; i++) {
            b[i] = rnd.nextGaussian();
        }
        double[] c = new double[n * k];
        try (DoublePointer sp = new DoublePointer(s); DoublePointer bp = new DoublePointer(b);
             DoublePointer cp = new DoublePointer((long) n * k); DoublePointer block = new DoublePointer(256L * 256)) {
            SymmetricEigenvalues.symmetricTimes(sp, n, n, bp, cp, k, block);
            cp.get(c);
        }
        for (int col = 0; col < k; col++) {
            for (int i = 0; i < n; i++) {
                double expected = 0;
                for (int l = 0; l < n; l++) {
                    expected += (i >= l ? s[l * n + i] : s[i * n + l]) * b[col * n + l];
                }
                assertEquals(expected, c[col * n + i], 1e-12 * n, "row " + i + " column " + col);
            }
        }
    }

    @Test
    void spectrumCheckRejectsWrongEigenvalues() {
        double[] ev = {1, 2, 3, 4};
        assertNull(FrechetDistance.spectrumViolation(ev, 10, 30));
        assertNotNull(FrechetDistance.spectrumViolation(new double[]{1, 2, 3, 4.001}, 10, 30));
        assertNotNull(FrechetDistance.spectrumViolation(new double[]{0, 3, 3, 4}, 10, 30)); // same trace, other norm
        assertNotNull(FrechetDistance.spectrumViolation(new double[]{1, 2, 3, Double.NaN}, 10, 30));
    }

    /** Band path (several bandwidths) vs the one-stage dsyevd path on covariances of correlated samples. */
    @ParameterizedTest(name = "n_samples={0}")
    @CsvSource({"400", "90"})
    void frechetDistanceIsTheSameThroughBothEigenvaluePaths(int samples) {
        int d = 200;
        FeatureMoments a = FrechetDistanceTest.moments(FrechetDistanceTest.correlatedSample(samples, d, 21));
        FeatureMoments b = FrechetDistanceTest.moments(FrechetDistanceTest.correlatedSample(samples, d, 22));
        FrechetDistance.Result reference = FrechetDistance.between(a.mean(), a.covariance(), b.mean(), b.covariance(), 0, null);
        assertEquals(Math.min(samples - 1, d), reference.rankS1());
        for (int bandwidth : new int[]{1, 16, 48, 64}) {
            FrechetDistance.Result r = FrechetDistance.between(a.mean(), a.covariance(), b.mean(), b.covariance(), bandwidth, null);
            assertEquals(reference.traceSqrtProduct(), r.traceSqrtProduct(), 1e-12 * reference.traceSqrtProduct(), "bandwidth " + bandwidth);
            assertEquals(reference.distance(), r.distance(), 1e-11 * reference.distance(), "bandwidth " + bandwidth);
        }
    }

    /** Closed form with a singular S1: S1 = Q D1 Q^T, S2 = Q D2 Q^T, Tr sqrt(S1 S2) = sum sqrt(d1 d2). */
    @Test
    void closedFormWithRankDeficientCovariance() {
        int d = 130;
        SplittableRandom rnd = new SplittableRandom(5);
        double[] q = FrechetDistanceTest.randomOrthogonal(d, rnd);
        double[] d1 = new double[d], d2 = new double[d];
        double expectedTrace = 0, traceSum = 0;
        int rank = 0;
        for (int i = 0; i < d; i++) {
            d1[i] = i % 3 == 0 ? 0.0 : 0.5 + rnd.nextDouble() * 4;
            d2[i] = 0.5 + rnd.nextDouble() * 4;
            rank += d1[i] > 0 ? 1 : 0;
            expectedTrace += Math.sqrt(d1[i] * d2[i]);
            traceSum += d1[i] + d2[i];
        }
        double[] mu = new double[d];
        FrechetDistance.Result r = FrechetDistance.between(mu, FrechetDistanceTest.rotate(q, d1, d), mu,
                FrechetDistanceTest.rotate(q, d2, d), 16, null);
        assertEquals(rank, r.rankS1());
        assertEquals(expectedTrace, r.traceSqrtProduct(), 1e-10 * expectedTrace);
        assertEquals(traceSum - 2 * expectedTrace, r.distance(), 1e-9 * traceSum);
    }

    /** Lower triangle of the column-major (= row-major, symmetric) a only: NaN above the diagonal. */
    private static double[] eigenvaluesOfLowerOnly(double[] a, int n, int bandwidth) {
        double[] lower = a.clone();
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < j; i++) {
                lower[j * n + i] = Double.NaN;
            }
        }
        try (DoublePointer p = new DoublePointer(lower)) {
            return SymmetricEigenvalues.ofLower(p, n, n, bandwidth, null);
        }
    }

    private static void assertSpectrum(double[] expected, double[] actual, double relativeTolerance) {
        double[] sorted = expected.clone();
        Arrays.sort(sorted);
        assertEquals(sorted.length, actual.length);
        double scale = Math.max(Math.abs(sorted[0]), Math.abs(sorted[sorted.length - 1]));
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(sorted[i], actual[i], relativeTolerance * scale, "eigenvalue " + i);
        }
    }
}
