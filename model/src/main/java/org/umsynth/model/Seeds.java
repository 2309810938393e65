package org.umsynth.model;

/**
 * Seed derivation shared by every seeded component: SplitMix64's finalizer (Steele, Lea, Flood 2014), which
 * spreads nearby inputs (case indices, positions) over all 64 bits, so derived streams do not overlap.
 */
public final class Seeds {
    private Seeds() {}

    /** SplitMix64's output function of {@code z}. */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A seed for item {@code v} of the stream {@code seed}: one SplitMix64 step from {@code seed}, offset by v. */
    public static long mix(long seed, long v) {
        return mix64(seed * 0x9E3779B97F4A7C15L + v);
    }
}
