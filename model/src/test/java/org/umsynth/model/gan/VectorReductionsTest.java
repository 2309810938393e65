package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link VectorReductions} against double sums, for lengths around the vector, pair and block boundaries. */
class VectorReductionsTest {
    @Test
    void sameAsDoubleSums() {
        SimdExpectation.check();
        Random r = new Random(5);
        int lanes = VectorConvolution.lanes();
        int[] lengths = {0, 1, lanes - 1, 2 * lanes - 1, 2 * lanes, 2 * lanes + 1, 36, 81, 1023, 1024, 1025, 4096, 5003};
        for (int length : lengths) {
            for (int from : new int[] {0, 3}) {
                float[] a = new float[from + length + 5];
                float[] b = new float[a.length];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (r.nextGaussian() + 0.5);
                    b[i] = (float) r.nextGaussian();
                }
                double sum = 0;
                double squares = 0;
                double dot = 0;
                float shift = 0.25f;
                for (int i = from; i < from + length; i++) {
                    sum += a[i];
                    squares += (a[i] - shift) * (double) (a[i] - shift);
                    dot += (double) a[i] * b[i];
                }
                String name = "length " + length + " from " + from;
                double tol = 1e-5 * Math.sqrt(length + 1);
                assertEquals(sum, VectorReductions.sum(a, from, from + length), tol, "sum " + name);
                assertEquals(squares, VectorReductions.sumOfSquares(a, from, from + length, shift), tol * 4,
                        "squares " + name);
                assertEquals(dot, VectorReductions.dot(a, b, from, from + length), tol, "dot " + name);
            }
        }
    }
}
