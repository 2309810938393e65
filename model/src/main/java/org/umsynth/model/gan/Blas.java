package org.umsynth.model.gan;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code Nd4j.gemm} for the fast layers' float matrices, calling OpenBLAS's {@code cblas_sgemm} (the library ND4J's
 * own matmul ends in, same thread setting) directly. ND4J 1.0.0-M2.1 routes every {@code Nd4j.gemm} through its
 * {@code Mmul} custom op (op object, shape function, op context, workspace checks): measured 15-85 us more per call
 * than the plain BLAS call on the layers' shapes (16x80x1089: 59 vs 40 us; 16x98x4096: 339 vs 255 us; 1x2048x121: 35
 * vs 17 us), with bit-identical results. Anything else (double, views that are not contiguous c-order matrices, a
 * non-CPU backend, {@code -Dumsynth.directBlas=false}) goes to {@code Nd4j.gemm}.
 */
final class Blas {
    private Blas() {}

    /** {@code umsynth.directBlas} (default true): false sends every call through {@code Nd4j.gemm}. */
    static volatile boolean enabled = !"false".equals(System.getProperty("umsynth.directBlas"));

    /** {@code c = alpha op(a) op(b) + beta c}, as {@code Nd4j.gemm(a, b, c, transA, transB, alpha, beta)}. */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double alpha, double beta) {
        if (!direct(a, b, c)) {
            Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
            return;
        }
        int m = Math.toIntExact(c.size(0));
        int n = Math.toIntExact(c.size(1));
        int k = Math.toIntExact(transA ? a.size(0) : a.size(1));
        if ((transA ? a.size(1) : a.size(0)) != m || (transB ? b.size(0) : b.size(1)) != n
                || (transB ? b.size(1) : b.size(0)) != k) {
            throw new IllegalArgumentException("gemm shapes " + java.util.Arrays.toString(a.shape()) + (transA ? "^T" : "")
                    + " x " + java.util.Arrays.toString(b.shape()) + (transB ? "^T" : "") + " -> "
                    + java.util.Arrays.toString(c.shape()));
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, (float) alpha,
                pointer(a), Math.max(1, (int) a.size(1)), pointer(b), Math.max(1, (int) b.size(1)), (float) beta,
                pointer(c), Math.max(1, n));
    }

    private static boolean direct(INDArray a, INDArray b, INDArray c) {
        return enabled && ConvBuffers.hostBackend() && matrix(a) && matrix(b) && matrix(c);
    }

    private static boolean matrix(INDArray x) {
        return x.dataType() == DataType.FLOAT && x.rank() == 2 && ConvBuffers.isContiguousC(x) && x.length() > 0;
    }

    /**
     * The first element of {@code x}. In ND4J 1.0.0-M2.1 a view's {@code data()} is a view buffer whose address
     * already points at the view's first element ({@code INDArray.offset()} is that buffer's offset, while
     * {@code asNioFloat()} starts at the underlying buffer's start): no further offset here.
     */
    private static FloatPointer pointer(INDArray x) {
        return new FloatPointer(x.data().addressPointer());
    }
}
