package org.umsynth.model.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    @Test
    void tinyHandComputedCase() {
        // A: corners of [0,2]^2 -> mu (1,1), unbiased cov 4/3 I; B: corners of [0,4]^2 -> mu (2,2), cov 16/3 I
        FeatureMoments a = moments(new double[][]{{0, 0}, {2, 0}, {0, 2}, {2, 2}});
        FeatureMoments b = moments(new double[][]{{0, 0}, {4, 0}, {0, 4}, {4, 4}});
        assertArrayClose(new double[]{4.0 / 3, 0, 0, 4.0 / 3}, a.covariance(), 1e-15);
        FrechetDistance.Result r = FrechetDistance.between(a, b);
        assertEquals(2.0, r.meanTerm(), 1e-15);
        assertEquals(16.0 / 3, r.traceSqrtProduct(), 1e-12);
        assertEquals(2.0 + 8.0 / 3, r.distance(), 1e-12);
        assertEquals(Math.sqrt(4.0 / 3), b.copy().merge(new FeatureMoments(2)).standardDeviations()[0] / 2, 1e-15);
        assertEquals(4 / Math.sqrt(3), b.meanStandardDeviation(), 1e-14);
    }

    @Test
    void closedFormDiagonalGaussians() {
        int d = 50;
        SplittableRandom rnd = new SplittableRandom(1);
        double[] mu1 = new double[d], mu2 = new double[d], s1 = new double[d * d], s2 = new double[d * d];
        double expected = 0;
        for (int i = 0; i < d; i++) {
            mu1[i] = rnd.nextGaussian();
            mu2[i] = rnd.nextGaussian();
            double v1 = 0.1 + rnd.nextDouble() * 3, v2 = 0.1 + rnd.nextDouble() * 3;
            s1[i * d + i] = v1;
            s2[i * d + i] = v2;
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + v1 + v2 - 2 * Math.sqrt(v1 * v2);
        }
        double got = FrechetDistance.between(mu1, s1, mu2, s2).distance();
        assertEquals(expected, got, 1e-10 * expected);
    }

    @Test
    void closedFormFullCovariancesThatDoNotCommute() {
        // for 2x2: Tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))
        double[] s1 = {2.0, 0.9, 0.9, 1.0};
        double[] s2 = {0.5, -0.3, -0.3, 3.0};
        double trProd = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
        double det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2];
        double trSqrt = Math.sqrt(trProd + 2 * Math.sqrt(det1 * det2));
        double[] mu1 = {1, -2}, mu2 = {0.5, 1};
        double expected = 0.25 + 9 + (2 + 1 + 0.5 + 3) - 2 * trSqrt;
        FrechetDistance.Result r = FrechetDistance.between(mu1, s1, mu2, s2);
        assertEquals(trSqrt, r.traceSqrtProduct(), 1e-13);
        assertEquals(expected, r.distance(), 1e-12);
        // symmetric in its arguments
        assertEquals(expected, FrechetDistance.between(mu2, s2, mu1, s1).distance(), 1e-12);
    }

    /** d = 300 is above the size where OpenBLAS 0.3.19's AVX-512 eigenvector path goes wrong. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {40, 300})
    void closedFormFullCovariancesSharingEigenvectors(int d) {
        // S1 = Q D1 Q^T, S2 = Q D2 Q^T with a random rotation Q: Tr sqrt(S1 S2) = sum sqrt(d1 d2)
        SplittableRandom rnd = new SplittableRandom(7);
        double[] q = randomOrthogonal(d, rnd);
        double[] d1 = new double[d], d2 = new double[d];
        double expectedTrace = 0, traceSum = 0;
        for (int i = 0; i < d; i++) {
            d1[i] = rnd.nextDouble() * 5;
            d2[i] = rnd.nextDouble() * 5;
            expectedTrace += Math.sqrt(d1[i] * d2[i]);
            traceSum += d1[i] + d2[i];
        }
        double[] mu = new double[d];
        FrechetDistance.Result r = FrechetDistance.between(mu, rotate(q, d1, d), mu, rotate(q, d2, d));
        assertEquals(expectedTrace, r.traceSqrtProduct(), 1e-10 * expectedTrace);
        assertEquals(traceSum - 2 * expectedTrace, r.distance(), 1e-9 * traceSum);
    }

    @Test
    void identicalSetsGiveZero() {
        int d = 64;
        FeatureMoments a = moments(correlatedSample(500, d, 3));
        FrechetDistance.Result r = FrechetDistance.between(a, a);
        assertEquals(0.0, r.distance(), 1e-9 * r.traceTerm());
    }

    @Test
    void rankDeficientInputsStayFiniteNonNegativeAndSymmetric() {
        int d = 30;
        FeatureMoments a = moments(correlatedSample(8, d, 11));
        FeatureMoments b = moments(correlatedSample(12, d, 12));
        assertTrue(a.rankDeficient());
        assertTrue(b.rankDeficient());
        double ab = FrechetDistance.between(a, b).distance();
        double ba = FrechetDistance.between(b, a).distance();
        assertTrue(Double.isFinite(ab) && ab > 0, "fid " + ab);
        assertEquals(ab, ba, 1e-9 * ab);
        FrechetDistance.Result aa = FrechetDistance.between(a, a);
        assertEquals(7, aa.rankS1());
        assertEquals(0.0, aa.distance(), 1e-9 * aa.traceTerm());
        // a single repeated vector: zero covariance on both sides, FID = |mu1 - mu2|^2
        FeatureMoments c = moments(new double[][]{{1, 2, 3}, {1, 2, 3}});
        FeatureMoments e = moments(new double[][]{{0, 2, 5}, {0, 2, 5}});
        assertEquals(5.0, FrechetDistance.between(c, e).distance(), 1e-12);
    }

    /** Full rank: the blocked unpivoted Cholesky (3 panels, the last partial) agrees with dpstrf. */
    @Test
    void unpivotedAndPivotedFactorsGiveTheSameDistance() {
        int d = 300;
        double[] s1 = moments(correlatedSample(700, d, 31)).covariance();
        double[] s2 = moments(correlatedSample(700, d, 32)).covariance();
        double[] traces = new double[2];
        for (int variant = 0; variant < 2; variant++) {
            boolean unpivoted = variant == 0;
            try (FrechetDistance.Factor f = FrechetDistance.semidefiniteFactor(s1, d, unpivoted)) {
                assertEquals(d, f.rank());
                if (unpivoted) {
                    for (int i = 0; i < d; i++) {
                        assertEquals(i, f.pivot()[i]);
                    }
                }
                assertReconstructs(s1, f, 1e-12);
                traces[variant] = FrechetDistance.traceSqrtOfCongruence(f, s2, SymmetricEigenvalues.DEFAULT_BANDWIDTH, new long[4]);
            }
        }
        assertEquals(traces[1], traces[0], 1e-12 * traces[1]);
    }

    /** Semi-definite input: the unpivoted attempt gives up, dpstrf finds the rank. */
    @Test
    void unpivotedCholeskyRefusesSemidefiniteInput() {
        int d = 200;
        double[] s = moments(correlatedSample(150, d, 33)).covariance();
        double maxDiag = 0;
        for (int i = 0; i < d; i++) {
            maxDiag = Math.max(maxDiag, s[i * d + i]);
        }
        try (org.bytedeco.javacpp.DoublePointer p = new org.bytedeco.javacpp.DoublePointer(s)) {
            assertTrue(!FrechetDistance.unpivotedCholesky(p, d, d * Math.ulp(1.0) * maxDiag));
        }
        try (FrechetDistance.Factor f = FrechetDistance.semidefiniteFactor(s, d)) {
            // 149 in exact arithmetic; the covariance from running sums carries cancellation noise that
            // dpstrf's tolerance d * eps * max(diag) may count as one more direction
            assertTrue(f.rank() == 149 || f.rank() == 150, "rank " + f.rank());
            assertReconstructs(s, f, 1e-12);
        }
    }

    /** S(piv[i], piv[j]) == (L L^T)(i, j) everywhere. */
    static void assertReconstructs(double[] s, FrechetDistance.Factor f, double relativeTolerance) {
        int d = f.dim();
        double[] l = new double[d * d];
        f.lower().get(l);
        double scale = 0;
        for (int i = 0; i < d; i++) {
            scale = Math.max(scale, s[i * d + i]);
        }
        for (int j = 0; j < d; j++) {
            for (int i = j; i < d; i++) {
                double acc = 0;
                for (int k = 0; k <= j; k++) {
                    acc += l[k * d + i] * l[k * d + j];
                }
                assertEquals(s[f.pivot()[i] * d + f.pivot()[j]], acc, relativeTolerance * scale, "entry " + i + "," + j);
            }
        }
    }

    static FeatureMoments moments(double[][] xs) {
        return new FeatureMoments(xs[0].length).addAll(xs);
    }

    static double[][] correlatedSample(int n, int d, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] mix = new double[d * d];
        for (int i = 0; i < mix.length; i++) {
            mix[i] = rnd.nextGaussian() / Math.sqrt(d);
        }
        double[][] xs = new double[n][d];
        for (int k = 0; k < n; k++) {
            double[] z = new double[d];
            for (int i = 0; i < d; i++) {
                z[i] = rnd.nextGaussian();
            }
            for (int i = 0; i < d; i++) {
                double s = 0.5 + i * 0.01;
                for (int j = 0; j < d; j++) {
                    s += mix[i * d + j] * z[j];
                }
                xs[k][i] = s;
            }
        }
        return xs;
    }

    static double[] randomOrthogonal(int d, SplittableRandom rnd) {
        double[] q = new double[d * d]; // Gram-Schmidt on Gaussian columns, row-major q[i*d+col]
        for (int c = 0; c < d; c++) {
            double[] v = new double[d];
            for (int i = 0; i < d; i++) {
                v[i] = rnd.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += v[i] * q[i * d + p];
                }
                for (int i = 0; i < d; i++) {
                    v[i] -= dot * q[i * d + p];
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < d; i++) {
                q[i * d + c] = v[i] / norm;
            }
        }
        return q;
    }

    static double[] rotate(double[] q, double[] diag, int d) {
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double acc = 0;
                for (int k = 0; k < d; k++) {
                    acc += q[i * d + k] * diag[k] * q[j * d + k];
                }
                s[i * d + j] = acc;
            }
        }
        return s;
    }

    static void assertArrayClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, "index " + i);
        }
    }
}
