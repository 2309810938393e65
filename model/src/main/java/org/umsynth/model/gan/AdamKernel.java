package org.umsynth.model.gan;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Adam step of libnd4j's {@code adam_updater} op (what DL4J's {@code AdamUpdater} runs) as a Java loop, on the
 * same off-heap arrays: the gradient is replaced by the update in place, {@code m} and {@code v} are updated in place.
 * Per element, in the arrays' precision and in the op's order of operations:
 * <pre>
 *   m = beta1 * m + g * (1 - beta1)
 *   v = beta2 * v + g * g * (1 - beta2)
 *   g = (m * alpha) / (sqrt(v) + eps)      alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t), t = iteration + 1
 * </pre>
 * The arrays go through small per-thread heap chunks (bulk copies in and out): C2 vectorises the loop on heap
 * arrays, not on {@link FloatBuffer} element access, and the chunks stay in L1/L2. (A Vector API loop in place in the
 * off-heap buffers was 1.5x faster alone but not inside a training step, where the pass is bound by memory
 * bandwidth: ~3 ns per element, 24 bytes moved; dropped.) The gradient may first be divided
 * by a {@code divisor} (the minibatch size, folded in by {@link FastGraphUpdater}: {@code g / divisor} as ND4J's
 * {@code divi} computes it, one pass less over the gradient), and the update may be subtracted from the parameters
 * in the same pass ({@link FusedStepFunction}: DL4J's step, one pass less over parameters and gradient).
 */
final class AdamKernel {
    /** Floats per chunk: four chunks of 8 KiB each stay in L1 / L2 next to the streamed buffers. */
    static final int CHUNK = 2048;

    private static final ThreadLocal<float[][]> FLOAT_CHUNKS =
            ThreadLocal.withInitial(() -> new float[][] {new float[CHUNK], new float[CHUNK], new float[CHUNK],
                new float[CHUNK]});
    private static final ThreadLocal<double[][]> DOUBLE_CHUNKS =
            ThreadLocal.withInitial(() -> new double[][] {new double[CHUNK], new double[CHUNK], new double[CHUNK],
                new double[CHUNK]});

    private AdamKernel() {}

    /**
     * Whether {@link #apply} handles these arrays: host memory, float or double, all three of one type, contiguous
     * c order, {@code m} and {@code v} as long as the gradient.
     */
    static boolean supports(INDArray gradient, INDArray m, INDArray v) {
        DataType type = gradient.dataType();
        return ConvBuffers.hostBackend() && (type == DataType.FLOAT || type == DataType.DOUBLE)
                && m.dataType() == type && v.dataType() == type
                && gradient.length() == m.length() && gradient.length() == v.length()
                && gradient.length() <= Integer.MAX_VALUE
                && ConvBuffers.isContiguousC(gradient) && ConvBuffers.isContiguousC(m) && ConvBuffers.isContiguousC(v);
    }

    /** One Adam step at 0-based {@code iteration}; the arrays must pass {@link #supports}. */
    static void apply(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1, double beta2,
            double epsilon, int iteration) {
        apply(gradient, m, v, learningRate, beta1, beta2, epsilon, iteration, 1);
    }

    /** {@link #apply} on {@code gradient / divisor}. */
    static void apply(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1, double beta2,
            double epsilon, int iteration, int divisor) {
        apply(gradient, m, v, learningRate, beta1, beta2, epsilon, iteration, divisor, 0,
                Math.toIntExact(gradient.length()));
    }

    /** {@link #apply} on {@code gradient / divisor}, elements {@code [from, to)} only (the others untouched). */
    static void apply(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1, double beta2,
            double epsilon, int iteration, int divisor, int from, int to) {
        apply(gradient, m, v, learningRate, beta1, beta2, epsilon, iteration, divisor, from, to, null, 0);
    }

    /**
     * {@link #apply} on elements {@code [from, to)}, and when {@code params} is not null also the step itself:
     * {@code params[paramsOffset + i] -= update[i]} in the same pass (what DL4J's step function does afterwards
     * over the whole parameter array; the same float subtraction). {@code params} must pass {@link #supportsParams}.
     */
    static void apply(INDArray gradient, INDArray m, INDArray v, double learningRate, double beta1, double beta2,
            double epsilon, int iteration, int divisor, int from, int to, INDArray params, long paramsOffset) {
        if (from < 0 || to > gradient.length() || from > to) {
            throw new IndexOutOfBoundsException("[" + from + ", " + to + ") of " + gradient.length());
        }
        if (params != null && !supportsParams(params, gradient, paramsOffset)) {
            throw new IllegalArgumentException("parameters " + params.shapeInfoToString() + " at " + paramsOffset
                    + " do not cover a gradient of " + gradient.length());
        }
        if (gradient.dataType() == DataType.FLOAT) {
            float b1 = (float) beta1;
            float b2 = (float) beta2;
            float eps = (float) epsilon;
            float alpha = floatStepSize((float) learningRate, b1, b2, eps, iteration);
            updateFloats(ConvBuffers.floats(gradient), ConvBuffers.floats(m), ConvBuffers.floats(v),
                    params == null ? null : ConvBuffers.floats(params).position((int) paramsOffset).slice(), from, to,
                    b1, b2, eps, alpha, divisor);
        } else {
            updateDoubles(ConvBuffers.doubles(gradient), ConvBuffers.doubles(m), ConvBuffers.doubles(v),
                    params == null ? null : ConvBuffers.doubles(params).position((int) paramsOffset).slice(), from, to,
                    beta1, beta2, epsilon, doubleStepSize(learningRate, beta1, beta2, epsilon, iteration), divisor);
        }
    }

    /** Whether {@code params} from {@code offset} on can take the step of {@code gradient} in {@link #apply}. */
    static boolean supportsParams(INDArray params, INDArray gradient, long offset) {
        return params.dataType() == gradient.dataType() && ConvBuffers.isContiguousC(params) && offset >= 0
                && offset + gradient.length() <= params.length() && params.length() <= Integer.MAX_VALUE;
    }

    /**
     * alpha of the float op: beta^t in float, {@code 1 - beta2^t} in double rounded to float before its square
     * root, the division by {@code 1 - beta1^t} in double. Like the op, a non-finite or zero alpha (e.g. a zero
     * learning rate) is replaced by epsilon.
     */
    static float floatStepSize(float learningRate, float beta1, float beta2, float epsilon, int iteration) {
        float t = iteration + 1f;
        float beta1T = (float) Math.pow(beta1, t);
        float beta2T = (float) Math.pow(beta2, t);
        float alpha = (float) (learningRate * (float) Math.sqrt((float) (1.0 - beta2T)) / (1.0 - beta1T));
        return Float.isFinite(alpha) && alpha != 0f ? alpha : epsilon;
    }

    /** alpha of the double op (same zero / non-finite rule as {@link #floatStepSize}). */
    static double doubleStepSize(double learningRate, double beta1, double beta2, double epsilon, int iteration) {
        double t = iteration + 1.0;
        double alpha = learningRate * Math.sqrt(1.0 - Math.pow(beta2, t)) / (1.0 - Math.pow(beta1, t));
        return Double.isFinite(alpha) && alpha != 0.0 ? alpha : epsilon;
    }

    /** The float loop on elements {@code [from, n)} ({@code n} is the end), on {@code g / divisor}. */
    static void updateFloats(FloatBuffer g, FloatBuffer m, FloatBuffer v, FloatBuffer p, int from, int n, float beta1,
            float beta2, float epsilon, float alpha, int divisor) {
        float div = divisor;
        float[][] chunks = FLOAT_CHUNKS.get();
        float[] gc = chunks[0];
        float[] mc = chunks[1];
        float[] vc = chunks[2];
        float[] pc = chunks[3];
        float oneMinusBeta1 = 1f - beta1;
        float oneMinusBeta2 = 1f - beta2;
        for (int start = from; start < n; start += CHUNK) {
            int len = Math.min(CHUNK, n - start);
            g.get(start, gc, 0, len);
            m.get(start, mc, 0, len);
            v.get(start, vc, 0, len);
            for (int i = 0; i < len; i++) {
                float gi = divisor == 1 ? gc[i] : gc[i] / div;
                float mi = beta1 * mc[i] + gi * oneMinusBeta1;
                float vi = beta2 * vc[i] + gi * gi * oneMinusBeta2;
                mc[i] = mi;
                vc[i] = vi;
                gc[i] = (mi * alpha) / ((float) Math.sqrt(vi) + epsilon);
            }
            g.put(start, gc, 0, len);
            m.put(start, mc, 0, len);
            v.put(start, vc, 0, len);
            if (p != null) {
                p.get(start, pc, 0, len);
                for (int i = 0; i < len; i++) {
                    pc[i] -= gc[i];
                }
                p.put(start, pc, 0, len);
            }
        }
    }

    /** The double loop on elements {@code [from, n)}, same structure. */
    static void updateDoubles(DoubleBuffer g, DoubleBuffer m, DoubleBuffer v, DoubleBuffer p, int from, int n,
            double beta1, double beta2, double epsilon, double alpha, int divisor) {
        double div = divisor;
        double[][] chunks = DOUBLE_CHUNKS.get();
        double[] gc = chunks[0];
        double[] mc = chunks[1];
        double[] vc = chunks[2];
        double[] pc = chunks[3];
        double oneMinusBeta1 = 1.0 - beta1;
        double oneMinusBeta2 = 1.0 - beta2;
        for (int start = from; start < n; start += CHUNK) {
            int len = Math.min(CHUNK, n - start);
            g.get(start, gc, 0, len);
            m.get(start, mc, 0, len);
            v.get(start, vc, 0, len);
            for (int i = 0; i < len; i++) {
                double gi = divisor == 1 ? gc[i] : gc[i] / div;
                double mi = beta1 * mc[i] + gi * oneMinusBeta1;
                double vi = beta2 * vc[i] + gi * gi * oneMinusBeta2;
                mc[i] = mi;
                vc[i] = vi;
                gc[i] = (mi * alpha) / (Math.sqrt(vi) + epsilon);
            }
            g.put(start, gc, 0, len);
            m.put(start, mc, 0, len);
            v.put(start, vc, 0, len);
            if (p != null) {
                p.get(start, pc, 0, len);
                for (int i = 0; i < len; i++) {
                    pc[i] -= gc[i];
                }
                p.put(start, pc, 0, len);
            }
        }
    }
}
