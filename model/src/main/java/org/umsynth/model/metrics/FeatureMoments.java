package org.umsynth.model.metrics;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable first and second moments of a set of d-dimensional feature vectors, in float64:
 * the count {@code n}, {@code sum x} and {@code sum x x^T} (upper triangle, packed row by row, so
 * {@code d (d + 1) / 2} doubles: 16.8 MB at d = 2048). Memory is O(d^2) whatever the number of
 * vectors; two instances over disjoint sets {@link #merge} into the moments of the union, so a
 * Spark {@code treeAggregate} gives the same result as one pass (up to float64 summation order).
 *
 * <p>Vectors may carry a non-negative integer weight (a vector added with weight w counts as w
 * copies): this is how the Poisson bootstrap ({@link PoissonBootstrap}) resamples without storing
 * features. The covariance is the unbiased one ({@code numpy.cov}, pytorch-fid):
 * {@code (sum x x^T - n mu mu^T) / (n - 1)}. The raw-sum form loses precision only when
 * |mean| >> std per dimension, which pooled ReLU features (values O(1), std O(mean)) do not reach.
 */
public final class FeatureMoments implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int dim;
    private long n;
    private final double[] sum;
    private final double[] outer;

    public FeatureMoments(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("dimension must be positive: " + dim);
        }
        this.dim = dim;
        this.sum = new double[dim];
        this.outer = new double[packedSize(dim)];
    }

    public static int packedSize(int dim) {
        long size = (long) dim * (dim + 1) / 2;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("feature dimension too large for packed moments: " + dim);
        }
        return (int) size;
    }

    public int dim() { return dim; }

    public long count() { return n; }

    /** Adds one vector. */
    public FeatureMoments add(double[] x) {
        return add(x, 1);
    }

    /** Adds one vector counted {@code weight} times (0 adds nothing). */
    public FeatureMoments add(double[] x, int weight) {
        if (x.length != dim) {
            throw new IllegalArgumentException("vector of length " + x.length + ", expected " + dim);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("negative weight " + weight);
        }
        if (weight == 0) {
            return this;
        }
        n += weight;
        double[] s = sum;
        double[] o = outer;
        int k = 0;
        for (int i = 0; i < dim; i++) {
            double wxi = weight * x[i];
            s[i] += wxi;
            for (int j = i; j < dim; j++) {
                o[k++] += wxi * x[j];
            }
        }
        return this;
    }

    /** Adds every row of {@code xs}. */
    public FeatureMoments addAll(double[][] xs) {
        for (double[] x : xs) {
            add(x);
        }
        return this;
    }

    /** Adds the moments of a disjoint set into this one; returns {@code this}. */
    public FeatureMoments merge(FeatureMoments other) {
        if (other.dim != dim) {
            throw new IllegalArgumentException("cannot merge moments of dimension " + other.dim + " into " + dim);
        }
        n += other.n;
        for (int i = 0; i < dim; i++) {
            sum[i] += other.sum[i];
        }
        double[] o = outer;
        double[] p = other.outer;
        for (int k = 0; k < o.length; k++) {
            o[k] += p[k];
        }
        return this;
    }

    public FeatureMoments copy() {
        FeatureMoments c = new FeatureMoments(dim);
        c.merge(this);
        return c;
    }

    public double[] mean() {
        requireCount(1);
        double[] mu = new double[dim];
        for (int i = 0; i < dim; i++) {
            mu[i] = sum[i] / n;
        }
        return mu;
    }

    /** Unbiased covariance (divisor n - 1), full symmetric d x d, row-major. */
    public double[] covariance() {
        requireCount(2);
        double[] mu = mean();
        double[] cov = new double[dim * dim];
        double scale = 1.0 / (n - 1);
        int k = 0;
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double c = (outer[k++] - n * mu[i] * mu[j]) * scale;
                cov[i * dim + j] = c;
                cov[j * dim + i] = c;
            }
        }
        return cov;
    }

    /**
     * Per-dimension standard deviations from the unbiased variance (divisor n - 1, {@code torch.std}'s
     * default, consistent with the covariance used by FID); negative rounding residues clamp to 0.
     */
    public double[] standardDeviations() {
        requireCount(2);
        double[] sd = new double[dim];
        int k = 0;
        for (int i = 0; i < dim; i++) {
            double mu = sum[i] / n;
            double var = (outer[k] - n * mu * mu) / (n - 1);
            sd[i] = Math.sqrt(Math.max(0.0, var));
            k += dim - i;
        }
        return sd;
    }

    /** STD of SPEC section 5: mean over feature dimensions of the per-dimension standard deviation. */
    public double meanStandardDeviation() {
        return Arrays.stream(standardDeviations()).average().orElseThrow();
    }

    /** True when the covariance cannot have full rank (n - 1 < d): FID is then biased and unstable. */
    public boolean rankDeficient() {
        return n - 1 < dim;
    }

    private void requireCount(long min) {
        if (n < min) {
            throw new IllegalStateException("need at least " + min + " vectors, have " + n);
        }
    }
}
