package org.umsynth.model.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Frechet distance between two Gaussians fitted to feature sets (FID):
 * {@code |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2))}.
 *
 * <p>{@code Tr((S1 S2)^(1/2))} is computed without a general matrix square root: {@code S1 S2} is
 * similar to the symmetric PSD matrix {@code M = sqrt(S1) S2 sqrt(S1)}, so the trace is
 * {@code sum_i sqrt(max(lambda_i(M), 0))}. {@code sqrt(S1)} comes from the symmetric eigendecomposition
 * of S1 (eigenvalues clamped at 0, so rank-deficient covariances are fine), M from two matrix
 * products; only M's eigenvalues are needed; those under {@code d * eps * max|lambda|} count as 0
 * (otherwise the exact zeros of a rank-deficient M add {@code sqrt(rounding noise)} each). All in float64 through ND4J's LAPACK ({@code dsyev})
 * and BLAS ({@code dgemm}); measured at d = 2048 in bench/metrics/README.md. Unlike
 * {@code scipy.linalg.sqrtm} this never yields complex parts, and no diagonal offset is added.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    private static final double EPSILON = Math.ulp(1.0);

    /** The distance and its two terms. */
    public record Result(double distance, double meanTerm, double traceTerm, double traceSqrtProduct) {}

    public static Result between(FeatureMoments a, FeatureMoments b) {
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("dimensions differ: " + a.dim() + " vs " + b.dim());
        }
        return between(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /** Covariances are full symmetric d x d row-major arrays. */
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
        double traceSqrt = traceSqrtProduct(cov1, cov2, d);
        double distance = meanTerm + trace - 2 * traceSqrt;
        return new Result(distance, meanTerm, trace, traceSqrt);
    }

    /** {@code Tr((S1 S2)^(1/2))} from the eigenvalues of {@code sqrt(S1) S2 sqrt(S1)}. */
    static double traceSqrtProduct(double[] cov1, double[] cov2, int d) {
        INDArray sqrtS1 = symmetricSqrt(cov1, d);
        INDArray s2 = Nd4j.create(cov2, new long[]{d, d}, DataType.DOUBLE);
        INDArray m = sqrtS1.mmul(s2).mmul(sqrtS1);
        // symmetrise: the products leave ~1e-16 relative asymmetry, and dsyev reads one triangle only
        // (not in place: m.addi(m.transpose()) would read the view it is writing)
        INDArray symmetric = m.add(m.transpose()).muli(0.5).dup('f');
        INDArray lambda = Eigen.symmetricGeneralizedEigenvalues(symmetric, false);
        double[] ev = lambda.toDoubleVector();
        // Eigenvalues below the rounding level of M are zeros of a rank-deficient product; their
        // square roots would add sqrt(eps * |M|) noise each (LAPACK's own rank tolerance, d * eps * max).
        double max = 0;
        for (double v : ev) {
            max = Math.max(max, Math.abs(v));
        }
        double floor = max * ev.length * EPSILON;
        double sum = 0;
        for (double v : ev) {
            sum += v > floor ? Math.sqrt(v) : 0.0;
        }
        return sum;
    }

    /** Principal square root of a symmetric PSD matrix (negative eigenvalues from rounding clamp to 0). */
    static INDArray symmetricSqrt(double[] cov, int d) {
        INDArray a = Nd4j.create(cov, new long[]{d, d}, DataType.DOUBLE).dup('f');
        INDArray lambda = Eigen.symmetricGeneralizedEigenvalues(a, true); // a now holds the eigenvectors
        INDArray v = a;
        double[] ev = lambda.toDoubleVector();
        double[] root = new double[ev.length];
        for (int i = 0; i < ev.length; i++) {
            root[i] = Math.sqrt(Math.max(0.0, ev[i]));
        }
        INDArray scaled = v.mulRowVector(Nd4j.createFromArray(root));
        return scaled.mmul(v.transpose());
    }
}
