package org.umsynth.model.features;

import java.util.SplittableRandom;

/**
 * A small, fixed, deterministic extractor for tests and smoke runs (not a trained network; its FID
 * is not comparable to anything): 16 zero-mean random 5x5 filters (seed 1234), applied with
 * 'same' zero padding, ReLU, global average pool, at the input scale and after a 2x2 box
 * downsampling: d = 32. Sensitive to texture and edges, so noise and blur move its features. Pure
 * Java, image by image: the batch size cannot change the features.
 */
public final class RandomConvFeatures implements FeatureExtractor {
    public static final String NAME = "random_conv_test";
    private static final int FILTERS = 16;
    private static final int K = 5;
    private final float[][] filters = new float[FILTERS][K * K];

    public RandomConvFeatures() {
        SplittableRandom rnd = new SplittableRandom(1234);
        for (float[] f : filters) {
            double mean = 0;
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) rnd.nextGaussian();
                mean += f[i];
            }
            mean /= f.length;
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) ((f[i] - mean) / K);
            }
        }
    }

    @Override public String name() { return NAME; }

    @Override public String description() { return "fixed random 5x5 conv features for tests (not a trained network; not comparable)"; }

    @Override public int dimension() { return 2 * FILTERS; }

    @Override public boolean standard() { return false; }

    @Override
    public double[][] extract(float[][] images, int resolution) {
        double[][] out = new double[images.length][];
        for (int i = 0; i < images.length; i++) {
            double[] f = new double[2 * FILTERS];
            pooled(images[i], resolution, f, 0);
            int half = resolution / 2;
            float[] small = new float[half * half];
            for (int y = 0; y < half; y++) {
                for (int x = 0; x < half; x++) {
                    int p = 2 * y * resolution + 2 * x;
                    small[y * half + x] = 0.25f * (images[i][p] + images[i][p + 1] + images[i][p + resolution] + images[i][p + resolution + 1]);
                }
            }
            pooled(small, half, f, FILTERS);
            out[i] = f;
        }
        return out;
    }

    private void pooled(float[] img, int r, double[] out, int offset) {
        int h = K / 2;
        for (int k = 0; k < FILTERS; k++) {
            float[] w = filters[k];
            double acc = 0;
            for (int y = 0; y < r; y++) {
                for (int x = 0; x < r; x++) {
                    float s = 0;
                    for (int dy = -h; dy <= h; dy++) {
                        int yy = y + dy;
                        if (yy < 0 || yy >= r) {
                            continue;
                        }
                        for (int dx = -h; dx <= h; dx++) {
                            int xx = x + dx;
                            if (xx >= 0 && xx < r) {
                                s += w[(dy + h) * K + dx + h] * img[yy * r + xx];
                            }
                        }
                    }
                    if (s > 0) {
                        acc += s;
                    }
                }
            }
            out[offset + k] = acc / ((double) r * r);
        }
    }
}
