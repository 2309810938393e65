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
 * weight gradient is a dot product per weight (float sums in eight independent chains, added in double).
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

    private static double dot(float[] a, int aOffset, float[] b, int len) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        float s4 = 0;
        float s5 = 0;
        float s6 = 0;
        float s7 = 0;
        int p = 0;
        for (; p + 8 <= len; p += 8) {
            int q = aOffset + p;
            s0 = Math.fma(a[q], b[p], s0);
            s1 = Math.fma(a[q + 1], b[p + 1], s1);
            s2 = Math.fma(a[q + 2], b[p + 2], s2);
            s3 = Math.fma(a[q + 3], b[p + 3], s3);
            s4 = Math.fma(a[q + 4], b[p + 4], s4);
            s5 = Math.fma(a[q + 5], b[p + 5], s5);
            s6 = Math.fma(a[q + 6], b[p + 6], s6);
            s7 = Math.fma(a[q + 7], b[p + 7], s7);
        }
        double s = (double) s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
        for (; p < len; p++) {
            s += a[aOffset + p] * b[p];
        }
        return s;
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
        float[] run = Scratch.floats(Scratch.RUN, Math.max(len, inPlane));
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    System.arraycopy(image, imageOffset + ci * inPlane + ky * g.width + kx, run, 0, len);
                    for (int o = 0; o < nOut; o++) {
                        weightGrad[weightIndex(g, o, ci, ky, kx)] += dot(padded[o], lead, run, len);
                    }
                }
            }
        }
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
