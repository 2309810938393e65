package org.umsynth.model.gan;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A convolution with few output channels and many input channels on small planes (the PatchGAN's last layer: 128
 * -> 1 channel, 4x4, stride 1, zero padding 2, on 10x10 and 6x6 planes), vectorised over the input channels with
 * JDK 17's Vector API. The row loops of {@link DirectConvolution} spend their time on loop set-up there (rows of 6-11
 * pixels); here the image is first laid out channels-last with its zero padding ({@code [paddedH, paddedW, C]}),
 * so every (output pixel, tap) term is {@code C / lanes} whole vectors, and one output is a flat dot product over a
 * table of (input offset, weight offset) pairs. Any stride and padding; channels a multiple of the vector length.
 *
 * <p>Same contract as {@link DirectConvolution}'s float methods: one image {@code [C, H, W]} at an offset,
 * weights {@code [nOut, C, kH, kW]}, output {@code [nOut, outH, outW]} accumulated into (it holds the bias), input
 * gradient accumulated into, weight gradient added into a double array. Loaded only when {@link Simd#available()}.
 */
final class ChannelVectorConvolution {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private ChannelVectorConvolution() {}

    /** Channels fill whole vectors and the layer has few outputs (every output is its own reduction). */
    static boolean covers(ConvGeometry g, int nOut) {
        return g.channels % L == 0 && nOut <= 4;
    }

    private static int paddedWidth(ConvGeometry g) {
        return Math.max(g.width + 2 * g.padLeft, (g.outW - 1) * g.strideW + g.kernelW);
    }

    private static int paddedHeight(ConvGeometry g) {
        return Math.max(g.height + 2 * g.padTop, (g.outH - 1) * g.strideH + g.kernelH);
    }

    /** The image at {@code imageOffset}, channels-last and zero padded, in {@code into} (length checked by callers). */
    private static void toChannelsLast(ConvGeometry g, float[] image, int imageOffset, float[] into) {
        int pw = paddedWidth(g);
        int c = g.channels;
        java.util.Arrays.fill(into, 0, paddedHeight(g) * pw * c, 0f);
        int inPlane = g.height * g.width;
        // a block of L channels at a time: L sequential reads, one L-float contiguous write per pixel
        for (int c0 = 0; c0 < c; c0 += L) {
            for (int y = 0; y < g.height; y++) {
                int row = imageOffset + y * g.width;
                int to = ((y + g.padTop) * pw + g.padLeft) * c + c0;
                for (int x = 0; x < g.width; x++, to += c) {
                    for (int j = 0; j < L; j++) {
                        into[to + j] = image[row + (c0 + j) * inPlane + x];
                    }
                }
            }
        }
    }

    /** Weights of output {@code o} as {@code [kH, kW, C]}, all outputs one after another. */
    private static float[] weightsChannelsLast(ConvGeometry g, float[] weights, int nOut) {
        int c = g.channels;
        int taps = g.kernelH * g.kernelW;
        float[] w = Scratch.floats(Scratch.RUN, nOut * taps * c);
        for (int o = 0; o < nOut; o++) {
            for (int ci = 0; ci < c; ci++) {
                for (int t = 0; t < taps; t++) {
                    w[(o * taps + t) * c + ci] = weights[(o * c + ci) * taps + t];
                }
            }
        }
        return w;
    }

    /** Per (tap, channel vector): its offset in the channels-last padded image from the output pixel's origin. */
    private static int[] imageTerms(ConvGeometry g) {
        int c = g.channels;
        int pw = paddedWidth(g);
        int[] terms = new int[g.kernelH * g.kernelW * (c / L)];
        for (int ky = 0, t = 0; ky < g.kernelH; ky++) {
            for (int kx = 0; kx < g.kernelW; kx++) {
                for (int v = 0; v < c / L; v++, t++) {
                    terms[t] = (ky * pw + kx) * c + v * L;
                }
            }
        }
        return terms;
    }

    /** Per output pixel: its receptive field's origin in the channels-last padded image. */
    private static int[] origins(ConvGeometry g) {
        int pw = paddedWidth(g);
        int[] origins = new int[g.outH * g.outW];
        for (int oy = 0, p = 0; oy < g.outH; oy++) {
            for (int ox = 0; ox < g.outW; ox++, p++) {
                origins[p] = (oy * g.strideH * pw + ox * g.strideW) * g.channels;
            }
        }
        return origins;
    }

    /** {@code out += conv(image, weights)}: {@code out} holds the bias (or zeros) on entry. */
    static void forward(ConvGeometry g, float[] image, int imageOffset, float[] weights, int nOut, float[] out) {
        float[] x = Scratch.floats(Scratch.IMAGE, paddedHeight(g) * paddedWidth(g) * g.channels);
        toChannelsLast(g, image, imageOffset, x);
        float[] w = weightsChannelsLast(g, weights, nOut);
        int[] terms = imageTerms(g);
        int[] origin = origins(g);
        int n = terms.length;
        int pixels = origin.length;
        for (int o = 0; o < nOut; o++) {
            int wBase = o * n * L;
            // four output pixels per pass over the terms (four independent FMA chains); the last pass repeats its
            // last pixel where fewer are left
            for (int p = 0; p < pixels; p += 4) {
                int b0 = origin[p];
                int b1 = origin[Math.min(p + 1, pixels - 1)];
                int b2 = origin[Math.min(p + 2, pixels - 1)];
                int b3 = origin[Math.min(p + 3, pixels - 1)];
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int t = 0; t < n; t++) {
                    FloatVector wv = FloatVector.fromArray(S, w, wBase + t * L);
                    int at = terms[t];
                    a0 = FloatVector.fromArray(S, x, b0 + at).fma(wv, a0);
                    a1 = FloatVector.fromArray(S, x, b1 + at).fma(wv, a1);
                    a2 = FloatVector.fromArray(S, x, b2 + at).fma(wv, a2);
                    a3 = FloatVector.fromArray(S, x, b3 + at).fma(wv, a3);
                }
                int y = o * pixels + p;
                out[y] += a0.reduceLanes(VectorOperators.ADD);
                if (p + 1 < pixels) {
                    out[y + 1] += a1.reduceLanes(VectorOperators.ADD);
                }
                if (p + 2 < pixels) {
                    out[y + 2] += a2.reduceLanes(VectorOperators.ADD);
                }
                if (p + 3 < pixels) {
                    out[y + 3] += a3.reduceLanes(VectorOperators.ADD);
                }
            }
        }
    }

    /**
     * {@code imageGrad += dL/dimage} and, unless {@code weightGrad} is null, {@code weightGrad += dL/dW}, for
     * {@code delta} = dL/d(pre-activation) {@code [nOut, outH, outW]} of one image.
     */
    static void backward(ConvGeometry g, float[] image, float[] imageGrad, int imageOffset, float[] weights, int nOut,
            float[] delta, double[] weightGrad) {
        int c = g.channels;
        int pw = paddedWidth(g);
        int padded = paddedHeight(g) * pw * c;
        float[] w = weightsChannelsLast(g, weights, nOut);
        int[] terms = imageTerms(g);
        int[] origin = origins(g);
        int n = terms.length;
        int pixels = origin.length;
        // input gradient: every output pixel's gradient spread over its receptive field, channels-last and padded
        float[] dx = Scratch.floats(Scratch.COLUMN, padded);
        java.util.Arrays.fill(dx, 0, padded, 0f);
        for (int o = 0; o < nOut; o++) {
            int wBase = o * n * L;
            for (int p = 0; p < pixels; p++) {
                float d = delta[o * pixels + p];
                if (d == 0f) {
                    continue;
                }
                FloatVector dv = FloatVector.broadcast(S, d);
                int b = origin[p];
                for (int t = 0; t < n; t++) {
                    int at = b + terms[t];
                    FloatVector.fromArray(S, w, wBase + t * L).fma(dv, FloatVector.fromArray(S, dx, at))
                            .intoArray(dx, at);
                }
            }
        }
        int inPlane = g.height * g.width;
        for (int c0 = 0; c0 < c; c0 += L) {
            for (int y = 0; y < g.height; y++) {
                int row = imageOffset + y * g.width;
                int from = ((y + g.padTop) * pw + g.padLeft) * c + c0;
                for (int xx = 0; xx < g.width; xx++, from += c) {
                    for (int j = 0; j < L; j++) {
                        imageGrad[row + (c0 + j) * inPlane + xx] += dx[from + j];
                    }
                }
            }
        }
        if (weightGrad == null) {
            return;
        }
        // weight gradient: per (output, term) the sum over output pixels of gradient x input vector, four terms
        // per pass over the pixels
        float[] x = Scratch.floats(Scratch.IMAGE, padded);
        toChannelsLast(g, image, imageOffset, x);
        float[] dw = new float[L * 4];
        int taps = g.kernelH * g.kernelW;
        for (int o = 0; o < nOut; o++) {
            for (int t = 0; t < n; t += 4) {
                int t1 = Math.min(t + 1, n - 1);
                int t2 = Math.min(t + 2, n - 1);
                int t3 = Math.min(t + 3, n - 1);
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                for (int p = 0; p < pixels; p++) {
                    FloatVector dv = FloatVector.broadcast(S, delta[o * pixels + p]);
                    int b = origin[p];
                    a0 = FloatVector.fromArray(S, x, b + terms[t]).fma(dv, a0);
                    a1 = FloatVector.fromArray(S, x, b + terms[t1]).fma(dv, a1);
                    a2 = FloatVector.fromArray(S, x, b + terms[t2]).fma(dv, a2);
                    a3 = FloatVector.fromArray(S, x, b + terms[t3]).fma(dv, a3);
                }
                a0.intoArray(dw, 0);
                a1.intoArray(dw, L);
                a2.intoArray(dw, 2 * L);
                a3.intoArray(dw, 3 * L);
                for (int k = 0; k < 4 && t + k < n; k++) {
                    // term t + k is tap (t + k) / (C / L), channels ((t + k) % (C / L)) * L ...
                    int tap = (t + k) / (c / L);
                    int c0 = ((t + k) % (c / L)) * L;
                    for (int j = 0; j < L; j++) {
                        weightGrad[(o * c + c0 + j) * taps + tap] += dw[k * L + j];
                    }
                }
            }
        }
    }
}
