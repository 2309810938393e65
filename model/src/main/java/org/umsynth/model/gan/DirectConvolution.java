package org.umsynth.model.gan;

/**
 * A convolution of one NCHW image without a column matrix, for layers with few output channels (the
 * generator's 7x7 heads: 16 -> 1 and 16 -> 3 channels). With im2col these are thin gemms ({@code [nOut, 784] x
 * [784, 4096]} at 64x64) that stream a 12.8 MB column matrix per image through memory for 4 multiply-adds per
 * element; here every (input channel, kernel row, kernel column, output row) pair is one contiguous
 * multiply-add run along x over the output row, which the JIT vectorises and which stays in L1/L2.
 *
 * <p>Horizontal stride 1 only (the runs must be contiguous in the input); any vertical stride and zero
 * padding. Arrays: image {@code [channels, height, width]}, weights {@code [nOut, channels, kH, kW]} (DL4J's
 * layout), output / output gradient {@code [nOut, outH, outW]}, all c order, one image. The float and double
 * versions are the same loops (the double ones serve the gradient checks).
 */
final class DirectConvolution {
    private DirectConvolution() {}

    /** Whether the direct loops cover this geometry. */
    static boolean covers(ConvGeometry g) {
        return g.strideW == 1;
    }

    /** First output column whose input column {@code ox - padLeft + kx} is inside the image. */
    private static int firstColumn(ConvGeometry g, int kx) {
        return Math.max(0, g.padLeft - kx);
    }

    /** End (exclusive) of the output columns whose input column is inside the image. */
    private static int endColumn(ConvGeometry g, int kx) {
        return Math.min(g.outW, g.width + g.padLeft - kx);
    }

    private static int inputRow(ConvGeometry g, int oy, int ky) {
        return oy * g.strideH - g.padTop + ky;
    }

    /** {@code out += conv(image, weights)}: {@code out} holds the bias (or zeros) on entry. */
    static void forward(ConvGeometry g, float[] image, int imageOffset, float[] weights, int nOut, float[] out) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    int shift = kx - g.padLeft;
                    for (int oy = 0; oy < g.outH; oy++) {
                        int iy = inputRow(g, oy, ky);
                        if (iy < 0 || iy >= g.height || lo >= hi) {
                            continue;
                        }
                        int src = imageOffset + ci * inPlane + iy * g.width + shift;
                        for (int o = 0; o < nOut; o++) {
                            float w = weights[((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx];
                            int dst = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                out[dst + x] += w * image[src + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The backward pass of one image: {@code weightGrad += dL/dW} (accumulated over the batch; the sums per
     * weight are taken in double) and {@code imageGrad += dL/dimage} at {@code imageOffset}.
     */
    static void backward(ConvGeometry g, float[] image, float[] imageGrad, int imageOffset, float[] weights,
            int nOut, float[] delta, double[] weightGrad) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        float[] acc = new float[g.outW];
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    if (lo >= hi) {
                        continue;
                    }
                    int shift = kx - g.padLeft;
                    for (int o = 0; o < nOut; o++) {
                        int wi = ((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx;
                        float w = weights[wi];
                        java.util.Arrays.fill(acc, 0f);
                        for (int oy = 0; oy < g.outH; oy++) {
                            int iy = inputRow(g, oy, ky);
                            if (iy < 0 || iy >= g.height) {
                                continue;
                            }
                            int src = imageOffset + ci * inPlane + iy * g.width + shift;
                            int d = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                acc[x] += delta[d + x] * image[src + x];
                                imageGrad[src + x] += w * delta[d + x];
                            }
                        }
                        double sum = 0;
                        for (int x = lo; x < hi; x++) {
                            sum += acc[x];
                        }
                        weightGrad[wi] += sum;
                    }
                }
            }
        }
    }

    /** The input gradient alone ({@code imageGrad += dL/dimage}): a frozen layer's backward pass. */
    static void backwardInput(ConvGeometry g, float[] imageGrad, int imageOffset, float[] weights, int nOut,
            float[] delta) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    if (lo >= hi) {
                        continue;
                    }
                    int shift = kx - g.padLeft;
                    for (int oy = 0; oy < g.outH; oy++) {
                        int iy = inputRow(g, oy, ky);
                        if (iy < 0 || iy >= g.height) {
                            continue;
                        }
                        int src = imageOffset + ci * inPlane + iy * g.width + shift;
                        for (int o = 0; o < nOut; o++) {
                            float w = weights[((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx];
                            int d = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                imageGrad[src + x] += w * delta[d + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@link #backwardInput(ConvGeometry, float[], int, float[], int, float[])} in double. */
    static void backwardInput(ConvGeometry g, double[] imageGrad, int imageOffset, double[] weights, int nOut,
            double[] delta) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    if (lo >= hi) {
                        continue;
                    }
                    int shift = kx - g.padLeft;
                    for (int oy = 0; oy < g.outH; oy++) {
                        int iy = inputRow(g, oy, ky);
                        if (iy < 0 || iy >= g.height) {
                            continue;
                        }
                        int src = imageOffset + ci * inPlane + iy * g.width + shift;
                        for (int o = 0; o < nOut; o++) {
                            double w = weights[((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx];
                            int d = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                imageGrad[src + x] += w * delta[d + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@link #forward(ConvGeometry, float[], int, float[], int, float[])} in double. */
    static void forward(ConvGeometry g, double[] image, int imageOffset, double[] weights, int nOut, double[] out) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    int shift = kx - g.padLeft;
                    for (int oy = 0; oy < g.outH; oy++) {
                        int iy = inputRow(g, oy, ky);
                        if (iy < 0 || iy >= g.height || lo >= hi) {
                            continue;
                        }
                        int src = imageOffset + ci * inPlane + iy * g.width + shift;
                        for (int o = 0; o < nOut; o++) {
                            double w = weights[((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx];
                            int dst = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                out[dst + x] += w * image[src + x];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@link #backward(ConvGeometry, float[], float[], int, float[], int, float[], double[])} in double. */
    static void backward(ConvGeometry g, double[] image, double[] imageGrad, int imageOffset, double[] weights,
            int nOut, double[] delta, double[] weightGrad) {
        int plane = g.outH * g.outW;
        int inPlane = g.height * g.width;
        for (int ci = 0; ci < g.channels; ci++) {
            for (int ky = 0; ky < g.kernelH; ky++) {
                for (int kx = 0; kx < g.kernelW; kx++) {
                    int lo = firstColumn(g, kx);
                    int hi = endColumn(g, kx);
                    if (lo >= hi) {
                        continue;
                    }
                    int shift = kx - g.padLeft;
                    for (int o = 0; o < nOut; o++) {
                        int wi = ((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx;
                        double w = weights[wi];
                        double sum = 0;
                        for (int oy = 0; oy < g.outH; oy++) {
                            int iy = inputRow(g, oy, ky);
                            if (iy < 0 || iy >= g.height) {
                                continue;
                            }
                            int src = imageOffset + ci * inPlane + iy * g.width + shift;
                            int d = o * plane + oy * g.outW;
                            for (int x = lo; x < hi; x++) {
                                sum += delta[d + x] * image[src + x];
                                imageGrad[src + x] += w * delta[d + x];
                            }
                        }
                        weightGrad[wi] += sum;
                    }
                }
            }
        }
    }
}
