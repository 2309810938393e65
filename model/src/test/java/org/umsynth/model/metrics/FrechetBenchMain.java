package org.umsynth.model.metrics;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * bench/metrics: Frechet distance at d = 2048 on moments written for the scipy comparison.
 * Cases: "full" (N = 6000 > d per set) and "deficient" (N = 1000 < d). Features are correlated,
 * non-negative like pooled ReLU features: x = relu(z A + b), z ~ N(0, I).
 * Usage: FrechetBenchMain OUT_DIR [d] [repeats]
 */
public final class FrechetBenchMain {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 2048;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Files.createDirectories(out);
        Nd4j.getRandom().setSeed(42);
        for (String name : new String[]{"full", "deficient"}) {
            int n = name.equals("full") ? 6000 : 1000;
            FeatureMoments a = sample(n, d, 0.0);
            FeatureMoments b = sample(n, d, 0.05);
            write(out.resolve(name + "_mu1.bin"), a.mean());
            write(out.resolve(name + "_s1.bin"), a.covariance());
            write(out.resolve(name + "_mu2.bin"), b.mean());
            write(out.resolve(name + "_s2.bin"), b.covariance());
            double[] mu1 = a.mean(), s1 = a.covariance(), mu2 = b.mean(), s2 = b.covariance();
            FrechetDistance.between(mu1, s1, mu2, s2); // warm-up
            Timed band = timed(mu1, s1, mu2, s2, SymmetricEigenvalues.DEFAULT_BANDWIDTH, repeats);
            Timed oneStage = timed(mu1, s1, mu2, s2, 0, repeats);
            FrechetDistance.Result r = band.result;
            System.out.printf(Locale.ROOT, "java_stages %s band=%d factor=%.3f congruence=%.3f band_reduction=%.3f band_to_eigenvalues=%.3f"
                            + " | dsyevd_path seconds=%.3f eigenvalues=%.3f fid=%.12e relative_difference=%.1e%n",
                    name, SymmetricEigenvalues.DEFAULT_BANDWIDTH, band.stages[0] / 1e9, band.stages[1] / 1e9, band.stages[2] / 1e9,
                    band.stages[3] / 1e9, oneStage.seconds, oneStage.stages[2] / 1e9, oneStage.result.distance(),
                    Math.abs(oneStage.result.distance() - r.distance()) / r.distance());
            double best = band.seconds;
            long t0 = System.nanoTime();
            FeatureMoments m = new FeatureMoments(d);
            double[] x = new double[d];
            for (int i = 0; i < 200; i++) {
                x[i % d] = i;
                m.add(x);
            }
            double addMs = (System.nanoTime() - t0) / 1e6 / 200;
            System.out.printf(Locale.ROOT, "java %s d=%d n=%d fid=%.12e trace_sqrt=%.12e seconds=%.3f moments_add_ms_per_vector=%.2f%n",
                    name, d, n, r.distance(), r.traceSqrtProduct(), best, addMs);
        }
    }

    record Timed(FrechetDistance.Result result, double seconds, long[] stages) {}

    /** Best of {@code repeats} wall-clock times, with the stage times of that run. */
    static Timed timed(double[] mu1, double[] s1, double[] mu2, double[] s2, int bandwidth, int repeats) {
        Timed best = null;
        for (int i = 0; i < repeats; i++) {
            long[] stages = new long[4];
            long t0 = System.nanoTime();
            FrechetDistance.Result r = FrechetDistance.between(mu1, s1, mu2, s2, bandwidth, stages);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (best == null || seconds < best.seconds) {
                best = new Timed(r, seconds, stages);
            }
        }
        return best;
    }

    static FeatureMoments sample(int n, int d, double shift) {
        INDArray mix = Nd4j.randn(DataType.DOUBLE, d, d).divi(Math.sqrt(d));
        INDArray z = Nd4j.randn(DataType.DOUBLE, n, d);
        INDArray x = z.mmul(mix).addi(0.3 + shift);
        org.nd4j.linalg.ops.transforms.Transforms.relu(x, false);
        FeatureMoments m = new FeatureMoments(d);
        double[] flat = x.dup('c').data().asDouble();
        double[] row = new double[d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, row, 0, d);
            m.add(row);
        }
        return m;
    }

    static void write(Path path, double[] values) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(values);
        Files.write(path, buf.array());
    }
}
