package org.umsynth.model.gan;

/**
 * The float convolution of one NCHW image for unpadded stride-1 geometries with few output channels (the
 * generator's 7x7 heads after their reflection padding), written so that HotSpot's C2 vectorises it.
 *
 * <p>Output pixel {@code (oy, x)} at flat index {@code p = oy * width + x} reads input {@code p + ky * width + kx}:
 * per (input channel, kernel tap) one multiply-add run over the whole plane (the {@code kW - 1} columns per row
 * beyond {@code outW} are computed and dropped). JDK 17's C2 does not vectorise {@code out[a + p] += w * in[b + p]}
 * with two different loop-invariant offsets (measured: scalar, ~0.3 ns per element), but does vectorise the same
 * loop over arrays indexed from 0 (~0.08 ns per element including a copy). So every shifted input run is first
 * copied ({@code System.arraycopy}) into a scratch array and every output / gradient plane is its own array. The
 * weight gradient is a dot product per weight, read straight from the image (no copy: a scalar reduction does not
 * need C2's vectorisation), three output channels per pass over the image run so every image element loaded
 * feeds three multiply-adds; float sums in independent chains, flushed into double every {@link #DOT_BLOCK}
 * elements.
 * Multiply-adds use {@code Math.fma} (one instruction with FMA hardware; 2-4% of a 128x128 step).
 *
 * <p>The input gradient is computed as a gather: {@code dx[q] = sum w[ky][kx] * dPad[Z + q - ky * width - kx]}, with
 * the output gradient laid out at row stride {@code width} (zeros beyond {@code outW}) behind {@code Z = (kH - 1) *
 * width + kW - 1} leading zeros, so every term is again a copied run of one plane.
 */
final class FlatConvolution {
    private FlatConvolution() {}

    /** No zero padding and stride 1. */
    static boolean covers(ConvGeometry g) {
        return g.padTop == 0 && g.padLeft == 0 && g.strideH == 1 && g.strideW == 1;
    }

    /** Run length: up to the last output pixel at row stride {@code width}. */
    private static int runLength(ConvGeometry g) {
        return (g.outH - 1) * g.width + g.outW;
    }

    private static int weightIndex(ConvGeometry g, int o, int ci, int ky, int kx) {
        return ((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx;
    }

    private static void axpy(float[] y, float w, float[] x, int len) {
        for (int p = 0; p < len; p++) {
            y[p] = Math.fma(w, x[p], y[p]);
        }
    }

    /** Elements per float partial sum of the weight-gradient dot products (then added in double). */
    static final int DOT_BLOCK = 1024;

    /** {@code sum a[aOffset + p] * b[bOffset + p]}, p < len. */
    static double dot(float[] a, int aOffset, float[] b, int bOffset, int len) {
        double s = 0;
        for (int start = 0; start < len; start += DOT_BLOCK) {
            int end = Math.min(len, start + DOT_BLOCK);
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            float s4 = 0;
            float s5 = 0;
            float s6 = 0;
            float s7 = 0;
            int p = start;
            for (; p + 8 <= end; p += 8) {
                int q = aOffset + p;
                int r = bOffset + p;
                s0 = Math.fma(a[q], b[r], s0);
                s1 = Math.fma(a[q + 1], b[r + 1], s1);
                s2 = Math.fma(a[q + 2], b[r + 2], s2);
                s3 = Math.fma(a[q + 3], b[r + 3], s3);
                s4 = Math.fma(a[q + 4], b[r + 4], s4);
                s5 = Math.fma(a[q + 5], b[r + 5], s5);
                s6 = Math.fma(a[q + 6], b[r + 6], s6);
                s7 = Math.fma(a[q + 7], b[r + 7], s7);
            }
            s += (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
            for (; p < end; p++) {
                s += a[aOffset + p] * b[bOffset + p];
            }
        }
        return s;
    }

    /**
     * Three dot products sharing {@code b}: {@code out[at + t * stride] += sum a_t[aOffset + p] * b[bOffset + p]},
     * t = 0, 1, 2 (one load of {@code b} per three multiply-adds; four chains per product).
     */
    static void dot3(float[] a0, float[] a1, float[] a2, int aOffset, float[] b, int bOffset, int len, double[] out,
            int at, int stride) {
        double t0 = 0;
        double t1 = 0;
        double t2 = 0;
        for (int start = 0; start < len; start += DOT_BLOCK) {
            int end = Math.min(len, start + DOT_BLOCK);
            float a00 = 0;
            float a01 = 0;
            float a02 = 0;
            float a03 = 0;
            float a10 = 0;
            float a11 = 0;
            float a12 = 0;
            float a13 = 0;
            float a20 = 0;
            float a21 = 0;
            float a22 = 0;
            float a23 = 0;
            int p = start;
            for (; p + 4 <= end; p += 4) {
                int q = aOffset + p;
                int r = bOffset + p;
                float x0 = b[r];
                float x1 = b[r + 1];
                float x2 = b[r + 2];
                float x3 = b[r + 3];
                a00 = Math.fma(a0[q], x0, a00);
                a01 = Math.fma(a0[q + 1], x1, a01);
                a02 = Math.fma(a0[q + 2], x2, a02);
                a03 = Math.fma(a0[q + 3], x3, a03);
                a10 = Math.fma(a1[q], x0, a10);
                a11 = Math.fma(a1[q + 1], x1, a11);
                a12 = Math.fma(a1[q + 2], x2, a12);
                a13 = Math.fma(a1[q + 3], x3, a13);
                a20 = Math.fma(a2[q], x0, a20);
                a21 = Math.fma(a2[q + 1], x1, a21);
                a22 = Math.fma(a2[q + 2], x2, a22);
                a23 = Math.fma(a2[q + 3], x3, a23);
            }
            t0 += (double) a00 + a01 + a02 + a03;
            t1 += (double) a10 + a11 + a12 + a13;
            t2 += (double) a20 + a21 + a22 + a23;
            for (; p < end; p++) {
                float x = b[bOffset + p];
                t0 += a0[aOffset + p] * x;
                t1 += a1[aOffset + p] * x;
                t2 += a2[aOffset + p] * x;
            }
        }
        out[at] += t0;
        out[at + stride] += t1;
        out[at + 2 * stride] += t2;
    }

    /**
     * {@code out[outOffset..]} = conv(image) + bias, {@code [nOut, outH, outW]} c order, for the image at
     * {@code imageOffset} of {@code image} ({@code [channels, height, width]}).
     */
    static void forward(ConvGeometry g, float[] image, int imageOffset, float[] weights, float[] bias, int nOut,
            float[] out, int outOffset) {
        int inPlane = g.height * g.width;
        int len = runLength(g);
        float[][] ext = Scratch.planes(Scratch.PLANES_OUT, nOut, len);
        for (int o = 0; o < nOut; o++) {
            java.util.Arrays.fill(ext[o], 0, len, bias[o]);
        }
        float[] run = Scratch.floats(Scratch.RUN, len);
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    System.arraycopy(image, imageOffset + ci * inPlane + ky * g.width + kx, run, 0, len);
                    for (int o = 0; o < nOut; o++) {
                        axpy(ext[o], weights[weightIndex(g, o, ci, ky, kx)], run, len);
                    }
                }
            }
        }
        int plane = g.outH * g.outW;
        for (int o = 0; o < nOut; o++) {
            for (int oy = 0; oy < g.outH; oy++) {
                System.arraycopy(ext[o], oy * g.width, out, outOffset + o * plane + oy * g.outW, g.outW);
            }
        }
    }

