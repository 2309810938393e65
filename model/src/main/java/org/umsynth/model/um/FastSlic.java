package org.umsynth.model.um;

import java.util.Arrays;

/**
 * The fast SLIC ({@link SlicMode#FAST}): scikit-image 0.19's algorithm as {@link Slic} reproduces
 * it (same L* colour, seeds, distance, +-2 step search window, colour-0 first pass, centre update
 * and connectivity enforcement), with three departures that trade bit-exactness for speed, each
 * measured against scikit-image in bench/slic/README.md:
 * <ol>
 * <li>float32 colours and distances;</li>
 * <li>when the seed step is at least {@link #MIN_HALF_SIZE_STEP} (e.g. 128 segments on 512x512,
 *     step 45; not on the default 256x256, step 23, where it moved boundaries too far), the passes
 *     between the first {@link #EARLY_PASSES} and the last {@link #FINE_PASSES} after the seeds run
 *     on every other pixel of every other row (the pixel noise the reference sees is kept; a 2x2
 *     mean smooths it away and moved boundaries far more), a quarter of the work each; the labels
 *     are then expanded back and the last pass refines them at full size. The first pass with real
 *     colours stays at full size: on noisy slices it decides which of many equally good
 *     segmentations the later passes settle into, and at half size it picked another one (boundary
 *     recall against scikit-image 0.86-0.95 on noisy phantoms, 0.91 or more with it at full size);</li>
 * <li>a convergence test, the usual SLIC practice: stop after a full-size pass that relabels fewer
 *     than {@link #CONVERGED_FRACTION} of the pixels (a half-size pass doing so ends the half-size
 *     passes) (scikit-image's own early stop never fires).
 *     On CT slices it does not fire either within 10 passes (2% or more of the pixels still move
 *     per pass: CT noise keeps boundary pixels flipping); it ends flat or simple images early.</li>
 * </ol>
 * Each assignment pass is pixel-exact for its centres. The pass right after the seeds, where most
 * tiles change hands, runs pixel by pixel with per-block candidate lists, nearest first; the others
 * centre by centre, where 4x4 tiles and 16x16 super-tiles carry a lower bound test (spatial gap +
 * colour gap against the tile's largest current distance) and a tile owned by one centre is bounded
 * from its corners and colour range without touching its pixels. Centre sums are exact integers
 * (colour in fixed point) updated from the pixels that changed label, so a pass touches only the
 * tiles where something moved. No randomness and a fixed visiting order: the same input gives the
 * same labels.
 */
final class FastSlic {
    /** Stop once a full-size pass relabels fewer than this fraction of the pixels. */
    static final double CONVERGED_FRACTION = 0.005;
    /**
     * Full-size passes right after the seeds, before the half-size ones. One: boundary recall
     * against scikit-image 0.91 or more on every bench slice and noisy phantom (0.86 with none;
     * 0.98 with two, at ~2 ms more per 512x512 slice; bench/slic/README.md, ablation).
     */
    static final int EARLY_PASSES = 1;
    /**
     * Passes at full size at the end (the others, after the early ones, at half size). One, not two:
     * 2 ms less on rle at 512 for recall against scikit-image within 0.01 of two's on every bench
     * slice (bench/slic/README.md, ablation); 1 to 6 final full-size passes give the same recall.
     */
    static final int FINE_PASSES = 1;
    /** The half-size passes need at least this seed step (in full-size pixels), 16 pixels at half size. */
    static final int MIN_HALF_SIZE_STEP = 32;
    private static final int TILE = 4;
    private static final int SUPER = 4;
    /** Side of the square blocks sharing one candidate list in {@link Work#assignNearestFirst}. */
    private static final int BLOCK = 16;
    /** Colour in fixed point for the centre sums (steps of 2^-24 of the scaled L* unit). */
    private static final double FIXED = 1 << 24;

    private FastSlic() {}

    /** Tunables, package-private so the bench can measure what each one buys. */
    record Options(double convergedFraction, int earlyPasses, int finePasses, boolean halfSize) {
        static final Options DEFAULT = new Options(CONVERGED_FRACTION, EARLY_PASSES, FINE_PASSES, true);
    }

