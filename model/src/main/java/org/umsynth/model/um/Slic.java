package org.umsynth.model.um;

import java.util.Arrays;

/**
 * SLIC superpixels reproducing scikit-image 0.19.3 {@code segmentation.slic(image, n_segments,
 * compactness)} as the reference calls it: on a grey image copied to 3 channels, all other
 * arguments default (no smoothing, {@code max_num_iter=10}, connectivity enforced with size
 * factors 0.5 and 3, {@code start_label=1}).
 *
 * <p>What scikit-image computes, and what we do:
 * <ol>
 * <li>{@code img_as_float}, then min-max normalisation over the whole image to [0, 1].</li>
 * <li>{@code rgb2lab}: for a grey pixel v, Y = sRGB-linearised v (the rows of skimage's
 *     {@code xyz_from_rgb} sum to 1), L* = 116 f(Y) - 16. a* and b* of a grey are not exactly 0
 *     in skimage (|a*|, |b*| below 0.005 because of the matrix's rounding); we drop them: they
 *     change squared colour distances by less than 1e-7 and only matter for exact ties.</li>
 * <li>The image is multiplied by {@code 1 / compactness}, so the distance is
 *     {@code (dy^2 + dx^2) / step^2 + ((L - Lk) / compactness)^2}. Compactness therefore has
 *     exactly skimage's meaning (mapping = identity).</li>
 * <li>Seeds: {@code regular_grid((1, H, W), n_segments)}; spatial step = the largest grid step.
 *     Inside the Cython kernel the search window is {@code +-2 * step'} where step' comes from
 *     {@code regular_grid((1, H, W), number_of_seeds)} (e.g. 121 seeds on 512x512: step 45,
 *     window +-94, not +-90); we reproduce both, and the truncation of the window bounds.</li>
 * <li>Centres start with colour 0 (skimage concatenates zeros), are visited in seed order with
 *     a strict {@code >} test (lower index wins ties), and are updated as raster-order sums;
 *     an empty cluster becomes NaN in skimage and never wins a pixel again: we mark it dead.</li>
 * <li>skimage's early stop never fires (its change flag is set whenever a pixel is assigned,
 *     and the distance map is reset every pass), so it always makes {@code max_num_iter} passes.
 *     We stop when a pass reproduces the previous labels: centres are a function of the labels,
 *     so every further pass would return the same labels. Output is identical, just faster.</li>
 * <li>{@code _enforce_label_connectivity_cython} with {@code segment_size = H*W / n_seeds},
 *     {@code min_size = int(0.5 * segment_size)}, {@code max_size = int(3 * segment_size)}:
 *     raster scan, breadth-first flood of each unvisited pixel's 4-connected same-label piece
 *     (neighbour order x+1, x-1, y+1, y-1; truncated at max_size pixels, the rest starts a new
 *     segment), a piece smaller than min_size takes the label of the last already-labelled
 *     different neighbour met during its flood.</li>
 * </ol>
 * Labels returned are 0-based (skimage's minus 1). Deterministic; no randomness anywhere.
 */
public final class Slic {
    private static final int LUT_BINS = 4096;
    private static final int TILE = 4;
    private static final int SUPER = 4;
    /** Package-private switch so a test can compare the pruned pass with the exhaustive one. */
    static boolean PRUNE = true;

    private Slic() {}

    /** A label image: {@code labels[y * width + x]} in {@code [0, segmentCount)}. */
    public record Segmentation(int width, int height, int[] labels, int segmentCount, int seedCount, int iterations) {}

    /** Regular-grid seeds and steps as skimage derives them. */
    record Grid(int startY, int stepY, int startX, int stepX, int countY, int countX) {
        int seeds() { return countY * countX; }
    }

    /** SLIC of a uint8 grey image (the reference path; exact L* per grey level), {@link SlicMode#EXACT}. */
    public static Segmentation segment(byte[] grey, int width, int height, int nSegments, double compactness,
                                       int maxIterations, double minSizeFactor, double maxSizeFactor)
            throws UnusableSliceException {
        return segment(grey, width, height, nSegments, compactness, maxIterations, minSizeFactor, maxSizeFactor, SlicMode.EXACT);
    }

