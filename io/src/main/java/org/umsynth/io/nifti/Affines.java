package org.umsynth.io.nifti;

/** 4x4 affine helpers (row-major double[4][4]) and the NIfTI quaternion conversions. */
final class Affines {
    private Affines() {
    }

    static void requireAffine(double[][] a) {
        if (a.length < 3) {
            throw new IllegalArgumentException("affine needs at least 3 rows of 4");
        }
        for (int r = 0; r < 3; r++) {
            if (a[r].length != 4) {
                throw new IllegalArgumentException("affine row " + r + " has " + a[r].length + " entries, expected 4");
            }
            for (double v : a[r]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("affine has a non-finite entry");
                }
            }
        }
    }

    static double[] columnNorms(double[][] a) {
        double[] n = new double[3];
        for (int c = 0; c < 3; c++) {
            n[c] = Math.sqrt(a[0][c] * a[0][c] + a[1][c] * a[1][c] + a[2][c] * a[2][c]);
        }
        return n;
    }

    static double det3(double[][] m) {
        return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
                - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
                + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    }

    /**
     * The qform of the standard (nifti1_io.c nifti_quatern_to_mat44): rotation from quaternion
     * (a derived from b, c, d), columns scaled by dx, dy, qfac*dz, then the offset.
     */
    static double[][] fromQuaternion(double b, double c, double d, double qx, double qy, double qz,
                                     double dx, double dy, double dz, double qfac) {
        double a = 1.0 - (b * b + c * c + d * d);
        if (a < 1e-7) {
            // b,c,d describe a 180-degree rotation (possibly slightly over-length): renormalise
            double s = 1.0 / Math.sqrt(b * b + c * c + d * d);
            b *= s;
            c *= s;
            d *= s;
            a = 0;
        } else {
            a = Math.sqrt(a);
        }
        double[][] r = {
                {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
        double[] scale = {dx, dy, dz * qfac};
        double[] offset = {qx, qy, qz};
        double[][] m = new double[4][4];
        for (int row = 0; row < 3; row++) {
            for (int col = 0; col < 3; col++) {
                m[row][col] = r[row][col] * scale[col];
            }
            m[row][3] = offset[row];
        }
        m[3][3] = 1;
        return m;
    }

    /**
     * Quaternion (b, c, d) and qfac of the rotation part of the affine (nifti_mat44_to_quatern):
     * columns normalised and orthogonalised (Gram-Schmidt); a left-handed frame gets qfac -1 and
     * its third column negated.
     */
    static double[] toQuaternion(double[][] affine) {
        double[][] col = new double[3][3];
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < 3; r++) {
                col[c][r] = affine[r][c];
            }
        }
        normalise(col[0]);
        subtractProjection(col[1], col[0]);
        normalise(col[1]);
        subtractProjection(col[2], col[0]);
        subtractProjection(col[2], col[1]);
        normalise(col[2]);
        double[][] m = new double[3][3];
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < 3; r++) {
                m[r][c] = col[c][r];
            }
        }
        double qfac = 1;
        if (det3(m) < 0) {
            qfac = -1;
            for (int r = 0; r < 3; r++) {
                m[r][2] = -m[r][2];
            }
        }
        double r11 = m[0][0], r12 = m[0][1], r13 = m[0][2];
        double r21 = m[1][0], r22 = m[1][1], r23 = m[1][2];
        double r31 = m[2][0], r32 = m[2][1], r33 = m[2][2];
        double a = r11 + r22 + r33 + 1.0;
        double b;
        double c;
        double d;
        if (a > 0.5) {
            a = 0.5 * Math.sqrt(a);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        } else {
            double xd = 1.0 + r11 - (r22 + r33);
            double yd = 1.0 + r22 - (r11 + r33);
            double zd = 1.0 + r33 - (r11 + r22);
            if (xd > 1.0) {
                b = 0.5 * Math.sqrt(xd);
                c = 0.25 * (r12 + r21) / b;
                d = 0.25 * (r13 + r31) / b;
                a = 0.25 * (r32 - r23) / b;
            } else if (yd > 1.0) {
                c = 0.5 * Math.sqrt(yd);
                b = 0.25 * (r12 + r21) / c;
                d = 0.25 * (r23 + r32) / c;
                a = 0.25 * (r13 - r31) / c;
            } else {
                d = 0.5 * Math.sqrt(zd);
                b = 0.25 * (r13 + r31) / d;
                c = 0.25 * (r23 + r32) / d;
                a = 0.25 * (r21 - r12) / d;
            }
            if (a < 0) {
                b = -b;
                c = -c;
                d = -d;
            }
        }
        return new double[] {b, c, d, qfac};
    }

    private static void normalise(double[] v) {
        double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        if (!(n > 0)) {
            throw new IllegalArgumentException("affine has a zero column: no orientation for that axis");
        }
        for (int i = 0; i < 3; i++) {
            v[i] /= n;
        }
    }

    private static void subtractProjection(double[] v, double[] unit) {
        double dot = v[0] * unit[0] + v[1] * unit[1] + v[2] * unit[2];
        for (int i = 0; i < 3; i++) {
            v[i] -= dot * unit[i];
        }
    }
}
