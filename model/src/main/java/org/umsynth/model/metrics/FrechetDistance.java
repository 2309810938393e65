package org.umsynth.model.metrics;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlacpy_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dlaset_work;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpstrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;

import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frechet distance between two Gaussians fitted to feature sets (FID):
 * {@code |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2))}.
 *
 * <p>{@code Tr((S1 S2)^(1/2)) = sum_i sqrt(lambda_i)} over the eigenvalues of the symmetric PSD
 * matrix {@code sqrt(S1) S2 sqrt(S1)}; no general (non-symmetric, complex) {@code sqrtm}. We obtain
 * exactly those eigenvalues without forming {@code sqrt(S1)}: for any factor {@code S1 = F F^T},
 * {@code F^T S2 F} has the same non-zero eigenvalues as {@code S2 F F^T = S2 S1}, hence as
 * {@code sqrt(S1) S2 sqrt(S1)} (take {@code F = sqrt(S1)} to see it). F = P L comes from a blocked
 * unpivoted Cholesky of our own (P = I) when all its pivots stay above {@code d * eps * max(diag)},
 * otherwise from LAPACK's pivoted Cholesky for semi-definite matrices ({@code dpstrf}, rank-revealing
 * with that default tolerance), so rank-deficient covariances (N <= d) need no diagonal offset.
 * {@code G = F^T S2 F = L^T (P^T S2 P) L} (r x r, r = rank S1) by {@code dgemm} on blocks
 * that skip L's zero triangle, lower half of G only ({@code 4/3 d^3} flops instead of {@code 4 d^3});
 * its eigenvalues without eigenvectors by {@link SymmetricEigenvalues} (band reduction with BLAS-3,
 * then {@code dsbtrd} and {@code dsterf}; ~3x faster than {@code dsyevd} at d = 2048);
 * eigenvalues under {@code r * eps * max|lambda|} count as 0, the rest enter as {@code sqrt}. All
 * float64, OpenBLAS through the JavaCPP preset ND4J ships.
 *
 * <p>Guards: the bundled OpenBLAS 0.3.19 computes wrong results in {@code dsymm}, {@code dtrmm} and
 * {@code dpotrf} on AVX-512 CPUs (hence wrong eigenvectors from {@code dsyev}/{@code dsyevd} for
 * d >= ~100 and wrong eigenvalues from {@code dsyevd_2stage}; all fine with
 * {@code OPENBLAS_CORETYPE=Haswell}; {@code BlasKernelCheckMain} in the tests shows it); we use none
 * of them (only {@code dgemm}, {@code dsyrk}, {@code dsyr2k} and LAPACK's unblocked code), and verify what we use: the factor and G against a Gaussian probe (O(d^2), in Java), the
 * spectrum against G's trace and Frobenius norm. If the spectrum check fails, G is recomputed and its
 * eigenvalues by LAPACK's one-stage {@code dsyevd} (the previous method) and checked again; a second
 * failure throws instead of returning a wrong FID.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    private static final Logger LOG = LoggerFactory.getLogger(FrechetDistance.class);
    private static final double EPSILON = Math.ulp(1.0);

    /** The distance and its terms. */
    public record Result(double distance, double meanTerm, double traceTerm, double traceSqrtProduct, int rankS1) {}

    public static Result between(FeatureMoments a, FeatureMoments b) {
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("dimensions differ: " + a.dim() + " vs " + b.dim());
        }
        // N <= d samples: S1 is singular, so skip the unpivoted Cholesky attempt
        return between(a.mean(), a.covariance(), b.mean(), b.covariance(), SymmetricEigenvalues.DEFAULT_BANDWIDTH,
                !a.rankDeficient(), null);
    }

    /** Covariances are full symmetric d x d arrays (not modified; row- or column-major alike). */
    public static Result between(double[] mu1, double[] cov1, double[] mu2, double[] cov2) {
        return between(mu1, cov1, mu2, cov2, SymmetricEigenvalues.DEFAULT_BANDWIDTH, null);
    }

    /**
     * As {@link #between(double[], double[], double[], double[])}; {@code bandwidth} of the band
     * reduction, 0 for LAPACK's one-stage {@code dsyevd}; {@code stageNanos} (length 4, may be null)
     * receives the time of the factor, of G, and of the two eigenvalue stages (bench/metrics).
     */
    static Result between(double[] mu1, double[] cov1, double[] mu2, double[] cov2, int bandwidth, long[] stageNanos) {
        return between(mu1, cov1, mu2, cov2, bandwidth, true, stageNanos);
    }

    private static Result between(double[] mu1, double[] cov1, double[] mu2, double[] cov2, int bandwidth, boolean tryUnpivoted,
            long[] stageNanos) {
        int d = mu1.length;
        if (mu2.length != d || cov1.length != d * d || cov2.length != d * d) {
            throw new IllegalArgumentException("inconsistent shapes for dimension " + d);
        }
        double meanTerm = 0;
        for (int i = 0; i < d; i++) {
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
        }
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += cov1[i * d + i] + cov2[i * d + i];
        }
        long[] nanos = stageNanos != null ? stageNanos : new long[4];
        long t0 = System.nanoTime();
        try (Factor f = semidefiniteFactor(cov1, d, tryUnpivoted)) {
            nanos[0] = System.nanoTime() - t0;
            double traceSqrt = f.rank == 0 ? 0.0 : traceSqrtOfCongruence(f, cov2, bandwidth, nanos);
            return new Result(meanTerm + trace - 2 * traceSqrt, meanTerm, trace, traceSqrt, f.rank);
        }
    }

    /**
     * {@code S = F F^T} with {@code F = P L}: {@code lower} column-major d x d in native memory, lower
     * triangular, zero above the diagonal and in columns >= rank; row j of L is row {@code pivot[j]} of F.
     */
    record Factor(DoublePointer lower, int[] pivot, int rank, int dim) implements AutoCloseable {
        DoubleBuffer view() {
            return lower.asBuffer();
        }

        @Override
        public void close() {
            lower.close();
        }
    }

    static Factor semidefiniteFactor(double[] s, int d) {
        return semidefiniteFactor(s, d, true);
    }

    /**
     * {@code tryUnpivoted}: first the blocked unpivoted Cholesky ({@link #unpivotedCholesky}, ~2.5x
     * faster than {@code dpstrf} at d = 2048), and {@code dpstrf} only if a pivot reaches its tolerance.
     */
    static Factor semidefiniteFactor(double[] s, int d, boolean tryUnpivoted) {
        double maxDiag = 0;
        for (int i = 0; i < d; i++) {
            maxDiag = Math.max(maxDiag, s[i * d + i]);
        }
        if (maxDiag <= 0) {
            return new Factor(new DoublePointer(1), new int[0], 0, d);
        }
        // symmetric: the same matrix column-major, so no LAPACKE transposition
        Factor factor;
        DoublePointer a = new DoublePointer(s);
        if (tryUnpivoted && unpivotedCholesky(a, d, d * EPSILON * maxDiag)) {
            int[] identity = new int[d];
            Arrays.setAll(identity, i -> i);
            factor = new Factor(a, identity, d, d);
        } else try (IntPointer pivots = new IntPointer(d); IntPointer rank = new IntPointer(1)) {
            if (tryUnpivoted) {
                a.put(s);
            }
            int info = LAPACKE_dpstrf(LAPACK_COL_MAJOR, (byte) 'L', d, a, d, pivots, rank, -1.0);
            if (info < 0) {
                a.close();
                throw new IllegalStateException("dpstrf: illegal argument " + (-info));
            }
            int[] piv = new int[d];
            pivots.get(piv);
            for (int j = 0; j < d; j++) {
                piv[j]--;
            }
            factor = new Factor(a, piv, rank.get(), d);
        }
        int r = factor.rank;
        // P^T S P = L L^T; the upper triangle and the columns >= r (the unfactored trailing block) are zeroed
        if (d > 1) {
            LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'U', d - 1, d - 1, 0.0, 0.0, new DoublePointer(a).position(d), d);
        }
        if (r < d) {
            LAPACKE_dlaset_work(LAPACK_COL_MAJOR, (byte) 'A', d, d - r, 0.0, 0.0, new DoublePointer(a).position((long) r * d), d);
        }
        // S x == F (F^T x) for a Gaussian probe x: O(d^2), in Java; a wrong factor passes with probability 0,
        // where a full F F^T product would cost as much as the rest
        SplittableRandom rnd = new SplittableRandom(17);
        double[] x = new double[d];
        for (int i = 0; i < d; i++) {
            x[i] = rnd.nextGaussian();
        }
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            y[i] = x[factor.pivot[i]];
        }
        DoubleBuffer l = factor.view();
        double[] lly = lowerTimes(l, d, r, lowerTransposeTimes(l, d, r, y));
        double worst = 0;
        for (int j = 0; j < d; j++) {
            double sx = 0;
            int row = factor.pivot[j] * d;
            for (int i = 0; i < d; i++) {
                sx += s[row + i] * x[i];
            }
            worst = Math.max(worst, Math.abs(sx - lly[j]));
        }
        if (!(worst <= 1e-9 * maxDiag * d)) {
            factor.close();
            throw new IllegalStateException("covariance factor check failed (residual " + worst + " vs max variance " + maxDiag
                    + "): the BLAS/LAPACK build gives wrong results on this CPU; try OPENBLAS_CORETYPE=Haswell");
        }
        return factor;
    }

    /** Panel width of {@link #unpivotedCholesky}. */
    private static final int CHOLESKY_BLOCK = 128;

    /**
     * Right-looking blocked Cholesky {@code S = L L^T} in place (lower triangle, column-major, native
     * memory) from {@code dgemm} and {@code dsyrk} only: the bundled OpenBLAS's {@code dpotrf} is wrong on
     * AVX-512 too (its triangular kernels). Diagonal blocks are factored and inverted in Java (O(d nb^2)),
     * the panel is {@code L21 = A21 L11^-T} by dgemm with that inverse, the trailing update a dsyrk.
     * Returns false, leaving {@code a} in an undefined state, when a pivot is at or below
     * {@code tolerance} (semi-definite or nearly so): the caller then needs the rank-revealing dpstrf,
     * whose default tolerance is the same {@code d * eps * max(diag)}.
     */
    static boolean unpivotedCholesky(DoublePointer a, int d, double tolerance) {
        int nb = Math.min(CHOLESKY_BLOCK, d);
        double[] block = new double[nb * nb];
        double[] inverse = new double[nb * nb];
        try (DoublePointer inv = new DoublePointer((long) nb * nb);
             DoublePointer panel = new DoublePointer((long) Math.max(1, d - nb) * nb)) {
            DoublePointer column = new DoublePointer(a);
            long base = a.position();
            for (int j0 = 0; j0 < d; j0 += nb) {
                int w = Math.min(nb, d - j0);
                int below = d - j0 - w;
                for (int c = 0; c < w; c++) { // rows c..w-1 of the block's column c
                    column.position(base + (long) (j0 + c) * d + j0 + c).get(block, c * w + c, w - c);
                }
                for (int j = 0; j < w; j++) { // right-looking: contiguous column updates
                    double pivot = block[j * w + j];
                    if (!(pivot > tolerance)) {
                        return false;
                    }
                    double ljj = Math.sqrt(pivot);
                    int cj = j * w;
                    block[cj + j] = ljj;
                    for (int i = j + 1; i < w; i++) {
                        block[cj + i] /= ljj;
                    }
                    for (int k = j + 1; k < w; k++) {
                        double lkj = block[cj + k];
                        int ck = k * w;
                        for (int i = k; i < w; i++) {
                            block[ck + i] -= block[cj + i] * lkj;
                        }
                    }
                }
                for (int c = 0; c < w; c++) {
                    column.position(base + (long) (j0 + c) * d + j0 + c).put(block, c * w + c, w - c);
                }
                if (below == 0) {
                    break;
                }
                // inverse of the lower triangular block, column by column (L x = e_j)
                Arrays.fill(inverse, 0, w * w, 0.0);
                for (int j = 0; j < w; j++) {
                    int cj = j * w;
                    inverse[cj + j] = 1.0;
                    for (int k = j; k < w; k++) {
                        double xk = inverse[cj + k] / block[k * w + k];
                        inverse[cj + k] = xk;
                        int ck = k * w;
                        for (int i = k + 1; i < w; i++) {
                            inverse[cj + i] -= block[ck + i] * xk;
                        }
                    }
                }
                inv.position(0).put(inverse, 0, w * w);
                DoublePointer a21 = offset(a, (long) j0 * d + j0 + w);
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, below, w, w, 1.0, a21, d, inv, w, 0.0, panel, below);
                LAPACKE_dlacpy_work(LAPACK_COL_MAJOR, (byte) 'A', below, w, panel, below, a21, d);
                cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, below, w, -1.0, panel, below, 1.0,
                        offset(a, (long) (j0 + w) * d + j0 + w), d);
            }
        }
        return true;
    }

    /** {@code L^T y} for the first r columns of the column-major lower triangular L (length r). */
    private static double[] lowerTransposeTimes(DoubleBuffer l, int d, int r, double[] y) {
        double[] z = new double[r];
        for (int k = 0; k < r; k++) {
            double acc = 0;
            int col = k * d;
            for (int i = k; i < d; i++) {
                acc += l.get(col + i) * y[i];
            }
            z[k] = acc;
        }
        return z;
    }

    /** {@code L z} for the first r columns of the column-major lower triangular L (length d). */
    private static double[] lowerTimes(DoubleBuffer l, int d, int r, double[] z) {
        double[] out = new double[d];
        for (int k = 0; k < r; k++) {
            double zk = z[k];
            int col = k * d;
            for (int i = k; i < d; i++) {
                out[i] += l.get(col + i) * zk;
            }
        }
        return out;
    }

    /** Block size of the triangular products in {@link #congruence}. */
    private static final int BLOCK = 256;

    /**
     * Lower triangle (and diagonal blocks) of {@code G = L^T S L}, r x r column-major at {@code g}, for
     * L d x d lower triangular with zero columns >= r, S symmetric d x d; {@code t} holds d x r. By
     * dgemm only (dsymm/dtrmm are wrong in the bundled OpenBLAS on AVX-512), skipping L's zeros:
     * {@code T(:, J) = S(:, J0:) L(J0:, J)}, then {@code G(I, :I1) = L(I0:, I)^T T(I0:, :I1)}.
     */
    static void congruence(DoublePointer lower, DoublePointer s, int d, int r, DoublePointer t, DoublePointer g) {
        for (int j0 = 0; j0 < r; j0 += BLOCK) {
            int w = Math.min(BLOCK, r - j0);
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, w, d - j0, 1.0,
                    offset(s, (long) j0 * d), d, offset(lower, (long) j0 * d + j0), d, 0.0, offset(t, (long) j0 * d), d);
        }
        for (int i0 = 0; i0 < r; i0 += BLOCK) {
            int w = Math.min(BLOCK, r - i0);
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, w, i0 + w, d - i0, 1.0,
                    offset(lower, (long) i0 * d + i0), d, offset(t, i0), d, 0.0, offset(g, i0), r);
        }
    }

    private static DoublePointer offset(DoublePointer p, long elements) {
        return new DoublePointer(p).position(p.position() + elements);
    }

    static double traceSqrtOfCongruence(Factor factor, double[] s2, int bandwidth, long[] nanos) {
        int d = factor.dim;
        int r = factor.rank;
        int[] piv = factor.pivot;
        long t0 = System.nanoTime();
        try (DoublePointer sp = new DoublePointer((long) d * d);
             DoublePointer tp = new DoublePointer((long) d * r);
             DoublePointer gp = new DoublePointer((long) r * r)) {
            // S = P^T S2 P, column-major: S(i, j) = S2(piv[i], piv[j]), gathered straight into native memory
            DoubleBuffer permuted = sp.asBuffer();
            boolean identity = true;
            for (int i = 0; i < d && identity; i++) {
                identity = piv[i] == i;
            }
            if (identity) {
                sp.put(s2); // symmetric: the same matrix column-major
            } else for (int j = 0; j < d; j++) {
                int row = piv[j] * d;
                int col = j * d;
                for (int i = 0; i < d; i++) {
                    permuted.put(col + i, s2[row + piv[i]]);
                }
            }
            congruence(factor.lower, sp, d, r, tp, gp);
            nanos[1] = System.nanoTime() - t0;
            // only G's lower triangle is valid (what the band reduction and dsyevd 'L' read)
            DoubleBuffer g = gp.asBuffer();
            double traceG = 0, frob = 0, maxDiag = 0;
            for (int j = 0; j < r; j++) {
                double gjj = g.get(j * r + j);
                traceG += gjj;
                frob += gjj * gjj;
                maxDiag = Math.max(maxDiag, Math.abs(gjj));
                for (int i = j + 1; i < r; i++) {
                    double v = g.get(j * r + i);
                    frob += 2 * v * v;
                }
            }
            checkCongruence(g, factor, permuted, maxDiag);
            double[] ev;
            if (bandwidth > 0) {
                long[] stages = new long[2];
                ev = SymmetricEigenvalues.ofLower(gp, r, r, bandwidth, stages);
                nanos[2] = stages[0];
                nanos[3] = stages[1];
                String violation = spectrumViolation(ev, traceG, frob);
                if (violation != null) {
                    LOG.warn("band-reduction eigenvalues fail the invariant check ({}); falling back to dsyevd", violation);
                    congruence(factor.lower, sp, d, r, tp, gp); // the band reduction overwrote G
                    ev = oneStageEigenvalues(lowerTriangle(gp, r), r);
                }
            } else {
                long t2 = System.nanoTime();
                ev = oneStageEigenvalues(lowerTriangle(gp, r), r);
                nanos[2] = System.nanoTime() - t2;
                nanos[3] = 0;
            }
            String violation = spectrumViolation(ev, traceG, frob);
            if (violation != null) {
                throw new IllegalStateException("eigenvalue invariants violated (" + violation
                        + "): the LAPACK build gives wrong results on this CPU; try OPENBLAS_CORETYPE=Haswell");
            }
            double max = 0;
            for (double v : ev) {
                max = Math.max(max, Math.abs(v));
            }
            // Eigenvalues below the rounding level are zeros of a rank-deficient product; their square
            // roots would otherwise add sqrt(eps * |M|) of noise each.
            double floor = max * r * EPSILON;
            double traceSqrt = 0;
            for (double v : ev) {
                traceSqrt += v > floor ? Math.sqrt(v) : 0.0;
            }
            return traceSqrt;
        }
    }

    /** Column-major r x r copy of the lower triangle at {@code p}, zero above the diagonal. */
    private static double[] lowerTriangle(DoublePointer p, int r) {
        double[] out = new double[r * r];
        p.get(out);
        for (int j = 1; j < r; j++) {
            Arrays.fill(out, j * r, j * r + j, 0.0);
        }
        return out;
    }

    /** G x == L^T (S (L x)) for a Gaussian probe x, in Java: O(d^2); g holds G's lower triangle. */
    private static void checkCongruence(DoubleBuffer g, Factor factor, DoubleBuffer s, double maxDiag) {
        int r = factor.rank;
        int d = factor.dim;
        SplittableRandom rnd = new SplittableRandom(29);
        double[] x = new double[r];
        for (int i = 0; i < r; i++) {
            x[i] = rnd.nextGaussian();
        }
        DoubleBuffer l = factor.view();
        double[] lx = lowerTimes(l, d, r, x);
        double[] slx = new double[d];
        for (int j = 0; j < d; j++) { // S symmetric: column j dotted with Lx
            double acc = 0;
            int col = j * d;
            for (int i = 0; i < d; i++) {
                acc += s.get(col + i) * lx[i];
            }
            slx[j] = acc;
        }
        double[] expected = lowerTransposeTimes(l, d, r, slx);
        double[] gx = new double[r];
        for (int j = 0; j < r; j++) { // symmetric product from the lower triangle, column by column
            double xj = x[j], acc = g.get(j * r + j) * xj;
            for (int i = j + 1; i < r; i++) {
                double v = g.get(j * r + i);
                gx[i] += v * xj;
                acc += v * x[i];
            }
            gx[j] += acc;
        }
        double worst = 0;
        for (int j = 0; j < r; j++) {
            worst = Math.max(worst, Math.abs(gx[j] - expected[j]));
        }
        if (!(worst <= 1e-9 * maxDiag * r)) {
            throw new IllegalStateException("F^T S2 F check failed (residual " + worst + " vs max diagonal " + maxDiag
                    + "): the BLAS build gives wrong results on this CPU; try OPENBLAS_CORETYPE=Haswell");
        }
    }

    /**
     * LAPACK's one-stage {@code dsyevd} without eigenvectors (the method before the band reduction) on
     * the lower triangle of the column-major r x r {@code lower} (not modified).
     */
    static double[] oneStageEigenvalues(double[] lower, int r) {
        double[] work = lower.clone();
        double[] ev = new double[r];
        int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'L', r, work, r, ev);
        if (info != 0) {
            throw new IllegalStateException("dsyevd failed: info " + info);
        }
        return ev;
    }

    /** Null if sum and sum of squares of the eigenvalues match the trace and squared Frobenius norm. */
    static String spectrumViolation(double[] ev, double trace, double frobSquared) {
        double sum = 0, sumSq = 0;
        for (double v : ev) {
            if (!Double.isFinite(v)) {
                return "non-finite eigenvalue " + v;
            }
            sum += v;
            sumSq += v * v;
        }
        double frob = Math.sqrt(frobSquared);
        double rootR = Math.sqrt(ev.length);
        double scale = Math.max(Math.abs(trace), frob);
        if (Math.abs(sum - trace) > 1e-9 * scale * rootR || Math.abs(Math.sqrt(sumSq) - frob) > 1e-9 * frob * rootR) {
            return "trace " + trace + " vs sum " + sum + ", Frobenius " + frob + " vs " + Math.sqrt(sumSq);
        }
        return null;
    }
}
