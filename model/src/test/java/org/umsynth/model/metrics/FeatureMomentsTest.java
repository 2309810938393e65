package org.umsynth.model.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FeatureMomentsTest {

    @Test
    void mergeOfPartsEqualsSinglePass() {
        double[][] xs = FrechetDistanceTest.correlatedSample(101, 17, 5);
        FeatureMoments single = new FeatureMoments(17).addAll(xs);
        FeatureMoments[] parts = {new FeatureMoments(17), new FeatureMoments(17), new FeatureMoments(17)};
        for (int i = 0; i < xs.length; i++) {
            parts[(i * 7) % 3].add(xs[i]);
        }
        FeatureMoments merged = parts[2].merge(parts[0]).merge(parts[1]).merge(new FeatureMoments(17));
        assertEquals(101, merged.count());
        FrechetDistanceTest.assertArrayClose(single.mean(), merged.mean(), 1e-13);
        FrechetDistanceTest.assertArrayClose(single.covariance(), merged.covariance(), 1e-12);
    }

    @Test
    void covarianceMatchesTwoPassUnbiasedEstimate() {
        double[][] xs = FrechetDistanceTest.correlatedSample(40, 6, 9);
        double[] mu = new double[6];
        for (double[] x : xs) {
            for (int i = 0; i < 6; i++) {
                mu[i] += x[i] / xs.length;
            }
        }
        double[] expected = new double[36];
        for (double[] x : xs) {
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    expected[i * 6 + j] += (x[i] - mu[i]) * (x[j] - mu[j]) / (xs.length - 1);
                }
            }
        }
        FrechetDistanceTest.assertArrayClose(expected, new FeatureMoments(6).addAll(xs).covariance(), 1e-12);
    }

    @Test
    void weightedAddEqualsRepeatedAdd() {
        double[][] xs = FrechetDistanceTest.correlatedSample(5, 4, 2);
        FeatureMoments weighted = new FeatureMoments(4).add(xs[0], 3).add(xs[1], 0).add(xs[2], 2);
        FeatureMoments repeated = new FeatureMoments(4).add(xs[0]).add(xs[0]).add(xs[0]).add(xs[2]).add(xs[2]);
        assertEquals(5, weighted.count());
        FrechetDistanceTest.assertArrayClose(repeated.covariance(), weighted.covariance(), 1e-13);
    }

    @Test
    void rejectsMismatchedInput() {
        FeatureMoments m = new FeatureMoments(3);
        assertThrows(IllegalArgumentException.class, () -> m.add(new double[2]));
        assertThrows(IllegalArgumentException.class, () -> m.merge(new FeatureMoments(4)));
        assertThrows(IllegalStateException.class, m::covariance);
    }
}
