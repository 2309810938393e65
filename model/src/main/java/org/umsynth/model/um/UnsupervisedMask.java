package org.umsynth.model.um;

import org.umsynth.model.image.Resize;

/**
 * The unsupervised mask (SPEC 3.4-3.5): SLIC superpixels filled with the mean windowed intensity
 * of their pixels, quantised {@code floor(mean / tr) * tr}, stored as unsigned bytes; its edge map;
 * and the 2-channel generator input.
 */
public final class UnsupervisedMask {
    private UnsupervisedMask() {}

    /** A UM with the superpixel labels it came from. */
    public record Result(int width, int height, byte[] um, int[] superpixels, int segmentCount) {}

    /**
     * UM of one HU slice (row-major {@code cols x rows}): window, resize to
     * {@code params.resolution()} square (anti-aliased {@link Resize.Filter#BILINEAR}), optional
     * reference uint8 truncation, SLIC, mean fill, quantisation.
     */
    public static Result fromHu(float[] hu, int cols, int rows, UmParams params) throws UnusableSliceException {
        float[] windowed = HuWindow.apply(hu);
        int r = params.resolution();
        float[] work = (cols == r && rows == r) ? windowed : Resize.resize(windowed, cols, rows, r, r);
        return fromWindowed(work, r, r, params);
    }

    /** UM of an already windowed [0, 255] float image at its own size. */
    public static Result fromWindowed(float[] windowed, int width, int height, UmParams params)
            throws UnusableSliceException {
        if (params.uint8Input()) {
            return fromUint8(HuWindow.truncateToUint8(windowed), width, height, params);
        }
        Slic.Segmentation s = Slic.segment(windowed, width, height, params.nSegments(), params.compactness(),
                params.maxIterations(), params.minSizeFactor(), params.maxSizeFactor(), params.slicMode());
        double[] sum = new double[s.segmentCount()];
        long[] count = new long[s.segmentCount()];
        int[] labels = s.labels();
        for (int i = 0; i < labels.length; i++) {
            sum[labels[i]] += windowed[i];
            count[labels[i]]++;
        }
        return fill(s, sum, count, params.quantStep());
    }

    /**
     * UM of a uint8 windowed image: the reference computation (skimage on uint8, numpy mean), exactly
     * when {@code params.slicMode()} is {@link SlicMode#EXACT}.
     */
    public static Result fromUint8(byte[] grey, int width, int height, UmParams params) throws UnusableSliceException {
        Slic.Segmentation s = Slic.segment(grey, width, height, params.nSegments(), params.compactness(),
                params.maxIterations(), params.minSizeFactor(), params.maxSizeFactor(), params.slicMode());
        double[] sum = new double[s.segmentCount()];
        long[] count = new long[s.segmentCount()];
        int[] labels = s.labels();
        for (int i = 0; i < labels.length; i++) {
            sum[labels[i]] += grey[i] & 0xFF; // integer-valued: exact, like numpy's sum
            count[labels[i]]++;
        }
        return fill(s, sum, count, params.quantStep());
    }

    private static Result fill(Slic.Segmentation s, double[] sum, long[] count, int tr) {
        int[] value = new int[sum.length];
        for (int k = 0; k < sum.length; k++) {
            value[k] = count[k] == 0 ? 0 : quantise(sum[k] / count[k], tr);
        }
        int[] labels = s.labels();
        byte[] um = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            um[i] = (byte) value[labels[i]];
        }
        return new Result(s.width(), s.height(), um, labels, s.segmentCount());
    }

    /** {@code floor(v / tr) * tr} clamped to [0, 255] (the reference's {@code int(v / 10) * 10}). */
    public static int quantise(double v, int tr) {
        if (!(v > 0)) return 0;
        int q = (int) Math.floor(v / tr) * tr;
        return Math.min(q, 255 / tr * tr);
    }

    /** 1 where any 4-neighbour has a different UM value, else 0. */
    public static byte[] edges(byte[] um, int width, int height) {
        if ((long) width * height != um.length) throw new IllegalArgumentException("array length " + um.length + " is not " + width + "x" + height);
        byte[] e = new byte[um.length];
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                int i = row + x;
                byte v = um[i];
                if ((x + 1 < width && um[i + 1] != v) || (x > 0 && um[i - 1] != v)
                        || (y + 1 < height && um[i + width] != v) || (y > 0 && um[i - width] != v)) {
                    e[i] = 1;
                }
            }
        }
        return e;
    }

    /**
     * Generator input, channel-first {@code float[2 * H * W]}: channel 0 the UM scaled to [-1, 1]
     * as {@code um / 127.5 - 1}, channel 1 the edge map in {0, 1}.
     */
    public static float[] generatorInput(byte[] um, int width, int height) {
        byte[] e = edges(um, width, height);
        int n = um.length;
        float[] out = new float[2 * n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((um[i] & 0xFF) / 127.5 - 1.0);
            out[n + i] = e[i];
        }
        return out;
    }
}
