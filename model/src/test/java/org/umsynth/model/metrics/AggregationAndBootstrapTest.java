package org.umsynth.model.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AggregationAndBootstrapTest {

    @Test
    void referenceAggregationNormalisesRows() {
        // rows (3,4) -> (0.6, 0.8); (0, 2) -> (0, 1): entries 0.6 0.8 0 1, mean 0.6, population std sqrt(0.14)
        MultiScaleAggregation.Aggregate a = MultiScaleAggregation.reference(new double[][]{{3, 4}, {0, 2}});
        assertEquals(0.6, a.mean(), 1e-15);
        assertEquals(Math.sqrt(0.14), a.std(), 1e-15);
    }

    @Test
    void jointAggregationNormalisesEachCellAcrossSets() {
        double[][] s1 = {{3, 1}}, s2 = {{4, 0}};
        MultiScaleAggregation.Aggregate[] j = MultiScaleAggregation.joint(new double[][][]{s1, s2});
        // cell 0: 3/5, 4/5; cell 1: 1/1, 0/1
        assertEquals((0.6 + 1.0) / 2, j[0].mean(), 1e-15);
        assertEquals((0.8 + 0.0) / 2, j[1].mean(), 1e-15);
        assertEquals(0.2, j[0].std(), 1e-15);
        assertEquals(0.4, j[1].std(), 1e-15);
    }

    @Test
    void poissonWeightsAreDeterministicWithMeanAndVarianceOne() {
        long n = 200_000;
        double sum = 0, sq = 0;
        for (long i = 0; i < n; i++) {
            int w = PoissonBootstrap.weight(42, i, 3);
            assertEquals(w, PoissonBootstrap.weight(42, i, 3));
            sum += w;
            sq += (double) w * w;
        }
        double mean = sum / n;
        assertEquals(1.0, mean, 0.01);
        assertEquals(1.0, sq / n - mean * mean, 0.02);
        int differ = 0;
        for (int i = 0; i < 100; i++) {
            differ += PoissonBootstrap.weight(42, i, 0) != PoissonBootstrap.weight(42, i, 1) ? 1 : 0;
        }
        assertTrue(differ > 30, "replicates must not share weights: " + differ);
    }

    @Test
    void percentileIntervalInterpolatesLikeNumpy() {
        // numpy.percentile([1,2,3,4,5], [2.5, 97.5]) = [1.1, 4.9]
        assertArrayEquals(new double[]{1.1, 4.9}, PoissonBootstrap.percentileInterval(new double[]{5, 3, 1, 2, 4}, 0.95), 1e-12);
    }

    @Test
    void biasCorrectedIntervalShiftsByTheBootstrapBiasAndClamps() {
        // replicates mean 3, estimate 2: bias 1 -> [0.1, 3.9]; with estimate 0.5: [-1.4, 2.4] -> clamp [0, 2.4]
        double[] reps = {5, 3, 1, 2, 4};
        assertArrayEquals(new double[]{0.1, 3.9}, PoissonBootstrap.biasCorrectedInterval(2, reps, 0.95, 0), 1e-12);
        assertArrayEquals(new double[]{0, 2.4}, PoissonBootstrap.biasCorrectedInterval(0.5, reps, 0.95, 0), 1e-12);
    }
}
