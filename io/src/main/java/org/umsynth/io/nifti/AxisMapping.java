package org.umsynth.io.nifti;

import java.util.List;

/**
 * How storage axes (i, j, k) map onto umsynth's canonical LPS axes (x: right to left,
 * y: anterior to posterior, z: inferior to superior): for each storage axis the canonical axis
 * nearest to its direction, whether it runs against it, and the spacing along it.
 */
final class AxisMapping {
    /** Axes within this angle of a canonical axis count as aligned (float rounding is ~1e-5 degrees). */
    static final double OBLIQUE_TOLERANCE_DEGREES = 0.01;

    private static final double ZERO_COLUMN = 1e-9;
    private static final double MIN_ABS_DET = 1e-3;
    private static final char[][] CODES = {{'L', 'R'}, {'P', 'A'}, {'S', 'I'}};

    /** Canonical axis (0 x, 1 y, 2 z) of storage axis s. */
    final int[] canonicalAxis = new int[3];
    /** True when storage axis s runs against its canonical axis. */
    final boolean[] flipped = new boolean[3];
    /** Voxel counts along canonical x, y, z. */
    final int[] canonicalDims = new int[3];
    /** Spacing in mm along canonical x, y, z. */
    final double[] canonicalSpacing = new double[3];
    /** Largest angle between a storage axis and its canonical axis. */
    double obliquityDegrees;
    /** Where each storage axis points, nibabel-style (e.g. "LAS": i toward left, j anterior, k superior). */
    String storageAxisCodes;

    private AxisMapping() {
    }

    /**
     * Maps storage axes onto canonical ones from a voxel-to-RAS affine (mm).
     *
     * @throws IllegalArgumentException with a message for the reader when the affine gives a
     *                                  non-singleton axis no direction or is (nearly) singular
     */
    static AxisMapping fromRasAffine(double[][] ras, int[] storageDims, List<String> warnings) {
        double[][] lpsColumns = new double[3][3];
        double[] spacing = new double[3];
        for (int s = 0; s < 3; s++) {
            // RAS -> LPS: negate the first two world coordinates
            lpsColumns[s][0] = -ras[0][s];
            lpsColumns[s][1] = -ras[1][s];
            lpsColumns[s][2] = ras[2][s];
            for (double v : lpsColumns[s]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("affine has a non-finite entry");
                }
            }
            spacing[s] = norm(lpsColumns[s]);
        }
        for (int s = 0; s < 3; s++) {
            if (spacing[s] > ZERO_COLUMN) {
                continue;
            }
            if (storageDims[s] > 1) {
                throw new IllegalArgumentException("affine gives storage axis " + axisName(s) + " no direction (zero column)");
            }
            // a single-voxel axis (2-D image) may carry no step: take the normal of the other two
            double[] u = lpsColumns[(s + 1) % 3];
            double[] v = lpsColumns[(s + 2) % 3];
            double[] n = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
            if (!(norm(n) > ZERO_COLUMN)) {
                throw new IllegalArgumentException("affine gives more than one storage axis no direction");
            }
            lpsColumns[s] = n;
            spacing[s] = 1.0;
            warnings.add("single-voxel axis " + axisName(s) + " has no spacing in the affine: assumed 1 mm, normal to the image plane");
        }
        double[][] unit = new double[3][3]; // unit[s] = direction of storage axis s in LPS
        for (int s = 0; s < 3; s++) {
            double n = norm(lpsColumns[s]);
            for (int c = 0; c < 3; c++) {
                unit[s][c] = lpsColumns[s][c] / n;
            }
        }
        if (Math.abs(Affines.det3(unit)) < MIN_ABS_DET) {
            throw new IllegalArgumentException("affine is singular: its storage axes are (nearly) parallel");
        }

        AxisMapping m = new AxisMapping();
        boolean[] storageDone = new boolean[3];
        boolean[] canonicalDone = new boolean[3];
        for (int round = 0; round < 3; round++) {
            // greedy: the strongest remaining storage/canonical alignment is assigned first
            int bestS = -1;
            int bestC = -1;
            double best = -1;
            for (int s = 0; s < 3; s++) {
                for (int c = 0; c < 3; c++) {
                    if (!storageDone[s] && !canonicalDone[c] && Math.abs(unit[s][c]) > best) {
                        best = Math.abs(unit[s][c]);
                        bestS = s;
                        bestC = c;
                    }
                }
            }
            storageDone[bestS] = true;
            canonicalDone[bestC] = true;
            m.canonicalAxis[bestS] = bestC;
            m.flipped[bestS] = unit[bestS][bestC] < 0;
        }
        StringBuilder codes = new StringBuilder();
        double maxAngle = 0;
        for (int s = 0; s < 3; s++) {
            int c = m.canonicalAxis[s];
            m.canonicalDims[c] = storageDims[s];
            m.canonicalSpacing[c] = atHeaderPrecision(spacing[s]);
            codes.append(CODES[c][m.flipped[s] ? 1 : 0]);
            double cos = Math.min(1.0, Math.abs(unit[s][c]));
            maxAngle = Math.max(maxAngle, Math.toDegrees(Math.acos(cos)));
        }
        m.storageAxisCodes = codes.toString();
        m.obliquityDegrees = maxAngle;
        return m;
    }

    /**
     * Headers hold float32, so 0.7 arrives as 0.699999988...; the shortest decimal of that float
     * is what the writer meant, and all the precision the header has.
     */
    static double atHeaderPrecision(double spacing) {
        return Double.parseDouble(Float.toString((float) spacing));
    }

    static String axisName(int s) {
        return switch (s) {
            case 0 -> "i";
            case 1 -> "j";
            default -> "k";
        };
    }

    private static double norm(double[] v) {
        return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
}
