package org.umsynth.model.metrics;

/**
 * Aggregates of the extractor x resolution matrices of MM-FID / MM-STD (SPEC section 5).
 *
 * <p>{@link #reference}: the MedSynAnalyzer aggregation of one matrix F (rows: extractors, columns:
 * resolutions): each row divided by its L2 norm, then MM = mean of all entries, reported with the
 * population std (ddof 0) of the entries. This removes each extractor's absolute level, so MM of a
 * single set says little on its own.
 *
 * <p>{@link #joint}: for K sets compared in one run, each cell is divided by the L2 norm of that
 * cell across the sets, {@code G_k[e][r] = F_k[e][r] / sqrt(sum_j F_j[e][r]^2)} (a cell that is 0 for
 * every set stays 0); MM_k = mean over cells of G_k, with the population std over cells. Values lie
 * in [0, 1] (FID and STD are non-negative), and sets compare cell by cell on a common scale.
 */
public final class MultiScaleAggregation {
    private MultiScaleAggregation() {}

    public record Aggregate(double mean, double std) {}

    public static Aggregate reference(double[][] matrix) {
        double[][] normalised = new double[matrix.length][];
        for (int e = 0; e < matrix.length; e++) {
            double norm = 0;
            for (double v : matrix[e]) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            normalised[e] = new double[matrix[e].length];
            for (int r = 0; r < matrix[e].length; r++) {
                normalised[e][r] = norm > 0 ? matrix[e][r] / norm : 0.0;
            }
        }
        return meanAndStd(normalised);
    }

    /** {@code sets[k][e][r]}; returns one aggregate per set. */
    public static Aggregate[] joint(double[][][] sets) {
        int k = sets.length;
        Aggregate[] out = new Aggregate[k];
        double[][][] normalised = new double[k][][];
        for (int s = 0; s < k; s++) {
            normalised[s] = new double[sets[s].length][];
            for (int e = 0; e < sets[s].length; e++) {
                normalised[s][e] = new double[sets[s][e].length];
                for (int r = 0; r < sets[s][e].length; r++) {
                    double norm = 0;
                    for (double[][] other : sets) {
                        norm += other[e][r] * other[e][r];
                    }
                    norm = Math.sqrt(norm);
                    normalised[s][e][r] = norm > 0 ? sets[s][e][r] / norm : 0.0;
                }
            }
        }
        for (int s = 0; s < k; s++) {
            out[s] = meanAndStd(normalised[s]);
        }
        return out;
    }

    static Aggregate meanAndStd(double[][] m) {
        double sum = 0;
        int n = 0;
        for (double[] row : m) {
            for (double v : row) {
                sum += v;
                n++;
            }
        }
        double mean = sum / n;
        double ss = 0;
        for (double[] row : m) {
            for (double v : row) {
                ss += (v - mean) * (v - mean);
            }
        }
        return new Aggregate(mean, Math.sqrt(ss / n));
    }
}
