package org.umsynth.model.phantom;

/**
 * A tapered tube between two points (mm): radius {@code ra} at {@code a}, {@code rb} at {@code b}.
 * Vessels, airways, ribs and great vessels are chains of these.
 */
record Capsule(double ax, double ay, double az, double bx, double by, double bz, double ra, double rb, int depth) {

    static Capsule of(double[] a, double[] b, double ra, double rb, int depth) {
        return new Capsule(a[0], a[1], a[2], b[0], b[1], b[2], ra, rb, depth);
    }

    double maxRadius() {
        return Math.max(ra, rb);
    }

    double zMin() {
        return Math.min(az, bz) - maxRadius();
    }

    double zMax() {
        return Math.max(az, bz) + maxRadius();
    }

    /** Receives the pixels near a capsule: pixel index, distance to the axis (mm), local radius (mm). */
    @FunctionalInterface
    interface PixelVisitor {
        void visit(int index, double distance, double radius);
    }

    /**
     * Visits every pixel of the plane z = {@code planeZ} whose centre lies within {@code radius + pad}
     * of the axis. Only the part of the axis that can reach the plane is scanned.
     */
    void rasterize(SliceGrid grid, double planeZ, double pad, PixelVisitor visitor) {
        double reach = maxRadius() + pad;
        double dz = bz - az;
        double t0;
        double t1;
        if (Math.abs(dz) < 1e-9) {
            if (Math.abs(planeZ - az) > reach) {
                return;
            }
            t0 = 0;
            t1 = 1;
        } else {
            double u = (planeZ - reach - az) / dz;
            double v = (planeZ + reach - az) / dz;
            t0 = Math.max(0, Math.min(u, v));
            t1 = Math.min(1, Math.max(u, v));
            if (t0 > t1) {
                return;
            }
        }
        double x0 = ax + (bx - ax) * t0;
        double x1 = ax + (bx - ax) * t1;
        double y0 = ay + (by - ay) * t0;
        double y1 = ay + (by - ay) * t1;
        int colMin = grid.colFloor(Math.min(x0, x1) - reach);
        int colMax = grid.colCeil(Math.max(x0, x1) + reach);
        int rowMin = grid.rowFloor(Math.min(y0, y1) - reach);
        int rowMax = grid.rowCeil(Math.max(y0, y1) + reach);
        if (colMin > colMax || rowMin > rowMax) {
            return;
        }
        double ex = bx - ax;
        double ey = by - ay;
        double ez = dz;
        double len2 = ex * ex + ey * ey + ez * ez;
        double pz = planeZ - az;
        for (int row = rowMin; row <= rowMax; row++) {
            double py = grid.y(row) - ay;
            int base = row * grid.cols();
            for (int col = colMin; col <= colMax; col++) {
                double px = grid.x(col) - ax;
                double t = len2 > 0 ? (px * ex + py * ey + pz * ez) / len2 : 0;
                t = t < 0 ? 0 : (t > 1 ? 1 : t);
                double qx = px - t * ex;
                double qy = py - t * ey;
                double qz = pz - t * ez;
                double radius = ra + (rb - ra) * t;
                double d2 = qx * qx + qy * qy + qz * qz;
                double limit = radius + pad;
                if (d2 < limit * limit) {
                    visitor.visit(base + col, Math.sqrt(d2), radius);
                }
            }
        }
    }

    /** Distance (mm) from a point to the axis minus the local radius: negative inside. */
    double signedDistance(double x, double y, double z) {
        double ex = bx - ax;
        double ey = by - ay;
        double ez = bz - az;
        double px = x - ax;
        double py = y - ay;
        double pz = z - az;
        double len2 = ex * ex + ey * ey + ez * ez;
        double t = len2 > 0 ? (px * ex + py * ey + pz * ez) / len2 : 0;
        t = t < 0 ? 0 : (t > 1 ? 1 : t);
        double qx = px - t * ex;
        double qy = py - t * ey;
        double qz = pz - t * ez;
        return Math.sqrt(qx * qx + qy * qy + qz * qz) - (ra + (rb - ra) * t);
    }
}
