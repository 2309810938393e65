package org.umsynth.model.gan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

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

    /**
     * {@code out[i] = f(x[i])} for {@code n} floats read and written in place in (off-heap) byte buffers at byte
     * offsets {@code xAt}, {@code outAt}: no heap copies. The buffers may be the same array only at the same offset.
     * The scalar tail uses the buffers' own byte order: pass native-order buffers.
     */
    static void forward(ActivationKernel.Kind kind, float alpha, ByteBuffer x, int xAt, ByteBuffer out, int outAt,
            int n) {
        int bound = S.loopBound(n);
        int step = S.length();
        switch (kind) {
            case IDENTITY -> {
                for (int i = 0; i < bound; i += step) {
                    FloatVector.fromByteBuffer(S, x, xAt + 4 * i, NATIVE).intoByteBuffer(out, outAt + 4 * i, NATIVE);
                }
            }
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (int i = 0; i < bound; i += step) {
                    FloatVector v = FloatVector.fromByteBuffer(S, x, xAt + 4 * i, NATIVE);
                    v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoByteBuffer(out, outAt + 4 * i, NATIVE);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < bound; i += step) {
                    FloatVector v = FloatVector.fromByteBuffer(S, x, xAt + 4 * i, NATIVE);
                    v.blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoByteBuffer(out, outAt + 4 * i,
                            NATIVE);
                }
            }
        }
        for (int i = bound; i < n; i++) {
            out.putFloat(outAt + 4 * i, ActivationKernel.forward(kind, alpha, x.getFloat(xAt + 4 * i)));
        }
    }

    /** {@code dx[i] = f'(x[i]) d[i]} on byte buffers, as the byte-buffer {@code forward}. */
    static void backward(ActivationKernel.Kind kind, float alpha, ByteBuffer x, int xAt, ByteBuffer d, int dAt,
            ByteBuffer dx, int dxAt, int n) {
        int bound = S.loopBound(n);
        int step = S.length();
        switch (kind) {
            case IDENTITY -> {
                for (int i = 0; i < bound; i += step) {
                    FloatVector.fromByteBuffer(S, d, dAt + 4 * i, NATIVE).intoByteBuffer(dx, dxAt + 4 * i, NATIVE);
                }
            }
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (int i = 0; i < bound; i += step) {
                    FloatVector v = FloatVector.fromByteBuffer(S, x, xAt + 4 * i, NATIVE);
                    FloatVector g = FloatVector.fromByteBuffer(S, d, dAt + 4 * i, NATIVE);
                    zero.blend(g, v.compare(VectorOperators.GT, 0f)).intoByteBuffer(dx, dxAt + 4 * i, NATIVE);
                }
            }
            case LEAKY_RELU -> {
                for (int i = 0; i < bound; i += step) {
                    FloatVector v = FloatVector.fromByteBuffer(S, x, xAt + 4 * i, NATIVE);
                    FloatVector g = FloatVector.fromByteBuffer(S, d, dAt + 4 * i, NATIVE);
                    g.blend(g.mul(alpha), v.compare(VectorOperators.LT, 0f)).intoByteBuffer(dx, dxAt + 4 * i,
                            NATIVE);
                }
            }
        }
        for (int i = bound; i < n; i++) {
            dx.putFloat(dxAt + 4 * i, ActivationKernel.backward(kind, alpha, x.getFloat(xAt + 4 * i),
                    d.getFloat(dAt + 4 * i)));
        }
    }
}
