package org.umsynth.model.metrics;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLeft;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas.CblasRight;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpotrf;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dsymm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyr2k;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;
import static org.bytedeco.openblas.global.openblas.cblas_dtrmm;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * bench/metrics: which OpenBLAS kernels of the bundled build compute right on this CPU. Each BLAS-3
 * routine the Frechet distance could use, against a plain Java product (column-major, relative max
 * error; right is ~1e-15). Run with and without {@code OPENBLAS_CORETYPE=Haswell} to compare.
 * Usage: BlasKernelCheckMain [m] [k]
 */
public final class BlasKernelCheckMain {
    public static void main(String[] args) {
        int m = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 48;
        SplittableRandom rnd = new SplittableRandom(5);
        double[] a = gaussian(m * m, rnd), v = gaussian(m * k, rnd), x = gaussian(m * k, rnd), t = gaussian(k * k, rnd);
        // dgemm NN / TN / NT
        double[] c = new double[m * k];
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, k, m, 1.0, a, m, v, m, 0.0, c, m);
        report("dgemm NN", c, product(m, k, m, (i, j) -> a[j * m + i], (i, j) -> v[j * m + i]));
        double[] g = new double[k * k];
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, m, 1.0, v, m, x, m, 0.0, g, k);
        report("dgemm TN", g, product(k, k, m, (i, j) -> v[i * m + j], (i, j) -> x[j * m + i]));
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m, k, k, 1.0, v, m, t, k, 0.0, c, m);
        report("dgemm NT", c, product(m, k, k, (i, j) -> v[j * m + i], (i, j) -> t[i * k + j]));
        // dsymm Left Lower: A symmetric from its lower triangle
        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, m, k, 1.0, a, m, v, m, 0.0, c, m);
        report("dsymm LL", c, product(m, k, m, (i, j) -> i >= j ? a[j * m + i] : a[i * m + j], (i, j) -> v[j * m + i]));
        // dtrmm Right Upper NoTrans: X T
        double[] xt = x.clone();
        cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, m, k, 1.0, t, k, xt, m);
        report("dtrmm RUN", xt, product(m, k, k, (i, j) -> x[j * m + i], (i, j) -> i <= j ? t[j * k + i] : 0.0));
        // dsyrk / dsyr2k Lower NoTrans (lower triangles compared; the rest is unreferenced)
        double[] s = a.clone();
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, m, k, 1.0, v, m, 0.0, s, m);
        report("dsyrk LN", lower(s, m), lower(product(m, m, k, (i, j) -> v[j * m + i], (i, j) -> v[i * m + j]), m));
        double[] s2 = a.clone();
        cblas_dsyr2k(CblasColMajor, CblasLower, CblasNoTrans, m, k, 1.0, v, m, x, m, 0.0, s2, m);
        double[] vx = product(m, m, k, (i, j) -> v[j * m + i], (i, j) -> x[i * m + j]);
        double[] sym = new double[m * m];
        for (int j = 0; j < m; j++) {
            for (int i = 0; i < m; i++) {
                sym[j * m + i] = vx[j * m + i] + vx[i * m + j];
            }
        }
        report("dsyr2k LN", lower(s2, m), lower(sym, m));
        // dpotrf of V V^T + m I, residual of L L^T
        double[] spd = product(m, m, k, (i, j) -> v[j * m + i], (i, j) -> v[i * m + j]);
        for (int i = 0; i < m; i++) {
            spd[i * m + i] += m;
        }
        double[] l = spd.clone();
        int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, (byte) 'L', m, l, m);
        double[] lt = lower(l, m);
        report("dpotrf L (info " + info + ")", lower(product(m, m, m, (i, j) -> lt[j * m + i], (i, j) -> lt[i * m + j]), m), lower(spd, m));
    }

    interface Entry {
        double at(int i, int j);
    }

    private static double[] product(int rows, int cols, int inner, Entry left, Entry right) {
        double[] out = new double[rows * cols];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                double acc = 0;
                for (int l = 0; l < inner; l++) {
                    acc += left.at(i, l) * right.at(l, j);
                }
                out[j * rows + i] = acc;
            }
        }
        return out;
    }

    private static double[] lower(double[] a, int m) {
        double[] out = new double[m * m];
        for (int j = 0; j < m; j++) {
            for (int i = j; i < m; i++) {
                out[j * m + i] = a[j * m + i];
            }
        }
        return out;
    }

    private static double[] gaussian(int n, SplittableRandom rnd) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextGaussian();
        }
        return out;
    }

    private static void report(String name, double[] got, double[] expected) {
        double err = 0, scale = 0;
        for (int i = 0; i < got.length; i++) {
            err = Math.max(err, Math.abs(got[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        double relative = err / scale;
        System.out.printf(Locale.ROOT, "%-22s relative max error %.1e  %s%n", name, relative, relative < 1e-12 ? "ok" : "WRONG");
    }
}
