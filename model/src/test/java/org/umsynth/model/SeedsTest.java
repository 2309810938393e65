package org.umsynth.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SeedsTest {
    @Test
    void mix64IsSplitMix64() {
        // SplitMix64's first output from state 0 (the published test vector)
        assertEquals(0xE220A8397B1DCDAFL, Seeds.mix64(0x9E3779B97F4A7C15L));
        for (long s : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
            assertEquals(new SplittableRandom(s).nextLong(), Seeds.mix64(s + 0x9E3779B97F4A7C15L), "seed " + s);
        }
    }

    @Test
    void mixSeparatesNeighbouringItems() {
        assertEquals(Seeds.mix64(3L * 0x9E3779B97F4A7C15L + 5), Seeds.mix(3, 5));
        long a = Seeds.mix(7, 1);
        long b = Seeds.mix(7, 2);
        int differing = Long.bitCount(a ^ b);
        assertEquals(true, differing > 16 && differing < 48, "avalanche: " + differing + " bits differ");
    }
}