    static Slic.Segmentation run(float[] colour, int width, int height, int nSegments, int maxIterations,
                                 double minSizeFactor, double maxSizeFactor) {
        return run(colour, width, height, nSegments, maxIterations, minSizeFactor, maxSizeFactor, Options.DEFAULT);
    }

    /** The core on an image already in scaled L* units (L* / compactness). */
    static Slic.Segmentation run(float[] colour, int width, int height, int nSegments, int maxIterations,
                                 double minSizeFactor, double maxSizeFactor, Options options) {
        Slic.Grid grid = Slic.regularGrid(height, width, nSegments);
        int n = grid.seeds();
        if (n == 0) {
            throw new IllegalArgumentException("no SLIC seed fits a " + width + "x" + height + " image");
        }
        float step = Math.max(1, Math.max(grid.stepY(), grid.stepX()));
        Slic.Grid window = Slic.regularGrid(height, width, n);
        int reachY = 2 * window.stepY();
        int reachX = 2 * window.stepX();
        int size = width * height;
        int[] labels = new int[size];
        // first pass: all centres have colour 0, so the nearest grid seed wins (as in the exact mode)
        Slic.assignFirstPass(grid, window, width, height, labels);
        int iterations = 1;
        long converged = (long) Math.floor(options.convergedFraction() * size);
        float spatialWeight = 1f / (step * step);
        // one full-size state for the passes before and after the half-size ones (its tile colour ranges cost a pass)
        Work full = new Work(colour, labels, width, height, n, spatialWeight, reachY, reachX);
        int coarse = maxIterations - 1 - options.earlyPasses() - options.finePasses();
        boolean settled = false;
        // half size only for coarse seed grids (measured: step 45 keeps recall >= 0.91 against skimage, step 23 drops to 0.88)
        if (options.halfSize() && coarse > 0 && width >= 64 && height >= 64 && step >= MIN_HALF_SIZE_STEP) {
            int early = fullSizePasses(full, options.earlyPasses(), converged, true);
            iterations += early;
            settled = early < options.earlyPasses();
            if (!settled) {
                iterations += halfSizePasses(colour, labels, width, height, n, spatialWeight, reachY, reachX, coarse,
                        options.convergedFraction());
            }
        }
        if (!settled) {
            iterations += fullSizePasses(full, maxIterations - iterations, converged, iterations == 1);
        }
        double segmentSize = (double) size / n;
        int segments = Slic.enforceConnectivity(labels, width, height, (int) (minSizeFactor * segmentSize),
                (int) (maxSizeFactor * segmentSize));
        return new Slic.Segmentation(width, height, labels, segments, n, iterations);
    }

    /**
     * Up to {@code passes} full-size passes from the current labels, stopping after one that
     * relabels at most {@code converged} pixels; returns the passes run. Right after the seeds
     * ({@code afterSeeds}) the first of them runs pixel by pixel ({@link Work#assignNearestFirst}).
     */
    private static int fullSizePasses(Work w, int passes, long converged, boolean afterSeeds) {
        if (passes <= 0) return 0;
        w.sumAllTiles();
        for (int pass = 1; pass <= passes; pass++) {
            w.updateCentres();
            long changed;
            if (afterSeeds && pass == 1) {
                changed = w.assignNearestFirst();
            } else {
                w.bound();
                w.search();
                changed = w.finishPass();
            }
            if (changed <= converged) return pass;
        }
        return passes;
    }

    /** Up to {@code passes} passes on every other pixel of every other row, then the labels expanded back; returns the passes run. */
    private static int halfSizePasses(float[] colour, int[] labels, int width, int height, int n, float spatialWeight,
                                      int reachY, int reachX, int passes, double convergedFraction) {
        int hw = (width + 1) / 2, hh = (height + 1) / 2;
        float[] small = new float[hw * hh];
        int[] smallLabels = new int[hw * hh];
        for (int y = 0; y < hh; y++) {
            for (int x = 0; x < hw; x++) {
                int i = 2 * y * width + 2 * x;
                small[y * hw + x] = colour[i];
                smallLabels[y * hw + x] = labels[i];
            }
        }
        // half-size pixel units: the spatial term keeps its full-size value
        Work c = new Work(small, smallLabels, hw, hh, n, 4 * spatialWeight, reachY / 2, reachX / 2);
        c.sumAllTiles();
        long settled = (long) Math.floor(convergedFraction * hw * hh);
        int done = 0;
        while (done < passes) {
            c.updateCentres();
            c.bound();
            c.search();
            done++;
            if (c.finishPass() <= settled) break; // converged at half size: on to the full-size passes
        }
        for (int y = 0; y < height; y++) {
            for (int x = 0, row = (y / 2) * hw; x < width; x++) labels[y * width + x] = smallLabels[row + x / 2];
        }
        return done;
    }

