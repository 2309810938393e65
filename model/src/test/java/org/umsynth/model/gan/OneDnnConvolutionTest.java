package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link OneDnnConvolution} computes what the fast layer's im2col + gemm path computes: the output, the input gradient
 * and the weight gradient, on the networks' geometries (the PatchGAN's 4x4 layers, the generator's 3x3 ones, Same
 * mode's asymmetric padding), across batch sizes and more shapes than a thread keeps plans for.
 */
class OneDnnConvolutionTest {
    /** channels, height, width, kernel, stride, pad top/left, nOut, Same mode (asymmetric bottom/right padding). */
    private static final int[][] GEOMETRIES = {
        {3, 64, 64, 4, 2, 2, 16, 0}, // PatchGAN's first layer on [UM, edges, image]
        {16, 33, 33, 4, 2, 2, 32, 0},
        {32, 17, 17, 4, 1, 2, 64, 0}, // stride 1, the output larger than the input
        {64, 18, 18, 4, 1, 2, 5, 0}, // few outputs (the last layer takes the direct kernels in the network)
        {16, 32, 32, 3, 2, 1, 32, 0}, // the generator's downsampling
        {64, 8, 8, 3, 1, 0, 64, 0}, // a residual block's convolution after reflection padding
        {5, 13, 11, 3, 2, 0, 7, 1}, // Same mode: padding 0 on top/left, 1 on bottom/right
        {5, 12, 12, 4, 2, 1, 9, 1},
    };

    @AfterEach
    void restore() {
        OneDnnConvolution.enabled = true;
    }

    private static ConvGeometry geometry(int[] c) {
        int h = c[1];
        int w = c[2];
        int k = c[3];
        int s = c[4];
        if (c[7] == 1) { // Same mode: output ceil(size / stride), the extra padding at the bottom / right
            int outH = (h + s - 1) / s;
            int outW = (w + s - 1) / s;
            int padTop = Math.max(0, ((outH - 1) * s + k - h) / 2);
            int padLeft = Math.max(0, ((outW - 1) * s + k - w) / 2);
            return new ConvGeometry(c[0], h, w, k, k, s, s, padTop, padLeft, outH, outW);
        }
        int p = c[5];
        return new ConvGeometry(c[0], h, w, k, k, s, s, p, p, (h + 2 * p - k) / s + 1, (w + 2 * p - k) / s + 1);
    }

    /** One multiply of a convolution: output element {@code y}, input element {@code x}, weight {@code w}. */
    private interface Tap {
        void at(int y, int x, int w);
    }

