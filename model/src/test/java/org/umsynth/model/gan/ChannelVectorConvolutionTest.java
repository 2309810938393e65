package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ChannelVectorConvolution} against a plain six-loop convolution: output and both gradients. */
class ChannelVectorConvolutionTest {
    @Test
    void sameAsThePlainConvolution() {
        SimdExpectation.check();
        int lanes = VectorConvolution.lanes();
        Random r = new Random(3);
        // {channels, height, width, kernel, stride, padding, nOut}: the PatchGAN's last layers (128 -> 1, 4x4, pad 2
        // on 10x10 and 6x6), more outputs, stride 2, no padding, a non-square plane
        int[][] shapes = {{128, 10, 10, 4, 1, 2, 1}, {128, 6, 6, 4, 1, 2, 1}, {2 * lanes, 7, 5, 3, 1, 1, 3},
            {lanes, 9, 9, 4, 2, 2, 4}, {lanes, 5, 8, 2, 1, 0, 2}};
        for (int[] s : shapes) {
            int c = s[0];
            int k = s[3];
            int stride = s[4];
            int pad = s[5];
            int nOut = s[6];
            int outH = (s[1] + 2 * pad - k) / stride + 1;
            int outW = (s[2] + 2 * pad - k) / stride + 1;
            ConvGeometry g = new ConvGeometry(c, s[1], s[2], k, k, stride, stride, pad, pad, outH, outW);
            String name = Arrays.toString(s);
            assertTrue(ChannelVectorConvolution.covers(g, nOut), name);
            int outImage = nOut * outH * outW;
            float[] x = gaussian(r, 2 * g.imageSize());
            float[] w = gaussian(r, nOut * g.columnRows());
            float[] delta = gaussian(r, 2 * outImage);
            for (int i = 0; i < 2; i++) {
                int off = i * g.imageSize();
                float[] deltaImage = Arrays.copyOfRange(delta, i * outImage, (i + 1) * outImage);
                float[] out = new float[outImage];
                Arrays.fill(out, 0.25f); // a bias: accumulated into
                ChannelVectorConvolution.forward(g, x, off, w, nOut, out);
                float[] dx = new float[x.length];
                double[] dw = new double[w.length];
                ChannelVectorConvolution.backward(g, x, dx, off, w, nOut, deltaImage, dw);
                float[] dxOnly = new float[x.length];
                ChannelVectorConvolution.backward(g, x, dxOnly, off, w, nOut, deltaImage, null);

                double[] refOut = new double[outImage];
                double[] refDx = new double[x.length];
                double[] refDw = new double[w.length];
                reference(g, x, off, w, nOut, deltaImage, refOut, refDx, refDw);
                double tol = 1e-5 * Math.sqrt(g.columnRows());
                for (int j = 0; j < outImage; j++) {
                    assertEquals(0.25 + refOut[j], out[j], tol, "output " + name + " at " + j);
                }
                for (int j = 0; j < x.length; j++) {
                    assertEquals(refDx[j], dx[j], 1e-5 * Math.sqrt(nOut * k * k), "input gradient " + name + " at " + j);
                    assertEquals(dx[j], dxOnly[j], 0.0, "input gradient without weight gradient " + name);
                }
                for (int j = 0; j < w.length; j++) {
                    assertEquals(refDw[j], dw[j], 1e-5 * Math.sqrt(outH * outW), "weight gradient " + name + " at " + j);
                }
            }
        }
    }

    @Test
    void channelsThatDoNotFillVectorsAreNotCovered() {
        int lanes = VectorConvolution.lanes();
        assertFalse(ChannelVectorConvolution.covers(new ConvGeometry(lanes + 1, 8, 8, 4, 4, 1, 1, 2, 2, 9, 9), 1));
        assertFalse(ChannelVectorConvolution.covers(new ConvGeometry(lanes, 8, 8, 4, 4, 1, 1, 2, 2, 9, 9), 5));
    }

    /** The convolution by definition, in double: output, input gradient and weight gradient of one image. */
    private static void reference(ConvGeometry g, float[] x, int off, float[] w, int nOut, float[] delta, double[] out,
            double[] dx, double[] dw) {
        for (int o = 0; o < nOut; o++) {
            for (int oy = 0; oy < g.outH; oy++) {
                for (int ox = 0; ox < g.outW; ox++) {
                    int p = (o * g.outH + oy) * g.outW + ox;
                    for (int ci = 0; ci < g.channels; ci++) {
                        for (int ky = 0; ky < g.kernelH; ky++) {
                            for (int kx = 0; kx < g.kernelW; kx++) {
                                int iy = oy * g.strideH - g.padTop + ky;
                                int ix = ox * g.strideW - g.padLeft + kx;
                                if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) {
                                    continue;
                                }
                                int xi = off + (ci * g.height + iy) * g.width + ix;
                                int wi = ((o * g.channels + ci) * g.kernelH + ky) * g.kernelW + kx;
                                out[p] += (double) w[wi] * x[xi];
                                dx[xi] += (double) w[wi] * delta[p];
                                dw[wi] += (double) x[xi] * delta[p];
                            }
                        }
                    }
                }
            }
        }
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
