package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
