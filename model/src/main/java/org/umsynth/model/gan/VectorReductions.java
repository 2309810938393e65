package org.umsynth.model.gan;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float reductions on the Vector API (C2 keeps float reductions scalar: one dependent add per element). Two vector
 * accumulators, partial sums added in double every {@link #BLOCK} elements; the tail shorter than two vectors is
 * summed in double. Loaded only when {@link Simd#available()}.
 */
final class VectorReductions {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Elements per float partial sum (a multiple of two vectors). */
    private static final int BLOCK = 1024;

    private VectorReductions() {}

    /** {@code sum a[from, to)}. */
    static double sum(float[] a, int from, int to) {
        double total = 0;
        int i = from;
        while (i + 2 * L <= to) {
            int end = Math.min(i + BLOCK, to - (to - i) % (2 * L));
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            for (; i < end; i += 2 * L) {
                s0 = s0.add(FloatVector.fromArray(S, a, i));
                s1 = s1.add(FloatVector.fromArray(S, a, i + L));
            }
            total += s0.add(s1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < to; i++) {
            total += a[i];
        }
        return total;
    }

    /** {@code sum (a[i] - shift)^2} over {@code [from, to)}. */
    static double sumOfSquares(float[] a, int from, int to, float shift) {
        double total = 0;
        int i = from;
        FloatVector m = FloatVector.broadcast(S, shift);
        while (i + 2 * L <= to) {
            int end = Math.min(i + BLOCK, to - (to - i) % (2 * L));
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            for (; i < end; i += 2 * L) {
                FloatVector d0 = FloatVector.fromArray(S, a, i).sub(m);
                FloatVector d1 = FloatVector.fromArray(S, a, i + L).sub(m);
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
            }
            total += s0.add(s1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < to; i++) {
            double d = a[i] - shift;
            total += d * d;
        }
        return total;
    }

    /** {@code sum a[i] * b[i]} over {@code [from, to)}. */
    static double dot(float[] a, float[] b, int from, int to) {
        double total = 0;
        int i = from;
        while (i + 2 * L <= to) {
            int end = Math.min(i + BLOCK, to - (to - i) % (2 * L));
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            for (; i < end; i += 2 * L) {
                s0 = FloatVector.fromArray(S, a, i).fma(FloatVector.fromArray(S, b, i), s0);
                s1 = FloatVector.fromArray(S, a, i + L).fma(FloatVector.fromArray(S, b, i + L), s1);
            }
            total += s0.add(s1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < to; i++) {
            total += (double) a[i] * b[i];
        }
        return total;
    }
}