    /**
     * State of one segmentation. Pixels are grouped in 4x4 tiles and 16x16 super-tiles. A tile
     * whose pixels all belong to one centre ("owned") is handled in O(1) wherever possible: its
     * largest distance is bounded from its colour range and corners instead of computed per pixel
     * (the pixel distances are computed lazily, only if another centre might win one of them).
     */
    private static final class Work {
        final float[] colour;
        /** The colour in the sums' fixed point, converted once. */
        final long[] fixedColour;
        final int[] labels, previous;
        final float[] distance;
        final int width, height, n, reachY, reachX, tilesX, tilesY, superX, superY;
        final float spatialWeight;
        // centres
        final float[] cy, cx, cl;
        final boolean[] dead;
        /** Exact integer sums (colour in fixed point), so updating them from the changed pixels is order-free. */
        final long[] count, sumY, sumX, sumL;
        final int[] wy0, wy1, wx0, wx1;
        // tiles
        final float[] colourMin, colourMax, max, superMax, superColourMin, superColourMax;
        /** uniform[t]: the one label of all of tile t's pixels, or -1; owner[t]: the same if its centre's window holds the tile. */
        final int[] uniform, owner, superOwner, dirtyTiles;
        final boolean[] seeded, dirty;
        int dirtyCount;

        Work(float[] colour, int[] labels, int width, int height, int n, float spatialWeight, int reachY, int reachX) {
            this.colour = colour;
            this.labels = labels;
            this.width = width;
            this.height = height;
            this.n = n;
            this.spatialWeight = spatialWeight;
            this.reachY = reachY;
            this.reachX = reachX;
            previous = new int[labels.length];
            distance = new float[labels.length];
            cy = new float[n];
            cx = new float[n];
            cl = new float[n];
            dead = new boolean[n];
            sumY = new long[n];
            sumX = new long[n];
            sumL = new long[n];
            count = new long[n];
            wy0 = new int[n];
            wy1 = new int[n];
            wx0 = new int[n];
            wx1 = new int[n];
            tilesX = (width + TILE - 1) / TILE;
            tilesY = (height + TILE - 1) / TILE;
            superX = (tilesX + SUPER - 1) / SUPER;
            superY = (tilesY + SUPER - 1) / SUPER;
            int tiles = tilesX * tilesY, supers = superX * superY;
            colourMin = new float[tiles];
            colourMax = new float[tiles];
            max = new float[tiles];
            uniform = new int[tiles];
            owner = new int[tiles];
            dirtyTiles = new int[tiles];
            seeded = new boolean[tiles];
            dirty = new boolean[tiles];
            superMax = new float[supers];
            superOwner = new int[supers];
            superColourMin = new float[supers];
            superColourMax = new float[supers];
            Arrays.fill(superColourMin, Float.POSITIVE_INFINITY);
            Arrays.fill(superColourMax, Float.NEGATIVE_INFINITY);
            // row by row (sequential memory access), each row adding to its tiles; min/max on ordered
            // integer keys of the floats run without branches (noisy CT defeats branch prediction)
            fixedColour = new long[colour.length];
            int[] lowBits = new int[tiles], highBits = new int[tiles];
            Arrays.fill(lowBits, Integer.MAX_VALUE);
            Arrays.fill(highBits, Integer.MIN_VALUE);
            for (int y = 0; y < height; y++) {
                int base = (y / TILE) * tilesX;
                for (int tx = 0, x = 0; tx < tilesX; tx++, x += TILE) {
                    int lo = lowBits[base + tx], hi = highBits[base + tx];
                    for (int i = y * width + x, e = y * width + Math.min(width, x + TILE); i < e; i++) {
                        float v = colour[i];
                        int bits = orderedKey(Float.floatToRawIntBits(v));
                        lo = Math.min(lo, bits);
                        hi = Math.max(hi, bits);
                        fixedColour[i] = fixed(v);
                    }
                    lowBits[base + tx] = lo;
                    highBits[base + tx] = hi;
                }
            }
            for (int t = 0; t < tiles; t++) {
                colourMin[t] = Float.intBitsToFloat(orderedKey(lowBits[t]));
                colourMax[t] = Float.intBitsToFloat(orderedKey(highBits[t]));
            }
            for (int t = 0; t < tiles; t++) {
                int st = (t / tilesX / SUPER) * superX + (t % tilesX) / SUPER;
                superColourMin[st] = Math.min(superColourMin[st], colourMin[t]);
                superColourMax[st] = Math.max(superColourMax[st], colourMax[t]);
            }
        }

