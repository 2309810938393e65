package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Blas#gemm} (direct cblas_sgemm) computes what {@code Nd4j.gemm} computes, also on offset views. */
class BlasTest {

    /** Rows [1, 1 + rows) of a larger random matrix: a contiguous c-order view at a non-zero offset. */
    private static INDArray offsetView(long rows, long columns) {
        INDArray base = Nd4j.rand(DataType.FLOAT, rows + 2, columns).subi(0.5);
        INDArray view = base.get(NDArrayIndex.interval(1, 1 + rows), NDArrayIndex.all());
        assertTrue(view.offset() > 0 && ConvBuffers.isContiguousC(view));
        return view;
    }

    @Test
    void equalsNd4jGemmForEveryTransposeOnOffsetViews() {
        Nd4j.getRandom().setSeed(17);
        int m = 7;
        int n = 33;
        int k = 19;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                for (double beta : new double[] {0.0, 1.0}) {
                    INDArray a = transA ? offsetView(k, m) : offsetView(m, k);
                    INDArray b = transB ? offsetView(n, k) : offsetView(k, n);
                    INDArray c0 = offsetView(m, n);
                    INDArray expected = c0.dup();
                    Nd4j.gemm(a, b, expected, transA, transB, 1.5, beta);
                    INDArray actual = c0; // written in place, as the layers use it
                    Blas.gemm(a, b, actual, transA, transB, 1.5, beta);
                    String what = "transA " + transA + " transB " + transB + " beta " + beta;
                    double diff = expected.sub(actual).amaxNumber().doubleValue();
                    assertTrue(diff <= 1e-5 * expected.amaxNumber().doubleValue(), what + ": " + diff);
                }
            }
        }
    }

    @Test
    void gemmAtOffsetsAndRowBiasEqualNd4j() {
        // per-image products on offsets inside a [3, m, n] array, as the convolution layer runs them
        Nd4j.getRandom().setSeed(23);
        int m = 5;
        int n = 41;
        int k = 9;
        INDArray w = offsetView(m, k);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, k, n).subi(0.5);
        INDArray bias = offsetView(1, m);
        INDArray out = Nd4j.rand(DataType.FLOAT, 3, m, n);
        for (int i = 0; i < 3; i++) {
            assertTrue(Blas.directFloat(w, x, out, bias));
            Blas.gemmAt(w, 0, x, (long) i * k * n, out, (long) i * m * n, m, n, k, false, false, 1.0, 0.0);
            Blas.addRowBias(out, (long) i * m * n, m, n, bias);
        }
        for (int i = 0; i < 3; i++) {
            INDArray expected = w.mmul(x.get(NDArrayIndex.point(i))).addiColumnVector(bias.reshape(m, 1));
            double diff = expected.sub(out.get(NDArrayIndex.point(i))).amaxNumber().doubleValue();
            assertTrue(diff < 1e-5, "image " + i + ": " + diff);
        }
        // transposed operands at offsets: W^T x delta_i and delta_i x col^T, accumulated with beta 1
        INDArray delta = Nd4j.rand(DataType.FLOAT, 3, m, n).subi(0.5);
        INDArray colGrad = Nd4j.create(DataType.FLOAT, k, n);
        Blas.gemmAt(w, 0, delta, 2L * m * n, colGrad, 0, k, n, m, true, false, 1.0, 0.0);
        assertTrue(w.transpose().mmul(delta.get(NDArrayIndex.point(2))).sub(colGrad).amaxNumber().doubleValue() < 1e-5);
        INDArray col = Nd4j.rand(DataType.FLOAT, k, n);
        INDArray dw = Nd4j.create(DataType.FLOAT, m, k);
        INDArray expectedDw = Nd4j.create(DataType.FLOAT, m, k);
        for (int i = 0; i < 3; i++) {
            Blas.gemmAt(delta, (long) i * m * n, col, 0, dw, 0, m, k, n, false, true, 1.0, i == 0 ? 0.0 : 1.0);
            expectedDw.addi(delta.get(NDArrayIndex.point(i)).mmul(col.transpose()));
        }
        assertTrue(expectedDw.sub(dw).amaxNumber().doubleValue() < 1e-4);
        assertThrows(IndexOutOfBoundsException.class,
                () -> Blas.gemmAt(w, 0, x, 2L * k * n + 1, out, 0, m, n, k, false, false, 1.0, 0.0));
    }

    @Test
    void writesOnlyItsViewAndFallsBackForOtherArrays() {
        Nd4j.getRandom().setSeed(3);
        INDArray base = Nd4j.zeros(DataType.FLOAT, 6, 5);
        INDArray c = base.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        Blas.gemm(Nd4j.ones(DataType.FLOAT, 2, 3), Nd4j.ones(DataType.FLOAT, 3, 5), c, false, false, 1.0, 0.0);
        assertEquals(3.0 * 2 * 5, base.sumNumber().doubleValue(), 1e-6);
        assertEquals(0.0, base.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()).sumNumber().doubleValue());
        assertEquals(0.0, base.get(NDArrayIndex.interval(4, 6), NDArrayIndex.all()).sumNumber().doubleValue());
        // double: Nd4j.gemm
        INDArray ad = Nd4j.rand(DataType.DOUBLE, 4, 3);
        INDArray bd = Nd4j.rand(DataType.DOUBLE, 3, 2);
        INDArray cd = Nd4j.create(DataType.DOUBLE, 4, 2);
        Blas.gemm(ad, bd, cd, false, false, 1.0, 0.0);
        assertEquals(ad.mmul(bd), cd);
        assertThrows(IllegalArgumentException.class, () -> Blas.gemm(Nd4j.ones(DataType.FLOAT, 2, 3),
                Nd4j.ones(DataType.FLOAT, 4, 5), Nd4j.ones(DataType.FLOAT, 2, 5), false, false, 1.0, 0.0));
    }

    @Test
    void channelSumsEqualNd4jSumIntoAnOffsetView() {
        Nd4j.getRandom().setSeed(29);
        INDArray delta = Nd4j.randn(DataType.FLOAT, 3, 5, 7, 9);
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 1, 12);
        INDArray into = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(4, 9)).reshape(1, 5); // a view at offset 4
        assertTrue(Blas.directFloat(delta, into));
        Blas.channelSums(delta, into);
        INDArray expected = delta.sum(0, 2, 3);
        for (int c = 0; c < 5; c++) {
            assertEquals(expected.getDouble(c), into.getDouble(0, c), 1e-4 * (1 + Math.abs(expected.getDouble(c))));
        }
        assertEquals(0.0, flat.getDouble(0, 3), 0.0);
        assertEquals(0.0, flat.getDouble(0, 9), 0.0);
    }

    @Test
    void copyFloatsCopiesBetweenOffsetViewsOnly() {
        Nd4j.getRandom().setSeed(31);
        INDArray src = Nd4j.randn(DataType.FLOAT, 1, 20);
        INDArray dstBase = Nd4j.zeros(DataType.FLOAT, 1, 20);
        INDArray from = src.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 11)).reshape(2, 4);
        INDArray to = dstBase.get(NDArrayIndex.point(0), NDArrayIndex.interval(9, 17)).reshape(2, 4);
        assertTrue(Blas.copyFloats(from, to));
        assertEquals(from, to);
        assertEquals(0.0, dstBase.getDouble(0, 8), 0.0);
        assertEquals(0.0, dstBase.getDouble(0, 17), 0.0);
        // another type or length: not copied, the caller falls back
        assertFalse(Blas.copyFloats(Nd4j.ones(DataType.DOUBLE, 8), Nd4j.zeros(DataType.DOUBLE, 8)));
        assertFalse(Blas.copyFloats(Nd4j.ones(DataType.FLOAT, 7), Nd4j.zeros(DataType.FLOAT, 8)));
    }
}
