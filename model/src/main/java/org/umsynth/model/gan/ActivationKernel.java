package org.umsynth.model.gan;

/**
 * The element loops of {@link FastActivation}, in place on heap arrays, with DL4J's semantics at the kink, for
 * signed zeros and for NaN (checked bit for bit against the stock layer in {@code FastActivationTest}): ReLU
 * forward (libnd4j {@code RectifiedLinear}) zeroes where {@code x < 0}, so -0 and NaN pass through; LeakyReLU
 * (libnd4j {@code LeakyReLU} / {@code lrelu_bp}) scales where {@code x < 0}, so {@code x = 0} passes the gradient
 * unscaled.
 *
 * <p>The SIMD loops of {@link VectorActivation} run when {@link Simd#available()}: C2 (JDK 17) does not vectorise
 * these conditional selects (measured on [4, 128, 10, 10] with random signs: scalar LeakyReLU backward 183 us, the
 * SIMD blend 7 us); the scalar loops here cover the tails and JVMs without the Vector API, where the branchy
 * selects are slower than libnd4j's ops for ReLU (so {@link FastActivation} runs the stock code for ReLU there) and
 * about 1.3-2.5x faster for LeakyReLU.
 */
final class ActivationKernel {
    /** The activations computed here. */
    enum Kind {
        IDENTITY, RELU, LEAKY_RELU
    }

    private ActivationKernel() {}

    /** {@code x[0..n)} := f(x). */
    static void forward(Kind kind, float alpha, float[] x, int n) {
        int from = Simd.available() ? VectorActivation.forward(kind, alpha, x, n) : 0;
        forward(kind, alpha, x, from, n);
    }

    /** {@code d[0..n)} := f'(x) d, the input gradient for output gradient {@code d} at pre-activation {@code x}. */
    static void backward(Kind kind, float alpha, float[] x, float[] d, int n) {
        int from = Simd.available() ? VectorActivation.backward(kind, alpha, x, d, n) : 0;
        backward(kind, alpha, x, d, from, n);
    }

    /** Scalar forward over {@code [from, to)}. */
    static void forward(Kind kind, float alpha, float[] x, int from, int to) {
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    x[i] = x[i] < 0f ? 0f : x[i];
                }
            }
            case LEAKY_RELU -> {
                if (alpha >= 0f && alpha <= 1f) {
                    // the same bits (-0 and NaN included) as the select below, and C2 vectorises Math.max
                    for (int i = from; i < to; i++) {
                        x[i] = Math.max(x[i], alpha * x[i]);
                    }
                } else {
                    for (int i = from; i < to; i++) {
                        x[i] = x[i] < 0f ? alpha * x[i] : x[i];
                    }
                }
            }
        }
    }

    /** Scalar backward over {@code [from, to)}. */
    static void backward(Kind kind, float alpha, float[] x, float[] d, int from, int to) {
        switch (kind) {
            case IDENTITY -> { }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    d[i] = x[i] > 0f ? d[i] : 0f;
                }
            }
            case LEAKY_RELU -> {
                for (int i = from; i < to; i++) {
                    d[i] = x[i] < 0f ? alpha * d[i] : d[i];
                }
            }
        }
    }

    /** f(x) for one float, as the loops compute it. */
    static float forward(Kind kind, float alpha, float x) {
        return switch (kind) {
            case IDENTITY -> x;
            case RELU -> x < 0f ? 0f : x;
            case LEAKY_RELU -> x < 0f ? alpha * x : x;
        };
    }

    /** f'(x) d for one float, as the loops compute it. */
    static float backward(Kind kind, float alpha, float x, float d) {
        return switch (kind) {
            case IDENTITY -> d;
            case RELU -> x > 0f ? d : 0f;
            case LEAKY_RELU -> x < 0f ? alpha * d : d;
        };
    }

    /** Double forward (gradient checks; no SIMD). */
    static void forward(Kind kind, double alpha, double[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (kind) {
                case IDENTITY -> x[i];
                case RELU -> x[i] < 0 ? 0 : x[i];
                case LEAKY_RELU -> x[i] < 0 ? alpha * x[i] : x[i];
            };
        }
    }

    /** Double backward (gradient checks; no SIMD). */
    static void backward(Kind kind, double alpha, double[] x, double[] d) {
        for (int i = 0; i < x.length; i++) {
            d[i] = switch (kind) {
                case IDENTITY -> d[i];
                case RELU -> x[i] > 0 ? d[i] : 0;
                case LEAKY_RELU -> x[i] < 0 ? alpha * d[i] : d[i];
            };
        }
    }
}
