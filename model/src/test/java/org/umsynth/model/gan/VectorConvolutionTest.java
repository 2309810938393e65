package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link VectorConvolution} computes what the scalar {@link FlatConvolution} computes: output and both gradients. */
class VectorConvolutionTest {
    @Test
    void theTestJvmHasTheVectorApi() {
        // the build passes --add-modules jdk.incubator.vector to every test JVM; without it the SIMD path is untested
        SimdExpectation.check();
    }

    @Test
    void vectorAndScalarKernelsAgree() {
        int chunk = 4 * VectorConvolution.lanes();
        Random r = new Random(11);
        // {channels, height, width extra beyond one chunk, kernel h, kernel w, nOut}: rows exactly one chunk wide
        // and rows with a shifted last chunk, odd and even channel and output counts, kernels wider than four
        // columns (two column groups) and narrower
        int[][] shapes = {{16, 70, 0, 7, 7, 3}, {3, 12, 7, 7, 7, 1}, {2, 9, chunk + 3, 3, 5, 4}, {5, 6, 1, 1, 1, 5},
            {4, 30, 17, 7, 2, 2}};
        for (int[] s : shapes) {
            int width = chunk + s[2] + s[4] - 1;
            ConvGeometry g = new ConvGeometry(s[0], s[1], width, s[3], s[4], 1, 1, 0, 0, s[1] - s[3] + 1,
                    width - s[4] + 1);
            int nOut = s[5];
            String name = Arrays.toString(s) + " width " + width;
            assertTrue(VectorConvolution.covers(g), name);
            int outImage = nOut * g.outH * g.outW;
            float[] x = gaussian(r, 2 * g.imageSize());
            float[] w = gaussian(r, nOut * g.columnRows());
            float[] b = gaussian(r, nOut);
            float[] delta = gaussian(r, 2 * outImage);
            float[] scalar = new float[2 * outImage];
            float[] scalarDx = new float[x.length];
            double[] scalarDw = new double[w.length];
            float[] vector = new float[2 * outImage];
            float[] vectorDx = new float[x.length];
            Arrays.fill(vectorDx, Float.NaN); // overwritten, not accumulated
            double[] vectorDw = new double[w.length];
            for (int i = 0; i < 2; i++) {
                FlatConvolution.forward(g, x, i * g.imageSize(), w, b, nOut, scalar, i * outImage);
                FlatConvolution.backward(g, x, scalarDx, i * g.imageSize(), w, nOut, delta, i * outImage, scalarDw);
                VectorConvolution.forward(g, x, i * g.imageSize(), w, b, nOut, vector, i * outImage);
                VectorConvolution.weightGradient(g, x, i * g.imageSize(), nOut, delta, i * outImage, vectorDw);
                VectorConvolution.inputGradient(g, vectorDx, i * g.imageSize(), w, nOut, delta, i * outImage);
            }
            // float sums in a different order: relative to the magnitude a sum of that many unit terms reaches
            double outScale = Math.sqrt(g.columnRows());
            for (int i = 0; i < scalar.length; i++) {
                assertEquals(scalar[i], vector[i], 1e-5 * outScale, "output " + name + " at " + i);
            }
            double dxScale = Math.sqrt(nOut * g.kernelH * g.kernelW);
            for (int i = 0; i < x.length; i++) {
                assertEquals(scalarDx[i], vectorDx[i], 1e-5 * dxScale, "input gradient " + name + " at " + i);
            }
            double dwScale = Math.sqrt(2.0 * g.outH * g.outW);
            for (int i = 0; i < w.length; i++) {
                assertEquals(scalarDw[i], vectorDw[i], 1e-5 * dwScale, "weight gradient " + name + " at " + i);
            }
        }
    }

    @Test
    void narrowRowsAreNotCovered() {
        int chunk = 4 * VectorConvolution.lanes();
        assertFalse(VectorConvolution.covers(new ConvGeometry(2, 10, chunk + 1, 3, 3, 1, 1, 0, 0, 8, chunk - 1)));
        assertFalse(VectorConvolution.covers(new ConvGeometry(2, 10, chunk + 3, 3, 3, 1, 1, 1, 1, 10, chunk + 3)));
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