    /** SLIC of a uint8 grey image (exact L* per grey level) in the given mode. */
    public static Segmentation segment(byte[] grey, int width, int height, int nSegments, double compactness,
                                       int maxIterations, double minSizeFactor, double maxSizeFactor, SlicMode mode)
            throws UnusableSliceException {
        checkSize(grey.length, width, height);
        int min = 255;
        int max = 0;
        for (byte b : grey) {
            int v = b & 0xFF;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (min == max) {
            throw new UnusableSliceException("constant slice (every pixel " + min + "): no superpixels to compute");
        }
        // skimage: x * (1/255), minus the min, divided by the (shifted) max; then L* times 1/compactness.
        double ratio = 1.0 / compactness;
        double lo = min * (1.0 / 255);
        double hi = max * (1.0 / 255) - lo;
        double[] lut = new double[256];
        for (int g = min; g <= max; g++) {
            lut[g] = lightness((g * (1.0 / 255) - lo) / hi) * ratio;
        }
        if (mode == SlicMode.FAST) {
            float[] colour = new float[grey.length];
            for (int i = 0; i < grey.length; i++) {
                colour[i] = (float) lut[grey[i] & 0xFF];
            }
            return FastSlic.run(colour, width, height, nSegments, maxIterations, minSizeFactor, maxSizeFactor);
        }
        double[] colour = new double[grey.length];
        for (int i = 0; i < grey.length; i++) {
            colour[i] = lut[grey[i] & 0xFF];
        }
        return run(colour, width, height, nSegments, compactness, maxIterations, minSizeFactor, maxSizeFactor);
    }

    /**
     * SLIC of a float image (any range, e.g. windowed [0, 255]); min-max normalised like skimage;
     * L* from a 4096-bin linearly interpolated table (error below 1e-4 L* units); {@link SlicMode#EXACT}.
     */
    public static Segmentation segment(float[] image, int width, int height, int nSegments, double compactness,
                                       int maxIterations, double minSizeFactor, double maxSizeFactor)
            throws UnusableSliceException {
        return segment(image, width, height, nSegments, compactness, maxIterations, minSizeFactor, maxSizeFactor, SlicMode.EXACT);
    }

    /** SLIC of a float image (any range), min-max normalised like skimage, in the given mode. */
    public static Segmentation segment(float[] image, int width, int height, int nSegments, double compactness,
                                       int maxIterations, double minSizeFactor, double maxSizeFactor, SlicMode mode)
            throws UnusableSliceException {
        checkSize(image.length, width, height);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (float v : image) {
            if (Float.isNaN(v)) throw new UnusableSliceException("slice contains NaN values");
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (!(max > min)) {
            throw new UnusableSliceException("constant slice (every pixel " + (float) min + "): no superpixels to compute");
        }
        double ratio = 1.0 / compactness;
        double[] lut = new double[LUT_BINS + 2];
        for (int i = 0; i <= LUT_BINS; i++) {
            lut[i] = lightness((double) i / LUT_BINS) * ratio;
        }
        lut[LUT_BINS + 1] = lut[LUT_BINS];
        double scale = LUT_BINS / (max - min);
        if (mode == SlicMode.FAST) {
            float[] colour = new float[image.length];
            for (int i = 0; i < image.length; i++) {
                double t = (image[i] - min) * scale;
                int k = (int) t;
                double f = t - k;
                colour[i] = (float) (lut[k] + f * (lut[k + 1] - lut[k]));
            }
            return FastSlic.run(colour, width, height, nSegments, maxIterations, minSizeFactor, maxSizeFactor);
        }
        double[] colour = new double[image.length];
        for (int i = 0; i < image.length; i++) {
            double t = (image[i] - min) * scale;
            int k = (int) t;
            double f = t - k;
            colour[i] = lut[k] + f * (lut[k + 1] - lut[k]);
        }
        return run(colour, width, height, nSegments, compactness, maxIterations, minSizeFactor, maxSizeFactor);
    }

    /** CIE L* (D65, 2 degree observer, skimage's constants) of an sRGB grey {@code v} in [0, 1]. */
    public static double lightness(double v) {
        double lin = v > 0.04045 ? Math.pow((v + 0.055) / 1.055, 2.4) : v / 12.92;
        // skimage: Y = r*0.212671 + g*0.715160 + b*0.072169, then divided by the white's Y = 1.
        double y = lin * 0.212671 + lin * 0.715160 + lin * 0.072169;
        double f = y > 0.008856 ? Math.cbrt(y) : 7.787 * y + 16.0 / 116.0;
        return 116.0 * f - 16.0;
    }

    /** skimage's {@code util.regular_grid((1, height, width), nPoints)} restricted to the y/x axes. */
    static Grid regularGrid(int height, int width, int nPoints) {
        long[] shape = {1, height, width};
        int ndim = 3;
        // argsort of the shape (ties: the depth axis of size 1 is always first; equal H == W share steps)
        Integer[] order = {0, 1, 2};
        Arrays.sort(order, (a, b) -> Long.compare(shape[a], shape[b]));
        double[] sorted = new double[ndim];
        for (int i = 0; i < ndim; i++) sorted[i] = shape[order[i]];
        double space = (double) height * width;
        double[] steps = new double[ndim];
        if (space <= nPoints) {
            return new Grid(0, 1, 0, 1, height, width);
        }
        Arrays.fill(steps, Math.pow(space / nPoints, 1.0 / ndim));
        boolean anySmaller = false;
        for (int i = 0; i < ndim; i++) anySmaller |= sorted[i] < steps[i];
        if (anySmaller) {
            for (int dim = 0; dim < ndim; dim++) {
                steps[dim] = sorted[dim];
                double rest = 1;
                for (int j = dim + 1; j < ndim; j++) rest *= sorted[j];
                if (dim + 1 < ndim) {
                    double s = Math.pow(rest / nPoints, 1.0 / (ndim - dim - 1));
                    for (int j = dim + 1; j < ndim; j++) steps[j] = s;
                }
                boolean all = true;
                for (int j = 0; j < ndim; j++) all &= sorted[j] >= steps[j];
                if (all) break;
            }
        }
        int[] start = new int[ndim];
        int[] step = new int[ndim];
        for (int i = 0; i < ndim; i++) {
            start[order[i]] = (int) Math.floor(steps[i] / 2);
            step[order[i]] = (int) Math.rint(steps[i]); // np.round: half to even
        }
        int countY = start[1] >= height ? 0 : (height - 1 - start[1]) / step[1] + 1;
        int countX = start[2] >= width ? 0 : (width - 1 - start[2]) / step[2] + 1;
        return new Grid(start[1], step[1], start[2], step[2], countY, countX);
    }

    /** The core on an image already in scaled L* units (L* / compactness). */
    static Segmentation run(double[] colour, int width, int height, int nSegments, double compactness,
                            int maxIterations, double minSizeFactor, double maxSizeFactor) {
        Grid grid = regularGrid(height, width, nSegments);
        int n = grid.seeds();
        if (n == 0) {
            throw new IllegalArgumentException("no SLIC seed fits a " + width + "x" + height + " image");
        }
        double[] cy = new double[n];
        double[] cx = new double[n];
        double[] cl = new double[n]; // skimage starts colours at 0
        boolean[] dead = new boolean[n];
        for (int iy = 0, k = 0; iy < grid.countY(); iy++) {
            for (int ix = 0; ix < grid.countX(); ix++, k++) {
                cy[k] = grid.startY() + (double) iy * grid.stepY();
                cx[k] = grid.startX() + (double) ix * grid.stepX();
            }
        }
        // the spatial step is max(steps) incl. the depth step 1, as a C float
        float step = Math.max(1, Math.max(grid.stepY(), grid.stepX()));
        double spatialWeight = 1.0 / (step * step);
        Grid window = regularGrid(height, width, n); // the Cython kernel re-derives its steps from n
        int reachY = 2 * window.stepY();
        int reachX = 2 * window.stepX();

        int size = width * height;
        int[] labels = new int[size];
        int[] previous = new int[size];
        double[] distance = new double[size];
        double[] sumY = new double[n];
        double[] sumX = new double[n];
        double[] sumL = new double[n];
        long[] count = new long[n];
        int iterations = 0;
        int[] wy0 = new int[n], wy1 = new int[n], wx0 = new int[n], wx1 = new int[n];
        Tiles tiles = PRUNE ? new Tiles(colour, width, height) : null;
        for (int iter = 0; iter < maxIterations; iter++) {
            iterations++;
            for (int k = 0; k < n; k++) {
                if (dead[k]) continue;
                // skimage: <Py_ssize_t>max(c - 2*step, 0) and <Py_ssize_t>min(c + 2*step + 1, size)
                wy0[k] = (int) Math.max(cy[k] - reachY, 0);
                wy1[k] = (int) Math.min(cy[k] + reachY + 1, height);
                wx0[k] = (int) Math.max(cx[k] - reachX, 0);
                wx1[k] = (int) Math.min(cx[k] + reachX + 1, width);
            }
            if (iter == 0 && PRUNE) {
                assignFirstPass(grid, window, width, height, labels);
            } else if (iter == 0 || !PRUNE) {
                assignExhaustive(colour, width, n, cy, cx, cl, dead, wy0, wy1, wx0, wx1, spatialWeight, distance, labels);
            } else {
                assignPruned(colour, width, height, n, cy, cx, cl, dead, wy0, wy1, wx0, wx1, spatialWeight,
                        distance, labels, previous, tiles);
            }
            if (iter > 0 && Arrays.equals(labels, previous)) {
                break; // fixed point: skimage's remaining passes would return these labels again
            }
            System.arraycopy(labels, 0, previous, 0, size);
            if (iter == maxIterations - 1) break; // skimage updates centres once more, unused
            Arrays.fill(sumY, 0);
            Arrays.fill(sumX, 0);
            Arrays.fill(sumL, 0);
            Arrays.fill(count, 0);
            for (int y = 0; y < height; y++) {
                int row = y * width;
                for (int x = 0; x < width; ) {
                    // a run of one label: integer sums in closed form, colour added in raster order
                    int k = labels[row + x];
                    double l = sumL[k];
                    int end = x;
                    while (end < width && labels[row + end] == k) {
                        l += colour[row + end];
                        end++;
                    }
                    sumL[k] = l;
                    long len = end - x;
                    count[k] += len;
                    sumY[k] += (double) (len * y);
                    sumX[k] += (double) ((long) (x + end - 1) * len / 2);
                    x = end;
                }
            }
            for (int k = 0; k < n; k++) {
                if (count[k] == 0) {
                    dead[k] = true;
                } else {
                    cy[k] = sumY[k] / count[k];
                    cx[k] = sumX[k] / count[k];
                    cl[k] = sumL[k] / count[k];
                }
            }
        }
        double segmentSize = (double) size / n;
        int minSize = (int) (minSizeFactor * segmentSize);
        int maxSize = (int) (maxSizeFactor * segmentSize);
        int count0 = enforceConnectivity(labels, width, height, minSize, maxSize);
        return new Segmentation(width, height, labels, count0, n, iterations);
    }

    /**
     * The first pass, exactly, in O(H*W): every centre still has colour 0, so the colour term is the
     * same for all centres of a pixel and seeds sit on integer grid points; spatial terms of
     * different integer {@code dy^2 + dx^2} differ by at least 1/step^2, far above the rounding of
     * adding the colour term, so the winner is the lowest-index seed with minimal {@code dy^2 + dx^2}
     * among those whose window holds the pixel. Windows and distances separate into rows and
     * columns, so the winner is (best seed row of y, best seed column of x).
     */
    static void assignFirstPass(Grid grid, Grid window, int width, int height, int[] labels) {
        int[] bestRow = bestSeedIndex(height, grid.startY(), grid.stepY(), grid.countY(), 2 * window.stepY());
        int[] bestCol = bestSeedIndex(width, grid.startX(), grid.stepX(), grid.countX(), 2 * window.stepX());
        for (int y = 0, i = 0; y < height; y++) {
            int rowBase = bestRow[y] * grid.countX();
            for (int x = 0; x < width; x++, i++) {
                labels[i] = rowBase + bestCol[x];
            }
        }
    }

    /** Per coordinate, the lowest seed index at minimal distance among seeds whose window holds it. */
    private static int[] bestSeedIndex(int size, int start, int step, int count, int reach) {
        int[] best = new int[size];
        for (int p = 0; p < size; p++) {
            long bestD = Long.MAX_VALUE;
            for (int s = 0; s < count; s++) {
                int c = start + s * step;
                int lo = Math.max(c - reach, 0);
                int hi = Math.min(c + reach + 1, size);
                if (p < lo || p >= hi) continue;
                long d = (long) (c - p) * (c - p);
                if (d < bestD) {
                    bestD = d;
                    best[p] = s;
                }
            }
        }
        return best;
    }

    /** skimage's assignment pass: centres in index order, each over its whole window, strict {@code >}. */
    private static void assignExhaustive(double[] colour, int width, int n, double[] cy, double[] cx, double[] cl,
                                         boolean[] dead, int[] wy0, int[] wy1, int[] wx0, int[] wx1,
                                         double spatialWeight, double[] distance, int[] labels) {
        Arrays.fill(distance, Double.MAX_VALUE);
        for (int k = 0; k < n; k++) {
            if (dead[k]) continue;
            double ky = cy[k], kx = cx[k], kl = cl[k];
            int x0 = wx0[k], x1 = wx1[k];
            for (int y = wy0[k], y1 = wy1[k]; y < y1; y++) {
                double dy = ky - y;
                double dy2 = dy * dy;
                int row = y * width;
                for (int x = x0; x < x1; x++) {
                    double dx = kx - x;
                    double t = colour[row + x] - kl;
                    double d = (dy2 + dx * dx) * spatialWeight + t * t;
                    if (distance[row + x] > d) {
                        distance[row + x] = d;
                        labels[row + x] = k;
                    }
                }
            }
        }
    }

    /**
     * The same assignment, exactly, with far fewer evaluations. The reference's result is, per
     * pixel, the lowest centre index among those at the minimal distance inside whose window the
     * pixel lies; any evaluation order reaches it with the rule "smaller distance, or equal distance
     * and lower index". Each pixel first gets the distance to its previous centre (an upper bound
     * of its final distance). A centre then skips a 4x4 tile (or a 16x16 super-tile) when the tile
     * is entirely its own already, or when the spatial term at the tile's nearest point plus the
     * colour term at the tile's nearest colour exceeds the largest distance in the tile: no pixel
     * there can reach or tie its current distance. (Rounding is monotone, so the bound never
     * exceeds a computed distance; the 1e-12 relative margin only makes the test stricter.)
     */
    private static void assignPruned(double[] colour, int width, int height, int n, double[] cy, double[] cx,
                                     double[] cl, boolean[] dead, int[] wy0, int[] wy1, int[] wx0, int[] wx1,
                                     double spatialWeight, double[] distance, int[] labels, int[] previous,
                                     Tiles tiles) {
        // seed every pixel with its previous centre; per tile: largest distance, single owner or -1
        for (int ty = 0; ty < tiles.tilesY; ty++) {
            for (int tx = 0; tx < tiles.tilesX; tx++) {
                double m = 0;
                int yStart = ty * TILE, yEnd = Math.min(height, yStart + TILE);
                int xStart = tx * TILE, xEnd = Math.min(width, xStart + TILE);
                int first = previous[yStart * width + xStart];
                boolean uniform = true;
                for (int y = yStart; y < yEnd && uniform; y++) {
                    for (int x = xStart, i = y * width + x; x < xEnd; x++, i++) uniform &= previous[i] == first;
                }
                if (uniform && !dead[first] && yStart >= wy0[first] && yEnd <= wy1[first]
                        && xStart >= wx0[first] && xEnd <= wx1[first]) {
                    // the common case: one previous centre, whose window holds the whole tile
                    double py = cy[first], px = cx[first], pl = cl[first];
                    for (int y = yStart; y < yEnd; y++) {
                        double dy = py - y;
                        double dy2 = dy * dy;
                        for (int x = xStart, i = y * width + x; x < xEnd; x++, i++) {
                            double dx = px - x;
                            double t = colour[i] - pl;
                            double d = (dy2 + dx * dx) * spatialWeight + t * t;
                            distance[i] = d;
                            labels[i] = first;
                            if (d > m) m = d;
                        }
                    }
                } else {
                    uniform = false;
                    for (int y = yStart; y < yEnd; y++) {
                        for (int x = xStart, i = y * width + x; x < xEnd; x++, i++) {
                            int p = previous[i];
                            double d;
                            if (!dead[p] && y >= wy0[p] && y < wy1[p] && x >= wx0[p] && x < wx1[p]) {
                                double dy = cy[p] - y;
                                double dx = cx[p] - x;
                                double t = colour[i] - cl[p];
                                d = (dy * dy + dx * dx) * spatialWeight + t * t;
                            } else {
                                d = Double.MAX_VALUE; // skimage never resets labels: a pixel no window reaches keeps its old one
                            }
                            distance[i] = d;
                            labels[i] = p;
                            if (d > m) m = d;
                        }
                    }
                }
                int tile = ty * tiles.tilesX + tx;
                tiles.max[tile] = m;
                // every pixel already holds its distance to this centre: re-evaluating it changes nothing
                tiles.owner[tile] = uniform && m < Double.MAX_VALUE ? first : -1;
            }
        }
        tiles.aggregateSuperTiles();
        int sideS = TILE * SUPER;
        for (int k = 0; k < n; k++) {
            if (dead[k]) continue;
            double ky = cy[k], kx = cx[k], kl = cl[k];
            int y0 = wy0[k], y1 = wy1[k], x0 = wx0[k], x1 = wx1[k];
            for (int sy = y0 / sideS, syEnd = (y1 - 1) / sideS; sy <= syEnd; sy++) {
                int sy0 = Math.max(y0, sy * sideS), sy1 = Math.min(y1, sy * sideS + sideS);
                double gys = gap(ky, sy0, sy1);
                for (int sx = x0 / sideS, sxEnd = (x1 - 1) / sideS; sx <= sxEnd; sx++) {
                    int st = sy * tiles.superX + sx;
                    if (tiles.superOwner[st] == k) continue;
                    int sx0 = Math.max(x0, sx * sideS), sx1 = Math.min(x1, sx * sideS + sideS);
                    double gxs = gap(kx, sx0, sx1);
                    double gcs = colourGap(kl, tiles.superColourMin[st], tiles.superColourMax[st]);
                    if (((gys * gys + gxs * gxs) * spatialWeight + gcs * gcs) * (1 - 1e-12) > tiles.superMax[st]) continue;
                    for (int ty = sy0 / TILE, tyEnd = (sy1 - 1) / TILE; ty <= tyEnd; ty++) {
                        int ry0 = Math.max(sy0, ty * TILE), ry1 = Math.min(sy1, ty * TILE + TILE);
                        double gy = gap(ky, ry0, ry1);
                        for (int tx = sx0 / TILE, txEnd = (sx1 - 1) / TILE; tx <= txEnd; tx++) {
                            int tile = ty * tiles.tilesX + tx;
                            if (tiles.owner[tile] == k) continue;
                            int rx0 = Math.max(sx0, tx * TILE), rx1 = Math.min(sx1, tx * TILE + TILE);
                            double gx = gap(kx, rx0, rx1);
                            double gc = colourGap(kl, tiles.colourMin[tile], tiles.colourMax[tile]);
                            // a lower bound of every distance in the tile (rounding is monotone; the
                            // relative margin only makes the test more conservative)
                            if (((gy * gy + gx * gx) * spatialWeight + gc * gc) * (1 - 1e-12) > tiles.max[tile]) continue;
                            for (int y = ry0; y < ry1; y++) {
                                double dy = ky - y;
                                double dy2 = dy * dy;
                                int row = y * width;
                                for (int x = rx0; x < rx1; x++) {
                                    double dx = kx - x;
                                    double t = colour[row + x] - kl;
                                    double d = (dy2 + dx * dx) * spatialWeight + t * t;
                                    double cur = distance[row + x];
                                    if (d < cur || (d == cur && k < labels[row + x])) {
                                        distance[row + x] = d;
                                        labels[row + x] = k;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Distance from c to the integer interval [lo, hi - 1] (0 inside). */
    private static double gap(double c, int lo, int hi) {
        return c < lo ? lo - c : (c > hi - 1 ? c - (hi - 1) : 0);
    }

    private static double colourGap(double c, double lo, double hi) {
        return c < lo ? lo - c : (c > hi ? c - hi : 0);
    }

    /** Two-level tiling (TILE x TILE tiles, SUPER x SUPER tiles per super-tile) with bounds. */
    private static final class Tiles {
        final int tilesX, tilesY, superX, superY;
        final double[] max, colourMin, colourMax, superMax, superColourMin, superColourMax;
        final int[] owner, superOwner;

        Tiles(double[] colour, int width, int height) {
            tilesX = (width + TILE - 1) / TILE;
            tilesY = (height + TILE - 1) / TILE;
            superX = (tilesX + SUPER - 1) / SUPER;
            superY = (tilesY + SUPER - 1) / SUPER;
            max = new double[tilesX * tilesY];
            owner = new int[tilesX * tilesY];
            colourMin = new double[tilesX * tilesY];
            colourMax = new double[tilesX * tilesY];
            superMax = new double[superX * superY];
            superOwner = new int[superX * superY];
            superColourMin = new double[superX * superY];
            superColourMax = new double[superX * superY];
            java.util.Arrays.fill(superColourMin, Double.POSITIVE_INFINITY);
            java.util.Arrays.fill(superColourMax, Double.NEGATIVE_INFINITY);
            for (int ty = 0; ty < tilesY; ty++) {
                for (int tx = 0; tx < tilesX; tx++) {
                    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                    for (int y = ty * TILE, ye = Math.min(height, y + TILE); y < ye; y++) {
                        for (int x = tx * TILE, xe = Math.min(width, x + TILE), i = y * width + x; x < xe; x++, i++) {
                            lo = Math.min(lo, colour[i]);
                            hi = Math.max(hi, colour[i]);
                        }
                    }
                    int t = ty * tilesX + tx, st = (ty / SUPER) * superX + tx / SUPER;
                    colourMin[t] = lo;
                    colourMax[t] = hi;
                    superColourMin[st] = Math.min(superColourMin[st], lo);
                    superColourMax[st] = Math.max(superColourMax[st], hi);
                }
            }
        }

        void aggregateSuperTiles() {
            java.util.Arrays.fill(superMax, 0);
            java.util.Arrays.fill(superOwner, Integer.MIN_VALUE);
            for (int ty = 0; ty < tilesY; ty++) {
                for (int tx = 0; tx < tilesX; tx++) {
                    int t = ty * tilesX + tx, st = (ty / SUPER) * superX + tx / SUPER;
                    superMax[st] = Math.max(superMax[st], max[t]);
                    int o = superOwner[st];
                    superOwner[st] = o == Integer.MIN_VALUE ? owner[t] : (o == owner[t] ? o : -1);
                }
            }
        }
    }

    /**
     * skimage's {@code _enforce_label_connectivity_cython} on a 2-D image, in place; labels become
     * 0-based. Returns the number of labels (max label + 1). Same output as {@link
     * #enforceConnectivityFlood}, computed on runs: the 4-connected pieces come from a union-find
     * over same-label runs of adjacent rows (root = the piece's first run in raster order, i.e. the
     * pixel where skimage's scan starts its flood); a piece of at least {@code minSize} pixels takes
     * the next label without being flooded; only pieces below {@code minSize} are flooded, in
     * skimage's order, for the neighbour label they merge into. If a piece exceeds {@code maxSize}
     * (skimage cuts its flood there; a piece of exactly maxSize is flooded whole) the pixel flood runs instead.
     */
    static int enforceConnectivity(int[] segments, int width, int height, int minSize, int maxSize) {
        Runs runs = Runs.of(segments, width, height);
        if (runs.negative) return enforceConnectivityFlood(segments, width, height, minSize, maxSize);
        int count = runs.count;
        int[] start = runs.start, rowFirst = runs.rowFirst;
        int[] parent = new int[count];
        for (int r = 0; r < count; r++) parent[r] = r;
        for (int y = 1; y < height; y++) {
            // two pointers over the previous row's runs and this row's: overlapping x ranges, same label
            int p = rowFirst[y - 1], pEnd = rowFirst[y], rowBase = y * width, prevBase = rowBase - width;
            for (int r = rowFirst[y], rEnd = rowFirst[y + 1]; r < rEnd; r++) {
                int xs = start[r] - rowBase, xe = (r + 1 < rEnd ? start[r + 1] : rowBase + width) - rowBase;
                int label = segments[start[r]];
                while (p < pEnd) {
                    int pxs = start[p] - prevBase, pxe = (p + 1 < pEnd ? start[p + 1] : prevBase + width) - prevBase;
                    if (pxs >= xe) break;
                    if (pxe > xs && segments[start[p]] == label) union(parent, p, r);
                    if (pxe > xe) break; // p also reaches this row's next run
                    p++;
                }
            }
        }
        int[] pieceSize = new int[count];
        for (int y = 0; y < height; y++) {
            int rowEnd = (y + 1) * width;
            for (int r = rowFirst[y], rEnd = rowFirst[y + 1]; r < rEnd; r++) {
                int root = find(parent, r);
                parent[r] = root;
                pieceSize[root] += (r + 1 < rEnd ? start[r + 1] : rowEnd) - start[r];
            }
        }
        for (int r = 0; r < count; r++) {
            if (pieceSize[r] > maxSize || maxSize <= minSize) {
                return enforceConnectivityFlood(segments, width, height, minSize, maxSize);
            }
        }
        int[] assigned = new int[count]; // skimage's label of each piece (by root), 0 = not reached yet
        int currentNewLabel = 1;
        SmallPieceFlood flood = null;
        for (int r = 0; r < count; r++) {
            if (parent[r] != r) continue;
            if (pieceSize[r] >= minSize) {
                assigned[r] = currentNewLabel++;
            } else {
                if (flood == null) flood = new SmallPieceFlood(segments, width, height, runs, parent, assigned, minSize);
                assigned[r] = flood.adjacent(start[r], currentNewLabel);
            }
        }
        int maxLabel = 0;
        for (int y = 0; y < height; y++) {
            int rowEnd = (y + 1) * width;
            for (int r = rowFirst[y], rEnd = rowFirst[y + 1]; r < rEnd; r++) {
                int v = assigned[parent[r]];
                Arrays.fill(segments, start[r], r + 1 < rEnd ? start[r + 1] : rowEnd, v - 1);
                if (v > maxLabel) maxLabel = v;
            }
        }
        return maxLabel;
    }

    private static int find(int[] parent, int r) {
        while (parent[r] != r) {
            parent[r] = parent[parent[r]];
            r = parent[r];
        }
        return r;
    }

    /** Joins two sets; the root is the smaller run index (the piece's first run in raster order). */
    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra < rb) parent[rb] = ra;
        else if (rb < ra) parent[ra] = rb;
    }

    /** Maximal same-label runs of each row: run r starts at pixel start[r]; row y holds runs [rowFirst[y], rowFirst[y + 1]). */
    private static final class Runs {
        int[] start;
        final int[] rowFirst;
        int count;
        /** A negative label (the small-piece flood marks visited pixels with negative values). */
        boolean negative;

        private Runs(int capacity, int height) {
            start = new int[capacity];
            rowFirst = new int[height + 1];
        }

        static Runs of(int[] segments, int width, int height) {
            Runs runs = new Runs(Math.max(16, segments.length / 8), height);
            int[] start = runs.start;
            int count = 0, min = 0;
            for (int y = 0; y < height; y++) {
                runs.rowFirst[y] = count;
                int row = y * width;
                if (count + width > start.length) start = Arrays.copyOf(start, Math.max(2 * start.length, count + width));
                int previous = segments[row];
                start[count++] = row;
                min = Math.min(min, previous);
                for (int i = row + 1, e = row + width; i < e; i++) {
                    int v = segments[i];
                    if (v != previous) {
                        start[count++] = i;
                        min = Math.min(min, v);
                        previous = v;
                    }
                }
            }
            runs.rowFirst[height] = count;
            runs.start = start;
            runs.count = count;
            runs.negative = min < 0;
            return runs;
        }

        /** The run holding a pixel (binary search in its row). */
        int runOf(int pixel, int width) {
            int y = pixel / width;
            int lo = rowFirst[y], hi = rowFirst[y + 1] - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (start[mid] <= pixel) lo = mid;
                else hi = mid - 1;
            }
            return lo;
        }
    }

    /**
     * skimage's flood of one piece smaller than minSize, in its neighbour order, returning the
     * label it merges into: the last already labelled different neighbour met (a piece whose first
     * run precedes this one's), or {@code current} if none.
     */
    private static final class SmallPieceFlood {
        final int[] segments, parent, assigned, queue, neighbours;
        final int width, height;
        final Runs runs;

        SmallPieceFlood(int[] segments, int width, int height, Runs runs, int[] parent, int[] assigned, int minSize) {
            this.segments = segments;
            this.width = width;
            this.height = height;
            this.runs = runs;
            this.parent = parent;
            this.assigned = assigned;
            queue = new int[Math.max(1, minSize)];
            neighbours = new int[4 * queue.length];
        }

        /** Floods the piece holding pixel {@code first}; marks its pixels {@code ~label} (labels are >= 0; the caller overwrites all). */
        int adjacent(int first, int current) {
            int label = segments[first], visitedLabel = ~label;
            int adjacent = current;
            int size = 1, visited = 0, met = 0;
            queue[0] = first;
            segments[first] = visitedLabel;
            while (visited < size) {
                int p = queue[visited++];
                int py = p / width, px = p - py * width;
                for (int dir = 0; dir < 4; dir++) {
                    int q;
                    if (dir == 0) { if (px + 1 >= width) continue; q = p + 1; }
                    else if (dir == 1) { if (px == 0) continue; q = p - 1; }
                    else if (dir == 2) { if (py + 1 >= height) continue; q = p + width; }
                    else { if (py == 0) continue; q = p - width; }
                    int v = segments[q];
                    if (v == label) {
                        segments[q] = visitedLabel;
                        queue[size++] = q;
                    } else if (v != visitedLabel) {
                        neighbours[met++] = q;
                    }
                }
            }
            // the last qualifying neighbour in flood order wins: look them up from the end
            for (int j = met - 1; j >= 0; j--) {
                int cq = assigned[parent[runs.runOf(neighbours[j], width)]];
                if (cq > 0 && cq != current) return cq;
            }
            return adjacent;
        }
    }

    /**
     * skimage's {@code _enforce_label_connectivity_cython} on a 2-D image, in place, pixel by
     * pixel as skimage floods; labels become 0-based. Returns the number of labels (max label + 1).
     */
    static int enforceConnectivityFlood(int[] segments, int width, int height, int minSize, int maxSize) {
        int size = width * height;
        // skimage labels start at 1 and 0 means "not yet visited"
        int[] connected = new int[size];
        int[] queue = new int[Math.max(1, maxSize)];
        int[] queueY = new int[queue.length];
        int[] queueX = new int[queue.length];
        int currentNewLabel = 1;
        for (int start = 0; start < size; start++) {
            if (connected[start] > 0) continue;
            int adjacent = currentNewLabel;
            int label = segments[start];
            int current = currentNewLabel;
            connected[start] = current;
            int segmentSize = 1;
            int visited = 0;
            queue[0] = start;
            queueY[0] = start / width;
            queueX[0] = start - queueY[0] * width;
            // neighbours in skimage's order x+1, x-1, y+1, y-1, unrolled; the flood stops at maxSize
            flood:
            while (visited < segmentSize && segmentSize < maxSize) {
                int p = queue[visited];
                int py = queueY[visited];
                int px = queueX[visited];
                visited++;
                if (px + 1 < width) {
                    int q = p + 1, cq = connected[q];
                    if (cq == 0 && segments[q] == label) {
                        connected[q] = current;
                        queueY[segmentSize] = py;
                        queueX[segmentSize] = px + 1;
                        queue[segmentSize++] = q;
                        if (segmentSize >= maxSize) break flood;
                    } else if (cq > 0 && cq != current) {
                        adjacent = cq;
                    }
                }
                if (px > 0) {
                    int q = p - 1, cq = connected[q];
                    if (cq == 0 && segments[q] == label) {
                        connected[q] = current;
                        queueY[segmentSize] = py;
                        queueX[segmentSize] = px - 1;
                        queue[segmentSize++] = q;
                        if (segmentSize >= maxSize) break flood;
                    } else if (cq > 0 && cq != current) {
                        adjacent = cq;
                    }
                }
                if (py + 1 < height) {
                    int q = p + width, cq = connected[q];
                    if (cq == 0 && segments[q] == label) {
                        connected[q] = current;
                        queueY[segmentSize] = py + 1;
                        queueX[segmentSize] = px;
                        queue[segmentSize++] = q;
                        if (segmentSize >= maxSize) break flood;
                    } else if (cq > 0 && cq != current) {
                        adjacent = cq;
                    }
                }
                if (py > 0) {
                    int q = p - width, cq = connected[q];
                    if (cq == 0 && segments[q] == label) {
                        connected[q] = current;
                        queueY[segmentSize] = py - 1;
                        queueX[segmentSize] = px;
                        queue[segmentSize++] = q;
                        if (segmentSize >= maxSize) break flood;
                    } else if (cq > 0 && cq != current) {
                        adjacent = cq;
                    }
                }
            }
            if (segmentSize < minSize) {
                for (int i = 0; i < segmentSize; i++) connected[queue[i]] = adjacent;
            } else {
                currentNewLabel++;
            }
        }
        int maxLabel = 0;
        for (int i = 0; i < size; i++) {
            int v = connected[i] - 1;
            segments[i] = v;
            if (v > maxLabel) maxLabel = v;
        }
        return maxLabel + 1;
    }

    private static void checkSize(int length, int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height != length) {
            throw new IllegalArgumentException("array length " + length + " is not " + width + "x" + height);
        }
    }
}
