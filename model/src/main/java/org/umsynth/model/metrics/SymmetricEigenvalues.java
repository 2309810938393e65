package org.umsynth.model.metrics;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgeqrf_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlacpy_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlarft_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlaset_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsbtrd;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsterf;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyr2k;

import org.bytedeco.javacpp.DoublePointer;

/**
 * Eigenvalues (no vectors) of a real symmetric matrix in two stages, the successive band reduction
 * (SBR) of Bischof, Lang and Sun, as in LAPACK's {@code dsytrd_sy2sb}:
 * <ol>
 *   <li>full -> band of half-bandwidth b by orthogonal similarities built from BLAS-3 only: for each
 *       panel of b columns, a QR factorisation of the part below the band ({@code dgeqrf}), its block
 *       reflector {@code Q = I - V T V^T} ({@code dlarft}), and the two-sided update of the trailing
 *       matrix {@code Q^T A Q = A - V W^T - W V^T} with {@code X = A V T},
 *       {@code W = X - V (T^T V^T X) / 2} ({@code dgemm} on blocks of the lower triangle, {@code dsyr2k});
 *       about {@code 4/3 n^3} flops, all in matrix-matrix products;</li>
 *   <li>band -> tridiagonal ({@code dsbtrd}, Givens rotations, O(n^2 b)) and the tridiagonal
 *       eigenvalues ({@code dsterf}, O(n^2)).</li>
 * </ol>
 * Why not LAPACK's one-stage {@code dsytrd} (inside {@code dsyevd}): half of its flops are
 * matrix-vector products ({@code dsymv}) bound by memory bandwidth, ~1.3 s at n = 2048 on one core.
 * LAPACKE's {@code _work} entry points throughout: the plain ones scan whole arguments for NaN, including
 * the triangle that is not referenced (uninitialised or stale memory here).
 * Why not LAPACK's own two-stage driver: {@code dsyevd_2stage} of the bundled OpenBLAS 0.3.19 returns
 * wrong eigenvalues on AVX-512 CPUs. Callers check the spectrum (trace and Frobenius invariants).
 */
final class SymmetricEigenvalues {
    private SymmetricEigenvalues() {}

    /** Half-bandwidth of the intermediate band matrix: 32-48 measured best at n = 2048 (bench/metrics README). */
    static final int DEFAULT_BANDWIDTH = 48;

    /**
     * Eigenvalues, ascending, of the n x n symmetric matrix whose lower triangle is stored column-major
     * at {@code a} (its current position) with leading dimension {@code lda >= n}. The lower triangle is
     * destroyed (the upper one is neither read nor written). {@code stageNanos}, if not null, receives
     * the time of stage 1 and stage 2.
     */
    static double[] ofLower(DoublePointer a, int n, int lda, int bandwidth, long[] stageNanos) {
        if (n < 0 || lda < Math.max(1, n) || bandwidth < 1) {
            throw new IllegalArgumentException("n " + n + ", lda " + lda + ", bandwidth " + bandwidth);
        }
        if (n == 0) {
            return new double[0];
        }
        int kd = Math.min(bandwidth, n - 1);
        long t0 = System.nanoTime();
        reduceToBand(a, n, lda, kd);
        long t1 = System.nanoTime();
        double[] ev = bandEigenvalues(a, n, lda, kd);
        long t2 = System.nanoTime();
        if (stageNanos != null) {
            stageNanos[0] = t1 - t0;
            stageNanos[1] = t2 - t1;
        }
        return ev;
    }