        private static long fixed(float v) {
            return (long) (v * FIXED);
        }

        /** Centre sums (run by run along the rows) and tile labels from the current labels. */
        void sumAllTiles() {
            Arrays.fill(count, 0);
            Arrays.fill(sumY, 0);
            Arrays.fill(sumX, 0);
            Arrays.fill(sumL, 0);
            for (int y = 0; y < height; y++) {
                int row = y * width;
                for (int x = 0; x < width; ) {
                    int k = labels[row + x];
                    long l = 0;
                    int end = x;
                    while (end < width && labels[row + end] == k) {
                        l += fixedColour[row + end];
                        end++;
                    }
                    long len = end - x;
                    count[k] += len;
                    sumY[k] += len * y;
                    sumX[k] += (x + end - 1) * len / 2;
                    sumL[k] += l;
                    x = end;
                }
            }
            for (int t = 0, tiles = tilesX * tilesY; t < tiles; t++) uniform[t] = uniformLabel(t);
        }

        /** The label all of a tile's pixels carry, or -1. */
        private int uniformLabel(int t) {
            int ty = t / tilesX, tx = t - ty * tilesX;
            int y0 = ty * TILE, y1 = Math.min(height, y0 + TILE), x0 = tx * TILE, x1 = Math.min(width, x0 + TILE);
            int first = labels[y0 * width + x0];
            for (int y = y0; y < y1; y++) {
                for (int i = y * width + x0, e = y * width + x1; i < e; i++) {
                    if (labels[i] != first) return -1;
                }
            }
            return first;
        }

        void updateCentres() {
            for (int k = 0; k < n; k++) {
                if (count[k] == 0) {
                    dead[k] = true; // like skimage's NaN centre: never wins a pixel again
                    continue;
                }
                double c = count[k];
                cy[k] = (float) (sumY[k] / c);
                cx[k] = (float) (sumX[k] / c);
                cl[k] = (float) (sumL[k] / FIXED / c);
                // skimage: <Py_ssize_t>max(c - 2*step, 0) and <Py_ssize_t>min(c + 2*step + 1, size)
                wy0[k] = (int) Math.max(cy[k] - reachY, 0);
                wy1[k] = (int) Math.min(cy[k] + reachY + 1, height);
                wx0[k] = (int) Math.max(cx[k] - reachX, 0);
                wx1[k] = (int) Math.min(cx[k] + reachX + 1, width);
            }
        }

        /**
         * Upper bounds of every pixel's current distance, per tile and super-tile: for an owned tile
         * inside its centre's window, from the tile's corners and colour range (no pixel touched);
         * otherwise each pixel's distance to its current centre is computed.
         */
        void bound() {
            Arrays.fill(superMax, 0);
            Arrays.fill(superOwner, Integer.MIN_VALUE);
            for (int ty = 0; ty < tilesY; ty++) {
                int y0 = ty * TILE, y1 = Math.min(height, y0 + TILE);
                for (int tx = 0; tx < tilesX; tx++) {
                    int x0 = tx * TILE, x1 = Math.min(width, x0 + TILE);
                    int t = ty * tilesX + tx;
                    int k = uniform[t];
                    float m;
                    if (k >= 0 && y0 >= wy0[k] && y1 <= wy1[k] && x0 >= wx0[k] && x1 <= wx1[k]) {
                        float fy = Math.max(Math.abs(cy[k] - y0), Math.abs(cy[k] - (y1 - 1)));
                        float fx = Math.max(Math.abs(cx[k] - x0), Math.abs(cx[k] - (x1 - 1)));
                        float fc = Math.max(Math.abs(cl[k] - colourMin[t]), Math.abs(cl[k] - colourMax[t]));
                        m = ((fy * fy + fx * fx) * spatialWeight + fc * fc) * (1 + 1e-5f);
                        seeded[t] = false;
                        owner[t] = k;
                    } else {
                        owner[t] = -1; // its pixels are out of their centre's reach: every window centre competes
                        m = seed(t);
                    }
                    max[t] = m;
                    int st = (ty / SUPER) * superX + tx / SUPER;
                    superMax[st] = Math.max(superMax[st], m);
                    int o = superOwner[st];
                    superOwner[st] = o == Integer.MIN_VALUE ? owner[t] : (o == owner[t] ? o : -1);
                }
            }
        }

