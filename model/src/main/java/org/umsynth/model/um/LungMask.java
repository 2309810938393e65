package org.umsynth.model.um;

import org.umsynth.io.volume.Volume;

/**
 * HU-threshold lung mask for unlabelled cases. Per axial slice: air is {@code HU < -400}; air
 * 4-connected to the image border is outside the body (room air, table gaps) and dropped; of the
 * remaining internal air components, the two largest with area at least {@link #MIN_LUNG_AREA_MM2}
 * are kept (the lungs). The area floor drops the trachea (about 2-3 cm^2 in adults), oesophageal
 * air and small bowel gas; large bowel gas in abdominal slices can still pass (then the z-extent
 * is only trimmed by the 10% margins of the slice selection).
 */
public final class LungMask {
    public static final float AIR_HU = -400f;
    public static final double MIN_LUNG_AREA_MM2 = 500.0;
    /** A slice counts as lung when its lung area is at least this share of the largest slice's. */
    public static final double MIN_FRACTION_OF_LARGEST = 0.15;

    private LungMask() {}

    /** Lung mask of one slice ({@code cols x rows}, spacing in mm; non-positive spacing reads as 1 mm). */
    public static boolean[] ofSlice(float[] hu, int cols, int rows, double spacingX, double spacingY) {
        int n = cols * rows;
        if (hu.length != n) throw new IllegalArgumentException("array length " + hu.length + " is not " + cols + "x" + rows);
        double pixelArea = (spacingX > 0 ? spacingX : 1.0) * (spacingY > 0 ? spacingY : 1.0);
        int minPixels = (int) Math.ceil(MIN_LUNG_AREA_MM2 / pixelArea);
        int[] component = new int[n]; // 0 = not air, -1 = outside air, k > 0 internal component k
        int[] queue = new int[n];
        for (int i = 0; i < n; i++) component[i] = hu[i] < AIR_HU ? Integer.MIN_VALUE : 0; // MIN_VALUE: unvisited air
        // outside air: flood from every border air pixel
        int tail = 0;
        for (int x = 0; x < cols; x++) {
            tail = seed(component, queue, tail, x);
            tail = seed(component, queue, tail, (rows - 1) * cols + x);
        }
        for (int y = 0; y < rows; y++) {
            tail = seed(component, queue, tail, y * cols);
            tail = seed(component, queue, tail, y * cols + cols - 1);
        }
        flood(component, queue, 0, tail, cols, rows, -1);
        // internal components, keep the two largest above the area floor
        int label = 0;
        int bestA = 0, bestB = 0, sizeA = 0, sizeB = 0;
        for (int i = 0; i < n; i++) {
            if (component[i] != Integer.MIN_VALUE) continue;
            label++;
            component[i] = label;
            queue[0] = i;
            int size = flood(component, queue, 0, 1, cols, rows, label);
            if (size > sizeA) {
                bestB = bestA; sizeB = sizeA; bestA = label; sizeA = size;
            } else if (size > sizeB) {
                bestB = label; sizeB = size;
            }
        }
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            int c = component[i];
            mask[i] = c > 0 && ((c == bestA && sizeA >= minPixels) || (c == bestB && sizeB >= minPixels));
        }
        return mask;
    }

    /**
     * Slices whose lung area is at least {@link #MIN_FRACTION_OF_LARGEST} of the largest slice's.
     * Gas in the stomach or bowel below the diaphragm passes the per-slice test but is small next to
     * the lungs at mid-chest, so it does not stretch the lung z-extent.
     */
    public static boolean[] substantialLung(double[] lungAreaPerSlice) {
        double largest = 0;
        for (double a : lungAreaPerSlice) {
            largest = Math.max(largest, a);
        }
        boolean[] has = new boolean[lungAreaPerSlice.length];
        for (int z = 0; z < has.length; z++) {
            has[z] = largest > 0 && lungAreaPerSlice[z] >= MIN_FRACTION_OF_LARGEST * largest;
        }
        return has;
    }

    /** Lung area of one slice's mask in mm^2. */
    public static double area(boolean[] mask, double spacingX, double spacingY) {
        long n = 0;
        for (boolean b : mask) {
            if (b) n++;
        }
        return n * (spacingX > 0 ? spacingX : 1.0) * (spacingY > 0 ? spacingY : 1.0);
    }

    /** Per-slice "has lung" of a whole volume ({@link #substantialLung} of the per-slice areas). */
    public static boolean[] slicesWithLung(Volume hu) {
        double[] areas = new double[hu.slices()];
        for (int z = 0; z < hu.slices(); z++) {
            boolean[] m = ofSlice(hu.slice(z), hu.cols(), hu.rows(), hu.spacingX(), hu.spacingY());
            areas[z] = area(m, hu.spacingX(), hu.spacingY());
        }
        return substantialLung(areas);
    }

    private static int seed(int[] component, int[] queue, int tail, int i) {
        if (component[i] == Integer.MIN_VALUE) {
            component[i] = -1;
            queue[tail++] = i;
        }
        return tail;
    }

    /** Breadth-first 4-connected flood of unvisited air from queue[head, tail); returns pixels labelled. */
    private static int flood(int[] component, int[] queue, int head, int tail, int cols, int rows, int label) {
        while (head < tail) {
            int p = queue[head++];
            int y = p / cols, x = p - y * cols;
            if (x + 1 < cols && component[p + 1] == Integer.MIN_VALUE) { component[p + 1] = label; queue[tail++] = p + 1; }
            if (x > 0 && component[p - 1] == Integer.MIN_VALUE) { component[p - 1] = label; queue[tail++] = p - 1; }
            if (y + 1 < rows && component[p + cols] == Integer.MIN_VALUE) { component[p + cols] = label; queue[tail++] = p + cols; }
            if (y > 0 && component[p - cols] == Integer.MIN_VALUE) { component[p - cols] = label; queue[tail++] = p - cols; }
        }
        return tail;
    }
}
