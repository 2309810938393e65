package org.umsynth.model.phantom;

import org.umsynth.model.Seeds;

/**
 * Smooth lattice value noise in [0, 1]: a pure function of (salt, position), so textures are
 * reproducible without storing anything and independent of evaluation order.
 */
final class ValueNoise {
    private ValueNoise() {
    }

    /** Noise at (x, y, z) measured in lattice cells. */
    static double at(long salt, double x, double y, double z) {
        double fx = Math.floor(x);
        double fy = Math.floor(y);
        double fz = Math.floor(z);
        long ix = (long) fx;
        long iy = (long) fy;
        long iz = (long) fz;
        double tx = smooth(x - fx);
        double ty = smooth(y - fy);
        double tz = smooth(z - fz);
        double c000 = lattice(salt, ix, iy, iz);
        double c100 = lattice(salt, ix + 1, iy, iz);
        double c010 = lattice(salt, ix, iy + 1, iz);
        double c110 = lattice(salt, ix + 1, iy + 1, iz);
        double c001 = lattice(salt, ix, iy, iz + 1);
        double c101 = lattice(salt, ix + 1, iy, iz + 1);
        double c011 = lattice(salt, ix, iy + 1, iz + 1);
        double c111 = lattice(salt, ix + 1, iy + 1, iz + 1);
        double x00 = c000 + (c100 - c000) * tx;
        double x10 = c010 + (c110 - c010) * tx;
        double x01 = c001 + (c101 - c001) * tx;
        double x11 = c011 + (c111 - c011) * tx;
        double y0 = x00 + (x10 - x00) * ty;
        double y1 = x01 + (x11 - x01) * ty;
        return y0 + (y1 - y0) * tz;
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }

    private static double lattice(long salt, long x, long y, long z) {
        long h = mix64(salt ^ (x * 0x9E3779B97F4A7C15L) ^ (y * 0xC2B2AE3D27D4EB4FL) ^ (z * 0x165667B19E3779F9L));
        return (h >>> 11) * 0x1.0p-53;
    }

    /** Stafford variant 13 of the MurmurHash3 finaliser (as in SplittableRandom): {@link Seeds#mix64}. */
    static long mix64(long z) {
        return Seeds.mix64(z);
    }
}