    /**
     * The backward pass of one image: {@code weightGrad += dL/dW} and {@code imageGrad[imageOffset..] = dL/dimage}
     * (overwritten), from {@code delta[deltaOffset..]} = dL/d(pre-activation) {@code [nOut, outH, outW]}.
     */
    static void backward(ConvGeometry g, float[] image, float[] imageGrad, int imageOffset, float[] weights, int nOut,
            float[] delta, int deltaOffset, double[] weightGrad) {
        int inPlane = g.height * g.width;
        int len = runLength(g);
        int lead = (g.kernelH - 1) * g.width + g.kernelW - 1;
        int plane = g.outH * g.outW;
        // output gradient at row stride width, zeros beyond outW, behind `lead` zeros; long enough for every gather
        float[][] padded = Scratch.planes(Scratch.PLANES_DELTA, nOut, lead + inPlane);
        for (int o = 0; o < nOut; o++) {
            java.util.Arrays.fill(padded[o], 0, lead + inPlane, 0f);
            for (int oy = 0; oy < g.outH; oy++) {
                System.arraycopy(delta, deltaOffset + o * plane + oy * g.outW, padded[o], lead + oy * g.width, g.outW);
            }
        }
        int perOutput = g.columnRows(); // weight index stride between output channels
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int from = imageOffset + ci * inPlane + ky * g.width + kx;
                    int o = 0;
                    for (; o + 3 <= nOut; o += 3) {
                        dot3(padded[o], padded[o + 1], padded[o + 2], lead, image, from, len, weightGrad,
                                weightIndex(g, o, ci, ky, kx), perOutput);
                    }
                    for (; o < nOut; o++) {
                        weightGrad[weightIndex(g, o, ci, ky, kx)] += dot(padded[o], lead, image, from, len);
                    }
                }
            }
        }
        float[] run = Scratch.floats(Scratch.RUN, Math.max(len, inPlane));
        float[][] dx = Scratch.planes(Scratch.PLANES_INPUT_GRAD, g.channels, inPlane);
        for (int ci = 0; ci < g.channels; ci++) {
            java.util.Arrays.fill(dx[ci], 0, inPlane, 0f);
        }
        for (int o = 0; o < nOut; o++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    System.arraycopy(padded[o], lead - ky * g.width - kx, run, 0, inPlane);
                    for (int ci = 0; ci < g.channels; ci++) {
                        axpy(dx[ci], weights[weightIndex(g, o, ci, ky, kx)], run, inPlane);
                    }
                }
            }
        }
        for (int ci = 0; ci < g.channels; ci++) {
            System.arraycopy(dx[ci], 0, imageGrad, imageOffset + ci * inPlane, inPlane);
        }
    }
}
