package org.umsynth.model.gan;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ActivationKernel}'s loops on SIMD registers (JDK 17's incubating Vector API): a compare and a blend per
 * vector, same selects as the scalar loops (so the same results bit for bit, NaN and signed zeros included).
 * One flat loop per kernel, no vectors carried between iterations. Each method returns where it stopped (a multiple
 * of the vector length); the caller finishes the tail with the scalar loop.
 *
 * <p>Loaded only when {@link Simd#available()}.
 */
final class VectorActivation {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorActivation() {}

    static int forward(ActivationKernel.Kind kind, float alpha, float[] x, int n) {
        int bound = S.loopBound(n);
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (int i = 0; i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(x, i);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    v.blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoArray(x, i);
                }
            }
        }
        return bound;
    }

    static int backward(ActivationKernel.Kind kind, float alpha, float[] x, float[] d, int n) {
        int bound = S.loopBound(n);
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (int i = 0; i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector g = FloatVector.fromArray(S, d, i);
                    zero.blend(g, v.compare(VectorOperators.GT, 0f)).intoArray(d, i);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < bound; i += S.length()) {
                    FloatVector v = FloatVector.fromArray(S, x, i);
                    FloatVector g = FloatVector.fromArray(S, d, i);
                    g.blend(g.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoArray(d, i);
                }
            }
        }
        return bound;
    }
}