    /** Every (output, input, weight) product of a zero-padded convolution of {@code n} images, by flat index. */
    private static void taps(ConvGeometry g, int n, int nOut, Tap tap) {
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < nOut; o++) {
                for (int oy = 0; oy < g.outH; oy++) {
                    for (int ox = 0; ox < g.outW; ox++) {
                        int y = ((i * nOut + o) * g.outH + oy) * g.outW + ox;
                        for (int c = 0; c < g.channels; c++) {
                            for (int ky = 0; ky < g.kernelH; ky++) {
                                int iy = oy * g.strideH - g.padTop + ky;
                                for (int kx = 0; kx < g.kernelW; kx++) {
                                    int ix = ox * g.strideW - g.padLeft + kx;
                                    if (iy >= 0 && iy < g.height && ix >= 0 && ix < g.width) {
                                        tap.at(y, ((i * g.channels + c) * g.height + iy) * g.width + ix,
                                                ((o * g.channels + c) * g.kernelH + ky) * g.kernelW + kx);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** The reference output: direct loops in double. */
    private static double[] reference(ConvGeometry g, int n, int nOut, float[] x, float[] w, float[] b) {
        double[] y = new double[n * nOut * g.outH * g.outW];
        int plane = g.outH * g.outW;
        for (int i = 0; b != null && i < y.length; i++) {
            y[i] = b[(i / plane) % nOut];
        }
        taps(g, n, nOut, (yi, xi, wi) -> y[yi] += (double) x[xi] * w[wi]);
        return y;
    }

    /** dL/dx (or dL/dw) of L = sum(delta * conv(x, w)), accumulated in double from the definition. */
    private static double[] linearGradient(ConvGeometry g, int n, int nOut, float[] x, float[] w, float[] delta,
            boolean input) {
        double[] grad = new double[input ? x.length : w.length];
        taps(g, n, nOut, input ? (yi, xi, wi) -> grad[xi] += (double) delta[yi] * w[wi]
                : (yi, xi, wi) -> grad[wi] += (double) delta[yi] * x[xi]);
        return grad;
    }

    private static void assertClose(double[] expected, INDArray actual, String what) {
        float[] a = actual.data().asFloat();
        assertEquals(expected.length, a.length, what);
        double scale = 1e-3;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(expected[i], a[i], 2e-5 * scale, what + " at " + i);
        }
    }

    private static float[] floats(INDArray x) {
        return x.data().asFloat();
    }

    @Test
    void loadsOnThisPlatformAndRunsJitKernels() {
        assertTrue(OneDnnConvolution.available(), "oneDNN natives (org.bytedeco:dnnl linux-x86_64) did not load");
        String impl = OneDnnConvolution.implementation(geometry(GEOMETRIES[1]), 4, 32, true);
        assertTrue(impl.startsWith("jit"), "PatchGAN layer runs " + impl + ", not a JIT kernel");
        OneDnnConvolution.enabled = false;
        assertFalse(OneDnnConvolution.available());
    }

    @Test
    void forwardAndGradientsMatchDirectLoops() {
        assertTrue(OneDnnConvolution.available());
        for (int[] c : GEOMETRIES) {
            for (int n : new int[] {1, 3}) {
                for (boolean bias : new boolean[] {true, false}) {
                    check(geometry(c), n, c[6], bias, java.util.Arrays.toString(c) + " n " + n + " bias " + bias);
                }
            }
        }
    }

    private static void check(ConvGeometry g, int n, int nOut, boolean withBias, String name) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, g.channels, g.height, g.width);
        INDArray w = Nd4j.randn(DataType.FLOAT, nOut, g.channels, g.kernelH, g.kernelW);
        INDArray b = withBias ? Nd4j.randn(DataType.FLOAT, 1, nOut) : null;
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, nOut, g.outH, g.outW).addi(Float.NaN); // all overwritten
        OneDnnConvolution.forward(g, n, x, w, b, y);
        assertClose(reference(g, n, nOut, floats(x), floats(w), b == null ? null : floats(b)), y, "output " + name);

        // gradients of L = sum(delta * y): dL/dx and dL/dw against the definition, summed in double
        INDArray delta = Nd4j.randn(DataType.FLOAT, n, nOut, g.outH, g.outW);
        INDArray dx = Nd4j.zeros(DataType.FLOAT, x.shape()).addi(Float.NaN);
        INDArray dw = Nd4j.zeros(DataType.FLOAT, w.shape()).addi(Float.NaN);
        OneDnnConvolution.inputGradient(g, n, w, withBias, delta, dx);
        OneDnnConvolution.weightGradient(g, n, x, withBias, delta, dw);
        float[] d = floats(delta);
        assertClose(linearGradient(g, n, nOut, floats(x), floats(w), d, true), dx, "input gradient " + name);
        assertClose(linearGradient(g, n, nOut, floats(x), floats(w), d, false), dw, "weight gradient " + name);
    }

    @Test
    void manyShapesEvictOldPlansAndStillCompute() {
        // more batch sizes than a thread keeps plans for: evicted plans free their primitives, the first shape is
        // rebuilt and computes the same values
        ConvGeometry g = geometry(GEOMETRIES[6]);
        int nOut = GEOMETRIES[6][6];
        INDArray w = Nd4j.randn(DataType.FLOAT, nOut, g.channels, g.kernelH, g.kernelW);
        INDArray first = null;
        INDArray x1 = Nd4j.randn(DataType.FLOAT, 1, g.channels, g.height, g.width);
        for (int n = 1; n <= OneDnnConvolution.PLANS_PER_THREAD + 6; n++) {
            INDArray x = n == 1 ? x1 : Nd4j.randn(DataType.FLOAT, n, g.channels, g.height, g.width);
            INDArray y = Nd4j.create(DataType.FLOAT, n, nOut, g.outH, g.outW);
            OneDnnConvolution.forward(g, n, x, w, null, y);
            if (n == 1) {
                first = y;
            }
        }
        // the blocked copies share three buffers per thread: at most 3x the largest tensor (70 images, channels
        // padded to 16), not one set per plan
        int largest = OneDnnConvolution.PLANS_PER_THREAD + 6;
        assertTrue(OneDnnConvolution.bufferBytes() <= 3L * largest * 16 * g.height * g.width * Float.BYTES,
                "blocked buffers " + OneDnnConvolution.bufferBytes() + " bytes");
        INDArray again = Nd4j.create(DataType.FLOAT, 1, nOut, g.outH, g.outW);
        OneDnnConvolution.forward(g, 1, x1, w, null, again);
        assertEquals(first, again);
    }
}
