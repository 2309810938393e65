package org.umsynth.model.gan;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FlatConvolution}'s geometries (no zero padding, stride 1: the generator's 7x7 stem and heads after their
 * reflection padding) on explicit SIMD registers (JDK 17's incubating Vector API, {@code jdk.incubator.vector}):
 * register-blocked direct convolution, no im2col, no copies of shifted runs.
 *
 * <p>Every kernel keeps eight vector accumulators live (two output or input channels x four vectors, or two output
 * channels x four kernel columns), enough independent multiply-add chains to keep both FMA ports busy, and loads
 * each input vector once per tap for two channels. A row's last chunk is shifted back to end at the row's end; the
 * forward pass and the input gradient store (so the overlap is written twice with the same value), the weight
 * gradient zeroes the overlap's output gradient. Odd channel counts run their last channel as a pair with itself (a
 * little wasted arithmetic, no second kernel). The accumulators are carried by one loop only, over a precomputed
 * table of offsets: with nested loops carrying them, JDK 17's C2 kept the vectors boxed on the heap (measured 10x
 * slower than scalar code). The weight gradient is where this gains most: C2 does not vectorise
 * float reductions, so {@link FlatConvolution} computes them as scalar dot products.
 *
 * <p>Loaded only when {@link Simd#available()} (the JVM runs with {@code --add-modules jdk.incubator.vector}); the
 * callers fall back to {@link FlatConvolution} otherwise.
 */
final class VectorConvolution {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output pixels per kernel step: four vectors. */
    private static final int CHUNK = 4 * L;
    /** Rows whose weight-gradient products accumulate in float lanes before the lanes are added in double. */
    private static final int FLUSH_ELEMENTS = 1024;

    private VectorConvolution() {}

    /** {@link FlatConvolution#covers} and rows (and planes) at least one chunk wide. */
    static boolean covers(ConvGeometry g) {
        return FlatConvolution.covers(g) && g.outW >= CHUNK && g.height * g.width >= CHUNK;
    }

    /** Lanes (floats per vector) of the preferred species on this machine. */
    static int lanes() {
        return L;
    }

    /**
     * {@code out[outOffset..]} = conv(image) + bias, {@code [nOut, outH, outW]} c order, for the image at
     * {@code imageOffset} of {@code image} ({@code [channels, height, width]}).
     */
    static void forward(ConvGeometry g, float[] image, int imageOffset, float[] weights, float[] bias, int nOut,
            float[] out, int outOffset) {
        int plane = g.outH * g.outW;
        int taps = g.columnRows();
        int[] tapOffset = inputTapOffsets(g);
        for (int o0 = 0; o0 < nOut; o0 += 2) {
            int o1 = Math.min(o0 + 1, nOut - 1); // odd count: the last channel twice
            int w0 = o0 * taps;
            int w1 = o1 * taps;
            for (int oy = 0; oy < g.outH; oy++) {
                for (int x0 = 0; x0 < g.outW; x0 += CHUNK) {
                    int x = Math.min(x0, g.outW - CHUNK); // the last chunk ends at the row's end
                    int base = imageOffset + oy * g.width + x;
                    FloatVector a0 = FloatVector.broadcast(S, bias[o0]);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    FloatVector c0 = FloatVector.broadcast(S, bias[o1]);
                    FloatVector c1 = c0;
                    FloatVector c2 = c0;
                    FloatVector c3 = c0;
                    for (int t = 0; t < taps; t++) {
                        int at = base + tapOffset[t];
                        FloatVector v0 = FloatVector.fromArray(S, image, at);
                        FloatVector v1 = FloatVector.fromArray(S, image, at + L);
                        FloatVector v2 = FloatVector.fromArray(S, image, at + 2 * L);
                        FloatVector v3 = FloatVector.fromArray(S, image, at + 3 * L);
                        FloatVector u = FloatVector.broadcast(S, weights[w0 + t]);
                        FloatVector s = FloatVector.broadcast(S, weights[w1 + t]);
                        a0 = v0.fma(u, a0);
                        a1 = v1.fma(u, a1);
                        a2 = v2.fma(u, a2);
                        a3 = v3.fma(u, a3);
                        c0 = v0.fma(s, c0);
                        c1 = v1.fma(s, c1);
                        c2 = v2.fma(s, c2);
                        c3 = v3.fma(s, c3);
                    }
                    int y0 = outOffset + o0 * plane + oy * g.outW + x;
                    int y1 = outOffset + o1 * plane + oy * g.outW + x;
                    a0.intoArray(out, y0);
                    a1.intoArray(out, y0 + L);
                    a2.intoArray(out, y0 + 2 * L);
                    a3.intoArray(out, y0 + 3 * L);
                    c0.intoArray(out, y1);
                    c1.intoArray(out, y1 + L);
                    c2.intoArray(out, y1 + 2 * L);
                    c3.intoArray(out, y1 + 3 * L);
                }
            }
        }
    }

    /** Per weight {@code (ci, ky, kx)}: its input's offset from the output pixel's {@code (oy, ox)} position. */
    private static int[] inputTapOffsets(ConvGeometry g) {
        int[] offsets = new int[g.columnRows()];
        int inPlane = g.height * g.width;
        for (int ci = 0, t = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++, t++) {
                    offsets[t] = ci * inPlane + ky * g.width + kx;
                }
            }
        }
        return offsets;
    }

    /**
     * {@code weightGrad += dL/dW}: per (output pair, input channel, kernel row, four kernel columns) one pass over the
     * output gradient, re-laid out first as one vector per step (the shifted last chunk's overlap zeroed), with the
     * matching input offsets in a table.
     */
    static void weightGradient(ConvGeometry g, float[] image, int imageOffset, int nOut, float[] delta, int deltaOffset,
            double[] weightGrad) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        int chunks = (g.outW + CHUNK - 1) / CHUNK;
        int perRow = 4 * chunks; // vector steps per output row
        int steps = g.outH * perRow;
        int[] imageStep = new int[steps];
        float[] laid = Scratch.floats(Scratch.COLUMN, nOut * steps * L);
        for (int o = 0; o < nOut; o++) {
            for (int oy = 0, step = 0; oy < g.outH; oy++) {
                int counted = 0; // columns of this row already covered by earlier chunks
                for (int k = 0; k < chunks; k++) {
                    int x = Math.min(k * CHUNK, g.outW - CHUNK);
                    for (int v = 0; v < 4; v++, step++) {
                        int column = x + v * L;
                        imageStep[step] = oy * g.width + column;
                        int to = (o * steps + step) * L;
                        System.arraycopy(delta, deltaOffset + o * plane + oy * g.outW + column, laid, to, L);
                        for (int j = 0; j < L && column + j < counted; j++) {
                            laid[to + j] = 0f;
                        }
                    }
                    counted = x + CHUNK;
                }
            }
        }
        // float lanes into double every ~FLUSH_ELEMENTS products per weight
        int flushSteps = Math.max(perRow, (FLUSH_ELEMENTS / (perRow * L)) * perRow);
        double[] sums = new double[8];
        FloatVector zero = FloatVector.zero(S);
        for (int o0 = 0; o0 < nOut; o0 += 2) {
            int o1 = o0 + 1 < nOut ? o0 + 1 : -1;
            int e0Base = o0 * steps * L;
            int e1Base = (o1 < 0 ? o0 : o1) * steps * L;
            for (int ci = 0; ci < g.channels; ci++) {
                for (int ky = 0; ky < g.kernelH; ky++) {
                    for (int kx0 = 0; kx0 < g.kernelW; kx0 += 4) {
                        // four kernel columns; past the kernel's width the last column again (result dropped)
                        int d1 = Math.min(kx0 + 1, g.kernelW - 1) - kx0;
                        int d2 = Math.min(kx0 + 2, g.kernelW - 1) - kx0;
                        int d3 = Math.min(kx0 + 3, g.kernelW - 1) - kx0;
                        int base = imageOffset + ci * inPlane + ky * g.width + kx0;
                        java.util.Arrays.fill(sums, 0);
                        for (int first = 0; first < steps; first += flushSteps) {
                            int end = Math.min(steps, first + flushSteps);
                            FloatVector p0 = zero;
                            FloatVector p1 = zero;
                            FloatVector p2 = zero;
                            FloatVector p3 = zero;
                            FloatVector q0 = zero;
                            FloatVector q1 = zero;
                            FloatVector q2 = zero;
                            FloatVector q3 = zero;
                            for (int step = first; step < end; step++) {
                                FloatVector e0 = FloatVector.fromArray(S, laid, e0Base + step * L);
                                FloatVector e1 = FloatVector.fromArray(S, laid, e1Base + step * L);
                                int at = base + imageStep[step];
                                FloatVector i0 = FloatVector.fromArray(S, image, at);
                                FloatVector i1 = FloatVector.fromArray(S, image, at + d1);
                                FloatVector i2 = FloatVector.fromArray(S, image, at + d2);
                                FloatVector i3 = FloatVector.fromArray(S, image, at + d3);
                                p0 = e0.fma(i0, p0);
                                p1 = e0.fma(i1, p1);
                                p2 = e0.fma(i2, p2);
                                p3 = e0.fma(i3, p3);
                                q0 = e1.fma(i0, q0);
                                q1 = e1.fma(i1, q1);
                                q2 = e1.fma(i2, q2);
                                q3 = e1.fma(i3, q3);
                            }
                            sums[0] += p0.reduceLanes(VectorOperators.ADD);
                            sums[1] += p1.reduceLanes(VectorOperators.ADD);
                            sums[2] += p2.reduceLanes(VectorOperators.ADD);
                            sums[3] += p3.reduceLanes(VectorOperators.ADD);
                            sums[4] += q0.reduceLanes(VectorOperators.ADD);
                            sums[5] += q1.reduceLanes(VectorOperators.ADD);
                            sums[6] += q2.reduceLanes(VectorOperators.ADD);
                            sums[7] += q3.reduceLanes(VectorOperators.ADD);
                        }
                        for (int t = 0; t < 4 && kx0 + t < g.kernelW; t++) {
                            weightGrad[weightIndex(g, o0, ci, ky, kx0 + t)] += sums[t];
                            if (o1 >= 0) {
                                weightGrad[weightIndex(g, o1, ci, ky, kx0 + t)] += sums[4 + t];
                            }
                        }
                    }
                }
            }
        }
    }

    private static int weightIndex(ConvGeometry g, int o, int ci, int ky, int kx) {
        return ((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx;
    }

    /**
     * {@code imageGrad[imageOffset..] = dL/dimage} (overwritten), as a gather over the output gradient laid out at row
     * stride {@code width} behind {@code (kH - 1) * width + kW - 1} zeros ({@link FlatConvolution#backward}'s layout,
     * all output channels in one array): per (input channel pair, chunk of the plane) one pass over every
     * (output channel, tap).
     */
    static void inputGradient(ConvGeometry g, float[] imageGrad, int imageOffset, float[] weights, int nOut,
            float[] delta, int deltaOffset) {
        int inPlane = g.height * g.width;
        int lead = (g.kernelH - 1) * g.width + g.kernelW - 1;
        int padded = lead + inPlane;
        int plane = g.outH * g.outW;
        int taps = g.kernelH * g.kernelW;
        float[] d = Scratch.planes(Scratch.PLANES_DELTA, 1, nOut * padded)[0];
        java.util.Arrays.fill(d, 0, nOut * padded, 0f);
        for (int o = 0; o < nOut; o++) {
            for (int oy = 0; oy < g.outH; oy++) {
                System.arraycopy(delta, deltaOffset + o * plane + oy * g.outW, d, o * padded + lead + oy * g.width,
                        g.outW);
            }
        }
        // per (output channel, tap): offset into d from the input pixel, weight offset from input channel 0's
        int terms = nOut * taps;
        int[] gradientOffset = new int[terms];
        int[] weightOffset = new int[terms];
        for (int o = 0, t = 0; o < nOut; o++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++, t++) {
                    gradientOffset[t] = o * padded + lead - ky * g.width - kx;
                    weightOffset[t] = weightIndex(g, o, 0, ky, kx);
                }
            }
        }
        for (int c0 = 0; c0 < g.channels; c0 += 2) {
            int c1 = Math.min(c0 + 1, g.channels - 1); // odd count: the last channel twice
            int w0 = c0 * taps;
            int w1 = c1 * taps;
            for (int q0 = 0; q0 < inPlane; q0 += CHUNK) {
                int q = Math.min(q0, inPlane - CHUNK); // the last chunk ends at the plane's end
                FloatVector a0 = FloatVector.zero(S);
                FloatVector a1 = a0;
                FloatVector a2 = a0;
                FloatVector a3 = a0;
                FloatVector b0 = a0;
                FloatVector b1 = a0;
                FloatVector b2 = a0;
                FloatVector b3 = a0;
                for (int t = 0; t < terms; t++) {
                    int at = gradientOffset[t] + q;
                    FloatVector v0 = FloatVector.fromArray(S, d, at);
                    FloatVector v1 = FloatVector.fromArray(S, d, at + L);
                    FloatVector v2 = FloatVector.fromArray(S, d, at + 2 * L);
                    FloatVector v3 = FloatVector.fromArray(S, d, at + 3 * L);
                    FloatVector u = FloatVector.broadcast(S, weights[w0 + weightOffset[t]]);
                    FloatVector s = FloatVector.broadcast(S, weights[w1 + weightOffset[t]]);
                    a0 = v0.fma(u, a0);
                    a1 = v1.fma(u, a1);
                    a2 = v2.fma(u, a2);
                    a3 = v3.fma(u, a3);
                    b0 = v0.fma(s, b0);
                    b1 = v1.fma(s, b1);
                    b2 = v2.fma(s, b2);
                    b3 = v3.fma(s, b3);
                }
                int y0 = imageOffset + c0 * inPlane + q;
                int y1 = imageOffset + c1 * inPlane + q;
                a0.intoArray(imageGrad, y0);
                a1.intoArray(imageGrad, y0 + L);
                a2.intoArray(imageGrad, y0 + 2 * L);
                a3.intoArray(imageGrad, y0 + 3 * L);
                b0.intoArray(imageGrad, y1);
                b1.intoArray(imageGrad, y1 + L);
                b2.intoArray(imageGrad, y1 + 2 * L);
                b3.intoArray(imageGrad, y1 + 3 * L);
            }
        }
    }
}
