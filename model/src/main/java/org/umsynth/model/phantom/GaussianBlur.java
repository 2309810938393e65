package org.umsynth.model.phantom;

/** Separable 2-D Gaussian blur with edge clamping, in place. */
final class GaussianBlur {
    private GaussianBlur() {
    }

    /**
     * Blurs {@code image} (rows x cols) in place with a Gaussian of {@code sigma} pixels and returns
     * the standard deviation that unit white noise keeps after this blur (1 when nothing is done).
     */
    static double blur(float[] image, float[] scratch, int cols, int rows, double sigma) {
        if (sigma < 0.05) {
            return 1;
        }
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] kernel = new double[2 * radius + 1];
        double sum = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = StrictMath.exp(-0.5 * k * k / (sigma * sigma));
            sum += kernel[k + radius];
        }
        double energy = 0;
        for (int k = 0; k < kernel.length; k++) {
            kernel[k] /= sum;
            energy += kernel[k] * kernel[k];
        }
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) {
                    int cc = c + k;
                    cc = cc < 0 ? 0 : (cc >= cols ? cols - 1 : cc);
                    acc += kernel[k + radius] * image[base + cc];
                }
                scratch[base + c] = (float) acc;
            }
        }
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                double acc = 0;
                for (int k = -radius; k <= radius; k++) {
                    int rr = r + k;
                    rr = rr < 0 ? 0 : (rr >= rows ? rows - 1 : rr);
                    acc += kernel[k + radius] * scratch[rr * cols + c];
                }
                image[base + c] = (float) acc;
            }
        }
        // white noise blurred by a separable kernel keeps a standard deviation of sum(k^2) of the 1-D kernel
        return energy;
    }
}