        /** Each pixel's distance to its current centre (MAX_VALUE out of its window); returns the largest. */
        private float seed(int t) {
            int ty = t / tilesX, tx = t - ty * tilesX;
            int y0 = ty * TILE, y1 = Math.min(height, y0 + TILE), x0 = tx * TILE, x1 = Math.min(width, x0 + TILE);
            float m = 0;
            for (int y = y0; y < y1; y++) {
                for (int x = x0, i = y * width + x0; x < x1; x++, i++) {
                    int p = labels[i];
                    float d;
                    if (!dead[p] && y >= wy0[p] && y < wy1[p] && x >= wx0[p] && x < wx1[p]) {
                        float dy = cy[p] - y, dx = cx[p] - x, dl = colour[i] - cl[p];
                        d = (dy * dy + dx * dx) * spatialWeight + dl * dl;
                    } else {
                        d = Float.MAX_VALUE; // skimage keeps the old label unless a window centre takes it
                    }
                    distance[i] = d;
                    m = d > m ? d : m;
                }
            }
            seeded[t] = true;
            return m;
        }

        /**
         * Each centre visits its window, skipping super-tiles and tiles it owns or where a lower
         * bound of its distance (spatial gap + colour gap) exceeds the tile's upper bound; a pixel
         * moves only on a strictly smaller distance (a tie keeps the current label).
         */
        void search() {
            int side = TILE * SUPER;
            for (int k = 0; k < n; k++) {
                if (dead[k]) continue;
                float ky = cy[k], kx = cx[k], kl = cl[k];
                int y0 = wy0[k], y1 = wy1[k], x0 = wx0[k], x1 = wx1[k];
                for (int sy = y0 / side, syEnd = (y1 - 1) / side; sy <= syEnd; sy++) {
                    int sy0 = Math.max(y0, sy * side), sy1 = Math.min(y1, sy * side + side);
                    float gys = gap(ky, sy0, sy1);
                    for (int sx = x0 / side, sxEnd = (x1 - 1) / side; sx <= sxEnd; sx++) {
                        int st = sy * superX + sx;
                        if (superOwner[st] == k) continue;
                        int sx0 = Math.max(x0, sx * side), sx1 = Math.min(x1, sx * side + side);
                        float gxs = gap(kx, sx0, sx1);
                        float gcs = colourGap(kl, superColourMin[st], superColourMax[st]);
                        if ((gys * gys + gxs * gxs) * spatialWeight + gcs * gcs > superMax[st]) continue;
                        for (int ty = sy0 / TILE, tyEnd = (sy1 - 1) / TILE; ty <= tyEnd; ty++) {
                            int ry0 = Math.max(sy0, ty * TILE), ry1 = Math.min(sy1, ty * TILE + TILE);
                            float gy = gap(ky, ry0, ry1);
                            for (int tx = sx0 / TILE, txEnd = (sx1 - 1) / TILE; tx <= txEnd; tx++) {
                                int t = ty * tilesX + tx;
                                if (owner[t] == k) continue;
                                int rx0 = Math.max(sx0, tx * TILE), rx1 = Math.min(sx1, tx * TILE + TILE);
                                float gx = gap(kx, rx0, rx1);
                                float gc = colourGap(kl, colourMin[t], colourMax[t]);
                                float lower = (gy * gy + gx * gx) * spatialWeight + gc * gc;
                                if (lower > max[t]) continue;
                                if (!seeded[t]) {
                                    max[t] = seed(t); // the exact largest distance is often much tighter
                                    if (lower > max[t]) continue;
                                }
                                boolean moved = false;
                                for (int y = ry0; y < ry1; y++) {
                                    float dy = ky - y;
                                    float dy2 = dy * dy;
                                    for (int x = rx0, i = y * width + rx0; x < rx1; x++, i++) {
                                        float dx = kx - x;
                                        float dl = colour[i] - kl;
                                        float d = (dy2 + dx * dx) * spatialWeight + dl * dl;
                                        if (d < distance[i]) {
                                            if (!moved && !dirty[t]) keepPrevious(t);
                                            moved = true;
                                            distance[i] = d;
                                            labels[i] = k;
                                        }
                                    }
                                }
                                if (moved && !dirty[t]) {
                                    dirty[t] = true;
                                    dirtyTiles[dirtyCount++] = t;
                                    owner[t] = -1;
                                }
                            }
                        }
                    }
                }
            }
        }

