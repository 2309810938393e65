package org.umsynth.model.phantom;

/** Pixel-centre coordinates (mm) of an axial slice, origin at the image centre, y towards posterior. */
final class SliceGrid {
    private final int cols;
    private final int rows;
    private final double spacingX;
    private final double spacingY;
    private final double[] xs;
    private final double[] ys;

    SliceGrid(int cols, int rows, double spacingX, double spacingY) {
        this.cols = cols;
        this.rows = rows;
        this.spacingX = spacingX;
        this.spacingY = spacingY;
        xs = new double[cols];
        ys = new double[rows];
        for (int c = 0; c < cols; c++) {
            xs[c] = (c + 0.5 - cols / 2.0) * spacingX;
        }
        for (int r = 0; r < rows; r++) {
            ys[r] = (r + 0.5 - rows / 2.0) * spacingY;
        }
    }

    int cols() { return cols; }
    int rows() { return rows; }
    double spacingX() { return spacingX; }
    double spacingY() { return spacingY; }
    double x(int col) { return xs[col]; }
    double y(int row) { return ys[row]; }

    /** Continuous column index of an x coordinate (mm). */
    double col(double x) { return x / spacingX + cols / 2.0 - 0.5; }
    double row(double y) { return y / spacingY + rows / 2.0 - 0.5; }

    int colFloor(double x) { return Math.max(0, (int) Math.floor(col(x))); }
    int colCeil(double x) { return Math.min(cols - 1, (int) Math.ceil(col(x))); }
    int rowFloor(double y) { return Math.max(0, (int) Math.floor(row(y))); }
    int rowCeil(double y) { return Math.min(rows - 1, (int) Math.ceil(row(y))); }
}