    /**
     * Stage 1: after it, the entries of the lower triangle within {@code kd} of the diagonal hold a
     * symmetric band matrix orthogonally similar to the input; the entries further below hold the
     * Householder vectors (not part of the result).
     */
    static void reduceToBand(DoublePointer a, int n, int lda, int kd) {
        if (kd < 1 || kd + 1 >= n) {
            return; // already a band (or diagonal) matrix
        }
        long base = a.position();
        int maxRows = n - kd;
        try (DoublePointer v = new DoublePointer((long) maxRows * kd);
             DoublePointer vt = new DoublePointer((long) maxRows * kd);
             DoublePointer x = new DoublePointer((long) maxRows * kd);
             DoublePointer t = new DoublePointer((long) kd * kd);
             DoublePointer m = new DoublePointer((long) kd * kd);
             DoublePointer tm = new DoublePointer((long) kd * kd);
             DoublePointer tau = new DoublePointer(kd);
             DoublePointer qrWork = new DoublePointer((long) QR_WORK_PER_COLUMN * kd);
             DoublePointer block = new DoublePointer((long) SYMMETRIC_BLOCK * SYMMETRIC_BLOCK)) {
            // panel: columns k..k+kd-1, rows k+kd..n-1 (all of it lies outside the band)
            for (int k = 0; k + kd + 1 < n; k += kd) {
                int top = k + kd;
                int rows = n - top;
                int reflectors = Math.min(rows, kd);
                DoublePointer panel = at(a, base, top, k, lda);
                check("dgeqrf", LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, rows, kd, panel, lda, tau, qrWork, QR_WORK_PER_COLUMN * kd));
                // V: unit lower trapezoidal rows x reflectors, explicit zeros and ones above
                check("dlacpy", LAPACKE_dlacpy_work(LAPACK_COL_MAJOR, (byte) 'L', rows, reflectors, panel, lda, v, rows));
                check("dlaset", LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'U', reflectors, reflectors, 0.0, 1.0, v, rows));
                // T upper triangular with explicit zeros below, so that dgemm can apply it
                check("dlaset", LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'A', reflectors, reflectors, 0.0, 0.0, t, kd));
                check("dlarft", LAPACKE_dlarft_work(LAPACK_COL_MAJOR, (byte) 'F', (byte) 'C', rows, reflectors, v, rows, tau, t, kd));
                DoublePointer trailing = at(a, base, top, top, lda);
                // X = A22 (V T)
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, reflectors, reflectors, 1.0, v, rows, t, kd, 0.0, vt, rows);
                symmetricTimes(trailing, lda, rows, vt, x, reflectors, block);
                // W = X - 1/2 V (T^T (V^T X))
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, reflectors, reflectors, rows, 1.0, v, rows, x, rows, 0.0, m, kd);
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, reflectors, reflectors, reflectors, 1.0, t, kd, m, kd, 0.0, tm, kd);
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, reflectors, reflectors, -0.5, v, rows, tm, kd, 1.0, x, rows);
                // A22 = Q^T A22 Q = A22 - V W^T - W V^T
                cblas_dsyr2k(CblasColMajor, CblasLower, CblasNoTrans, rows, reflectors, -1.0, v, rows, x, rows, 1.0, trailing, lda);
            }
        }
    }

    /** dgeqrf workspace per panel column: its block size (32) at least. */
    private static final int QR_WORK_PER_COLUMN = 64;

    /** Block size of {@link #symmetricTimes}. */
    private static final int SYMMETRIC_BLOCK = 256;

    /**
     * {@code C = S B} for S symmetric (n x n, lower triangle at {@code s}), B and C n x k, by
     * {@code dgemm} on the blocks of the lower triangle. Not {@code dsymm}: it (and {@code dtrmm})
     * compute wrong products in the bundled OpenBLAS 0.3.19 on AVX-512 CPUs, at every size tried.
     */
    static void symmetricTimes(DoublePointer s, int lds, int n, DoublePointer b, DoublePointer c, int k, DoublePointer block) {
        long sBase = s.position(), bBase = b.position(), cBase = c.position();
        for (int j = 0; j < n; j += SYMMETRIC_BLOCK) {
            int w = Math.min(SYMMETRIC_BLOCK, n - j);
            int below = n - j - w;
            DoublePointer bj = new DoublePointer(b).position(bBase + j);
            DoublePointer cj = new DoublePointer(c).position(cBase + j);
            // diagonal block, made full: lower part into the buffer, mirrored by a second product
            check("dlaset", LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'U', w, w, 0.0, 0.0, block, w));
            check("dlacpy", LAPACKE_dlacpy_work(LAPACK_COL_MAJOR, (byte) 'L', w, w, new DoublePointer(s).position(sBase + (long) j * lds + j), lds, block, w));
            // C_j = L_jj B_j (overwrites C_j), then + (L_jj - diag)^T B_j
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, w, k, w, 1.0, block, w, bj, n, 0.0, cj, n);
            check("dlaset", LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'U', w, w, 0.0, 0.0, block, w));
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, w, k, w, 1.0, block, w, bj, n, 1.0, cj, n);
            if (below > 0) {
                DoublePointer sBelow = new DoublePointer(s).position(sBase + (long) j * lds + j + w);
                DoublePointer bBelow = new DoublePointer(b).position(bBase + j + w);
                // C_j += S(below, j)^T B(below)
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, w, k, below, 1.0, sBelow, lds, bBelow, n, 1.0, cj, n);
            }
        }
        // C(below j) += S(below, j) B_j: second pass, so that each C row block is first written by its diagonal block
        for (int j = 0; j < n; j += SYMMETRIC_BLOCK) {
            int w = Math.min(SYMMETRIC_BLOCK, n - j);
            int below = n - j - w;
            if (below > 0) {
                DoublePointer sBelow = new DoublePointer(s).position(sBase + (long) j * lds + j + w);
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, below, k, w, 1.0, sBelow, lds,
                        new DoublePointer(b).position(bBase + j), n, 1.0, new DoublePointer(c).position(cBase + j + w), n);
            }
        }
    }

    /** Stage 2: the band's lower storage (LAPACK's {@code AB}), tridiagonal reduction, eigenvalues. */
    static double[] bandEigenvalues(DoublePointer a, int n, int lda, int kd) {
        int ldab = kd + 1;
        double[] ab = new double[ldab * n];
        DoublePointer column = new DoublePointer(a);
        long base = a.position();
        for (int j = 0; j < n; j++) {
            column.position(base + (long) j * lda + j).get(ab, j * ldab, Math.min(ldab, n - j));
        }
        double[] diag = new double[n];
        double[] off = new double[Math.max(1, n - 1)];
        double[] unusedQ = new double[1];
        check("dsbtrd", LAPACKE_dsbtrd(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'L', n, kd, ab, ldab, diag, off, unusedQ, 1));
        check("dsterf", LAPACKE_dsterf(n, diag, off));
        return diag;
    }

    private static DoublePointer at(DoublePointer a, long base, int row, int col, int lda) {
        return new DoublePointer(a).position(base + (long) col * lda + row);
    }

    private static void check(String routine, int info) {
        if (info != 0) {
            throw new IllegalStateException(routine + " failed: info " + info);
        }
    }
}