        /**
         * One pass pixel by pixel, for the pass right after the seeds, where most tiles change hands
         * and the tile bounds of {@link #search} prune little: each pixel starts from its own centre
         * and tries its block's candidate centres nearest first, stopping once the spatial gap alone
         * exceeds the best distance (lower index wins ties); sums moved pixel by pixel, tile labels from scratch.
         */
        long assignNearestFirst() {
            int blocksX = (width + BLOCK - 1) / BLOCK, blocksY = (height + BLOCK - 1) / BLOCK, blocks = blocksX * blocksY;
            int[] start = new int[blocks + 1];
            for (int k = 0; k < n; k++) {
                if (dead[k]) continue;
                for (int by = wy0[k] / BLOCK, byEnd = (wy1[k] - 1) / BLOCK; by <= byEnd; by++) {
                    for (int bx = wx0[k] / BLOCK, bxEnd = (wx1[k] - 1) / BLOCK; bx <= bxEnd; bx++) start[by * blocksX + bx + 1]++;
                }
            }
            for (int b = 0; b < blocks; b++) start[b + 1] += start[b];
            int[] fill = Arrays.copyOf(start, blocks);
            int[] centre = new int[start[blocks]];
            float[] lowest = new float[start[blocks]];
            // whether the centre's window leaves out part of the block (only then a pixel needs the window test)
            boolean[] partial = new boolean[start[blocks]];
            // the centres' coordinates and colour copied per entry: a block's candidates are then read in sequence
            float[] ey = new float[start[blocks]], ex = new float[start[blocks]], el = new float[start[blocks]];
            for (int k = 0; k < n; k++) {
                if (dead[k]) continue;
                for (int by = wy0[k] / BLOCK, byEnd = (wy1[k] - 1) / BLOCK; by <= byEnd; by++) {
                    float gy = gap(cy[k], Math.max(wy0[k], by * BLOCK), Math.min(wy1[k], by * BLOCK + BLOCK));
                    for (int bx = wx0[k] / BLOCK, bxEnd = (wx1[k] - 1) / BLOCK; bx <= bxEnd; bx++) {
                        float gx = gap(cx[k], Math.max(wx0[k], bx * BLOCK), Math.min(wx1[k], bx * BLOCK + BLOCK));
                        int e = fill[by * blocksX + bx]++;
                        centre[e] = k;
                        lowest[e] = (gy * gy + gx * gx) * spatialWeight;
                        partial[e] = wy0[k] > by * BLOCK || wy1[k] < Math.min(height, by * BLOCK + BLOCK)
                                || wx0[k] > bx * BLOCK || wx1[k] < Math.min(width, bx * BLOCK + BLOCK);
                    }
                }
            }
            for (int b = 0; b < blocks; b++) { // insertion sort by spatial lower bound
                for (int i = start[b] + 1; i < start[b + 1]; i++) {
                    float g = lowest[i];
                    int k = centre[i], j = i - 1;
                    boolean part = partial[i];
                    for (; j >= start[b] && lowest[j] > g; j--) {
                        lowest[j + 1] = lowest[j];
                        centre[j + 1] = centre[j];
                        partial[j + 1] = partial[j];
                    }
                    lowest[j + 1] = g;
                    centre[j + 1] = k;
                    partial[j + 1] = part;
                }
            }
            for (int e = 0; e < centre.length; e++) {
                ey[e] = cy[centre[e]];
                ex[e] = cx[centre[e]];
                el[e] = cl[centre[e]];
            }
            long changed = 0;
            for (int by = 0; by < blocksY; by++) {
                int y0 = by * BLOCK, y1 = Math.min(height, y0 + BLOCK);
                for (int bx = 0; bx < blocksX; bx++) {
                    int x0 = bx * BLOCK, x1 = Math.min(width, x0 + BLOCK), b = by * blocksX + bx, e0 = start[b], e1 = start[b + 1];
                    for (int y = y0; y < y1; y++) {
                        for (int x = x0, i = y * width + x0; x < x1; x++, i++) {
                            int own = labels[i], bestK = -1;
                            float v = colour[i], best = Float.POSITIVE_INFINITY;
                            if (!dead[own] && y >= wy0[own] && y < wy1[own] && x >= wx0[own] && x < wx1[own]) {
                                float dy = cy[own] - y, dx = cx[own] - x, dl = v - cl[own];
                                best = (dy * dy + dx * dx) * spatialWeight + dl * dl;
                                bestK = own;
                            }
                            for (int e = e0; e < e1 && lowest[e] <= best; e++) {
                                int k = centre[e];
                                if (k == own || (partial[e] && (y < wy0[k] || y >= wy1[k] || x < wx0[k] || x >= wx1[k]))) continue;
                                float dy = ey[e] - y, dx = ex[e] - x, dl = v - el[e];
                                float d = (dy * dy + dx * dx) * spatialWeight + dl * dl;
                                if (d < best || (d == best && k < bestK)) {
                                    best = d;
                                    bestK = k;
                                }
                            }
                            if (bestK >= 0 && bestK != own) { // bestK < 0: outside every window, skimage keeps the label
                                labels[i] = bestK;
                                changed++;
                                move(i, y, x, own, bestK);
                            }
                        }
                    }
                }
            }
            for (int t = 0, tiles = tilesX * tilesY; t < tiles; t++) uniform[t] = uniformLabel(t);
            return changed;
        }

