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
     * Whether {@link #gemmAt} / {@link #addRowBias} apply: direct calls enabled, CPU backend, every array float and
     * contiguous in c order (any rank).
     */
    static boolean directFloat(INDArray... arrays) {
        if (!enabled || !ConvBuffers.hostBackend()) {
            return false;
        }
        for (INDArray x : arrays) {
            if (x.dataType() != DataType.FLOAT || !ConvBuffers.isContiguousC(x) || x.length() == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code C = alpha op(A) op(B) + beta C} on row-major matrices stored contiguously inside larger arrays from the
     * given element offsets: {@code A} is {@code m x k} ({@code k x m} stored when {@code transA}), {@code B} is
     * {@code k x n} ({@code n x k} when {@code transB}), {@code C} is {@code m x n}. No per-image ND4J views (each
     * {@code get(point(i)).reshape(..)} costs ~15 us in M2.1). Callers check {@link #directFloat} and the bounds.
     */
    static void gemmAt(INDArray a, long aOffset, INDArray b, long bOffset, INDArray c, long cOffset, int m, int n,
            int k, boolean transA, boolean transB, double alpha, double beta) {
        check(a, aOffset, (long) m * k);
        check(b, bOffset, (long) k * n);
        check(c, cOffset, (long) m * n);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, (float) alpha,
                pointer(a).position(aOffset), Math.max(1, transA ? m : k), pointer(b).position(bOffset),
                Math.max(1, transB ? k : n), (float) beta, pointer(c).position(cOffset), Math.max(1, n));
    }

    /**
     * {@code C[r, :] += bias[r]} for the {@code rows x columns} row-major matrix at {@code cOffset} of {@code c}: a
     * rank-1 gemm with a ones vector (one BLAS call instead of ND4J's {@code addiColumnVector} op, ~30 us a call).
     */
    static void addRowBias(INDArray c, long cOffset, int rows, int columns, INDArray bias) {
        check(c, cOffset, (long) rows * columns);
        check(bias, 0, rows);
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, rows, columns, 1, 1f, pointer(bias), 1, Scratch.ones(columns), columns, 1f,
                pointer(c).position(cOffset), columns);
    }

    /**
     * The bias gradient of an NCHW output gradient {@code delta} {@code [N, C, H, W]}: {@code into[c] = sum over n,
     * h, w}, as one {@code cblas_sgemv} per image with a ones vector (ND4J's {@code sum(0, 2, 3)} plus the copy into
     * the gradient view cost ~20-40 us per layer in op overhead). Callers check {@link #directFloat}.
     */
    static void channelSums(INDArray delta, INDArray into) {
        int n = Math.toIntExact(delta.size(0));
        int channels = Math.toIntExact(delta.size(1));
        int pixels = Math.toIntExact(delta.size(2) * delta.size(3));
        check(into, 0, channels);
        for (int i = 0; i < n; i++) {
            long at = (long) i * channels * pixels;
            check(delta, at, (long) channels * pixels);
            openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, channels,
                    pixels, 1f, pointer(delta).position(at), pixels, Scratch.ones(pixels), 1, i == 0 ? 0f : 1f,
                    pointer(into), 1);
        }
    }

    /**
     * {@code to = from} as one memory copy when both are contiguous float arrays of the same length on the CPU
     * backend (the GAN copies ~70 parameter arrays between its graphs every step; ND4J's {@code assign} op costs
     * ~10-20 us each in overhead); false (nothing copied) otherwise.
     */
    static boolean copyFloats(INDArray from, INDArray to) {
        if (!directFloat(from, to) || from.length() != to.length()) {
            return false;
        }
        copyFloats(from, 0, to, 0, from.length());
        return true;
    }

    /**
     * {@code length} floats from element {@code fromOffset} of {@code from} to element {@code toOffset} of {@code to},
     * one memory copy; callers check {@link #directFloat} (the bounds are checked here).
     */
    static void copyFloats(INDArray from, long fromOffset, INDArray to, long toOffset, long length) {
        check(from, fromOffset, length);
        check(to, toOffset, length);
        // getPointer: an address i elements on (a position on a Pointer passed as void* is not scaled everywhere)
        org.bytedeco.javacpp.Pointer.memcpy(pointer(to).getPointer(toOffset), pointer(from).getPointer(fromOffset),
                length * Float.BYTES);
    }

    /** {@code x = 0} as one memory write when {@link #directFloat}; false (nothing written) otherwise. */
    static boolean zeroFloats(INDArray x) {
        if (!directFloat(x)) {
            return false;
        }
        org.bytedeco.javacpp.Pointer.memset(pointer(x), 0, x.length() * Float.BYTES);
        return true;
    }

    private static void check(INDArray x, long offset, long length) {
        if (offset < 0 || offset + length > x.length()) {
            throw new IndexOutOfBoundsException("elements [" + offset + ", " + (offset + length) + ") of an array of "
                    + x.length());
        }
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
