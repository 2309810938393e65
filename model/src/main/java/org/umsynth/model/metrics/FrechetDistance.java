package org.umsynth.model.metrics;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpstrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;

/**
 * Frechet distance between two Gaussians fitted to feature sets (FID):
 * {@code |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2))}.
 *
 * <p>{@code Tr((S1 S2)^(1/2)) = sum_i sqrt(lambda_i)} over the eigenvalues of the symmetric PSD
 * matrix {@code sqrt(S1) S2 sqrt(S1)}; no general (non-symmetric, complex) {@code sqrtm}. We obtain
 * exactly those eigenvalues without forming {@code sqrt(S1)}: for any factor {@code S1 = F F^T},
 * {@code F^T S2 F} has the same non-zero eigenvalues as {@code S2 F F^T = S2 S1}, hence as
 * {@code sqrt(S1) S2 sqrt(S1)} (take {@code F = sqrt(S1)} to see it). F comes from LAPACK's
 * pivoted Cholesky for semi-definite matrices ({@code dpstrf}, rank-revealing with its default
 * tolerance {@code d * eps * max(diag)}), so rank-deficient covariances (N < d) need no diagonal
 * offset; {@code F^T S2 F} (r x r, r = rank S1) by two {@code dgemm}; its eigenvalues by
 * {@code dsyevd} without eigenvectors; eigenvalues under {@code r * eps * max|lambda|} count as 0,
 * the rest enter as {@code sqrt}. All float64, OpenBLAS through the JavaCPP preset ND4J ships.
 *
 * <p>Why no eigenvectors: on AVX-512 CPUs the OpenBLAS 0.3.19 bundled with ND4J M2.1 returns wrong
 * eigenvectors from {@code dsyev}/{@code dsyevd} for d >= ~100 (eigenvalues stay right; it is fine
 * with {@code OPENBLAS_CORETYPE=Haswell}). Eigenvalues only, plus a factor checked against S1,
 * avoid that path; the results are verified (factor residual, trace and Frobenius invariants of
 * the spectrum) and a failed check throws instead of returning a wrong FID. ({@code dsyevd_2stage}
 * in the same build returns wrong eigenvalues: not used.)
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    private static final double EPSILON = Math.ulp(1.0);

    /** The distance and its terms. */
    public record Result(double distance, double meanTerm, double traceTerm, double traceSqrtProduct, int rankS1) {}

    public static Result between(FeatureMoments a, FeatureMoments b) {
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("dimensions differ: " + a.dim() + " vs " + b.dim());
        }
        return between(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /** Covariances are full symmetric d x d row-major arrays (not modified). */
    public static Result between(double[] mu1, double[] cov1, double[] mu2, double[] cov2) {
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
        Factor f = semidefiniteFactor(cov1, d);
        double traceSqrt = f.rank == 0 ? 0.0 : traceSqrtOfCongruence(f, cov2, d);
        return new Result(meanTerm + trace - 2 * traceSqrt, meanTerm, trace, traceSqrt, f.rank);
    }

    /** {@code S = F F^T}, F row-major d x rank. */
    record Factor(double[] f, int rank) {}

    static Factor semidefiniteFactor(double[] s, int d) {
        double maxDiag = 0;
        for (int i = 0; i < d; i++) {
            maxDiag = Math.max(maxDiag, s[i * d + i]);
        }
        if (maxDiag <= 0) {
            return new Factor(new double[0], 0);
        }
        double[] a = s.clone();
        int[] piv = new int[d];
        int[] rank = new int[1];
        int info = LAPACKE_dpstrf(LAPACK_ROW_MAJOR, (byte) 'L', d, a, d, piv, rank, -1.0);
        if (info < 0) {
            throw new IllegalStateException("dpstrf: illegal argument " + (-info));
        }
        int r = rank[0];
        // P^T S P = L L^T  =>  S = (P L)(P L)^T; row j of L is row piv[j]-1 of F; columns >= r are not factored
        double[] f = new double[d * r];
        for (int j = 0; j < d; j++) {
            int row = piv[j] - 1;
            for (int k = 0; k <= Math.min(j, r - 1); k++) {
                f[row * r + k] = a[j * d + k];
            }
        }
        // check S x == F (F^T x) for two fixed +-1 probes: O(d^2), catches a broken factor with certainty
        // for all practical purposes, where a full F F^T product would cost as much as the rest
        double worst = 0;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
        double[] x = new double[d];
        double[] ftx = new double[r];
        for (int probe = 0; probe < 2; probe++) {
            for (int i = 0; i < d; i++) {
                x[i] = rnd.nextBoolean() ? 1.0 : -1.0;
            }
            java.util.Arrays.fill(ftx, 0.0);
            for (int i = 0; i < d; i++) {
                for (int k = 0; k < r; k++) {
                    ftx[k] += f[i * r + k] * x[i];
                }
            }
            for (int i = 0; i < d; i++) {
                double sx = 0, ffx = 0;
                for (int j = 0; j < d; j++) {
                    sx += s[i * d + j] * x[j];
                }
                for (int k = 0; k < r; k++) {
                    ffx += f[i * r + k] * ftx[k];
                }
                worst = Math.max(worst, Math.abs(sx - ffx));
            }
        }
        if (!(worst <= 1e-9 * maxDiag * d)) {
            throw new IllegalStateException("covariance factor check failed (residual " + worst + " vs max variance " + maxDiag
                    + "): the BLAS/LAPACK build gives wrong results on this CPU; try OPENBLAS_CORETYPE=Haswell");
        }
        return new Factor(f, r);
    }

    static double traceSqrtOfCongruence(Factor factor, double[] s2, int d) {
        int r = factor.rank;
        double[] t = new double[d * r];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, r, d, 1.0, s2, d, factor.f, r, 0.0, t, r);
        double[] g = new double[r * r];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, r, d, 1.0, factor.f, r, t, r, 0.0, g, r);
        double trace = 0, frob = 0;
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double sym = 0.5 * (g[i * r + j] + g[j * r + i]);
                frob += sym * sym;
            }
            trace += g[i * r + i];
        }
        double[] work = g.clone();
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < i; j++) {
                double sym = 0.5 * (work[i * r + j] + work[j * r + i]);
                work[i * r + j] = sym;
                work[j * r + i] = sym;
            }
        }
        double[] ev = new double[r];
        int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'N', (byte) 'U', r, work, r, ev);
        if (info != 0) {
            throw new IllegalStateException("dsyevd failed: info " + info);
        }
        double sum = 0, sumSq = 0, max = 0;
        for (double v : ev) {
            sum += v;
            sumSq += v * v;
            max = Math.max(max, Math.abs(v));
        }
        double scale = Math.max(Math.abs(trace), Math.sqrt(frob));
        if (Math.abs(sum - trace) > 1e-9 * scale * Math.sqrt(r) || Math.abs(Math.sqrt(sumSq) - Math.sqrt(frob)) > 1e-9 * Math.sqrt(frob) * Math.sqrt(r)) {
            throw new IllegalStateException("eigenvalue invariants violated (trace " + trace + " vs " + sum
                    + "): the LAPACK build gives wrong results on this CPU; try OPENBLAS_CORETYPE=Haswell");
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