        /** Moves pixel {@code i} at (y, x) from centre {@code from}'s sums to centre {@code to}'s. */
        private void move(int i, int y, int x, int from, int to) {
            long v = fixedColour[i];
            count[from]--;
            sumY[from] -= y;
            sumX[from] -= x;
            sumL[from] -= v;
            count[to]++;
            sumY[to] += y;
            sumX[to] += x;
            sumL[to] += v;
        }

        /** Saves a tile's labels before its first change in this pass. */
        private void keepPrevious(int t) {
            int ty = t / tilesX, tx = t - ty * tilesX;
            int y0 = ty * TILE, y1 = Math.min(height, y0 + TILE), x0 = tx * TILE, x1 = Math.min(width, x0 + TILE);
            for (int y = y0; y < y1; y++) {
                System.arraycopy(labels, y * width + x0, previous, y * width + x0, x1 - x0);
            }
        }

        /** Moves the pixels that changed label between the centre sums, re-labels their tiles; returns how many changed. */
        long finishPass() {
            long changed = 0;
            for (int d = 0; d < dirtyCount; d++) {
                int t = dirtyTiles[d];
                int ty = t / tilesX, tx = t - ty * tilesX;
                int y0 = ty * TILE, y1 = Math.min(height, y0 + TILE), x0 = tx * TILE, x1 = Math.min(width, x0 + TILE);
                for (int y = y0; y < y1; y++) {
                    for (int x = x0, i = y * width + x0; x < x1; x++, i++) {
                        int k = labels[i], p = previous[i];
                        if (k == p) continue;
                        changed++;
                        move(i, y, x, p, k);
                    }
                }
                dirty[t] = false;
                uniform[t] = uniformLabel(t);
            }
            dirtyCount = 0;
            return changed;
        }
    }

    /** A float's bits as an int that orders like the float (its own inverse); no NaN here. */
    private static int orderedKey(int bits) {
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    private static float gap(float c, int lo, int hi) {
        return c < lo ? lo - c : (c > hi - 1 ? c - (hi - 1) : 0);
    }

    private static float colourGap(float c, float lo, float hi) {
        return c < lo ? lo - c : (c > hi ? c - hi : 0);
    }
}
