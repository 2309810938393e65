package org.umsynth.model.gan;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link AdamKernel}'s float step on SIMD registers, read and written in place in the off-heap buffers (no heap
 * chunks): per element the same operations in the same order (multiplies and adds, no fused multiply-add, IEEE
 * square root and division), so the same results bit for bit. Returns where it stopped (a multiple of the vector
 * length); the caller finishes the tail with the scalar loop. Loaded only when {@link Simd#available()}.
 */
final class VectorAdam {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private VectorAdam() {}

    /**
     * {@code n} elements from byte offsets {@code gAt}, {@code mAt}, {@code vAt} of native-order buffers; the
     * gradient is first divided by {@code divisor} (the minibatch size folded in by {@link FastGraphUpdater}, else 1).
     */
    static int update(ByteBuffer g, int gAt, ByteBuffer m, int mAt, ByteBuffer v, int vAt, int n, float beta1,
            float beta2, float epsilon, float alpha, float divisor) {
        int bound = S.loopBound(n);
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        if (divisor == 1f) {
            for (int i = 0; i < bound; i += S.length()) {
                int o = 4 * i;
                FloatVector gi = FloatVector.fromByteBuffer(S, g, gAt + o, NATIVE);
                FloatVector mi = FloatVector.fromByteBuffer(S, m, mAt + o, NATIVE).mul(beta1).add(gi.mul(oneMinusBeta1));
                FloatVector vi = FloatVector.fromByteBuffer(S, v, vAt + o, NATIVE).mul(beta2)
                        .add(gi.mul(gi).mul(oneMinusBeta2));
                mi.intoByteBuffer(m, mAt + o, NATIVE);
                vi.intoByteBuffer(v, vAt + o, NATIVE);
                mi.mul(alpha).div(vi.sqrt().add(epsilon)).intoByteBuffer(g, gAt + o, NATIVE);
            }
        } else {
            for (int i = 0; i < bound; i += S.length()) {
                int o = 4 * i;
                FloatVector gi = FloatVector.fromByteBuffer(S, g, gAt + o, NATIVE).div(divisor);
                FloatVector mi = FloatVector.fromByteBuffer(S, m, mAt + o, NATIVE).mul(beta1).add(gi.mul(oneMinusBeta1));
                FloatVector vi = FloatVector.fromByteBuffer(S, v, vAt + o, NATIVE).mul(beta2)
                        .add(gi.mul(gi).mul(oneMinusBeta2));
                mi.intoByteBuffer(m, mAt + o, NATIVE);
                vi.intoByteBuffer(v, vAt + o, NATIVE);
                mi.mul(alpha).div(vi.sqrt().add(epsilon)).intoByteBuffer(g, gAt + o, NATIVE);
            }
        }
        return bound;
    }
}
