package org.umsynth.io.volume;

import java.util.Arrays;
import java.util.Objects;

/**
 * A 3-D scalar volume in umsynth's canonical axial layout, whatever the file's storage order.
 *
 * <p>Voxel axes follow DICOM's patient LPS convention: x (columns) runs from the patient's right
 * to left, y (rows) from anterior to posterior, z (slices) from inferior to superior. So a slice
 * shown with row 0 at the top is the usual radiological axial view (anterior up, patient's right
 * on the viewer's left), and slice order is feet to head. Voxel (x, y, z) lives at
 * {@code voxels[(z * rows + y) * cols + x]}.
 *
 * <p>Values are physical: Hounsfield units for CT (slope and intercept already applied), class
 * indices for label volumes. Spacing is in millimetres along x, y and z.
 */
public final class Volume {
    private final int cols;
    private final int rows;
    private final int slices;
    private final double spacingX;
    private final double spacingY;
    private final double spacingZ;
    private final float[] voxels;

    public Volume(int cols, int rows, int slices, double spacingX, double spacingY, double spacingZ, float[] voxels) {
        if (cols <= 0 || rows <= 0 || slices <= 0) {
            throw new IllegalArgumentException("non-positive dimensions " + cols + "x" + rows + "x" + slices);
        }
        Objects.requireNonNull(voxels, "voxels");
        if ((long) cols * rows * slices != voxels.length) {
            throw new IllegalArgumentException("voxel count " + voxels.length + " does not match " + cols + "x" + rows + "x" + slices);
        }
        this.cols = cols;
        this.rows = rows;
        this.slices = slices;
        this.spacingX = spacingX;
        this.spacingY = spacingY;
        this.spacingZ = spacingZ;
        this.voxels = voxels;
    }

    public int cols() { return cols; }
    public int rows() { return rows; }
    public int slices() { return slices; }
    public double spacingX() { return spacingX; }
    public double spacingY() { return spacingY; }
    public double spacingZ() { return spacingZ; }

    /** The backing array (not a copy): index {@code (z * rows + y) * cols + x}. */
    public float[] voxels() { return voxels; }

    public int sliceSize() { return cols * rows; }

    public float get(int x, int y, int z) { return voxels[(z * rows + y) * cols + x]; }

    /** A copy of axial slice z, row-major (rows x cols). */
    public float[] slice(int z) {
        int n = sliceSize();
        return Arrays.copyOfRange(voxels, z * n, (z + 1) * n);
    }

    /** True when the other volume has the same voxel grid (dimensions, and spacing within 1e-3 mm). */
    public boolean sameGrid(Volume other) {
        return cols == other.cols && rows == other.rows && slices == other.slices
                && Math.abs(spacingX - other.spacingX) < 1e-3
                && Math.abs(spacingY - other.spacingY) < 1e-3
                && Math.abs(spacingZ - other.spacingZ) < 1e-3;
    }

    @Override
    public String toString() {
        return "Volume[" + cols + "x" + rows + "x" + slices + ", spacing " + spacingX + "x" + spacingY + "x" + spacingZ + " mm]";
    }
}
