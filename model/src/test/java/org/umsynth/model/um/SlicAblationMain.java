package org.umsynth.model.um;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Bench driver for bench/slic/run.sh (not a test): what each departure of the fast SLIC buys, on
 * the bench slices against scikit-image's labels (NAME.sk.labels): segment count, boundary recall
 * (2 px) both ways, median single-thread CPU ms of the SLIC alone; then the same variants on the
 * unit-test phantoms ({@link TestImages#chestHu}, seeds 1-8) against the exact mode's labels.
 * Usage: SlicAblationMain DIR N_SEGMENTS REPEATS NAME...
 */
public final class SlicAblationMain {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private record Variant(String name, int maxIterations, FastSlic.Options options) {}

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int nSegments = Integer.parseInt(a[1]);
        int repeats = Integer.parseInt(a[2]);
        int side = 512;
        double stop = FastSlic.CONVERGED_FRACTION;
        Variant[] variants = {
                new Variant("float32, 10 passes at full size", 10, new FastSlic.Options(0, 0, 9, false)),
                new Variant("+ stop below 0.5% relabelled", 10, new FastSlic.Options(stop, 0, 9, false)),
                new Variant("float32, 9 passes at full size", 9, new FastSlic.Options(0, 0, 8, false)),
                new Variant("float32, 8 passes at full size", 8, new FastSlic.Options(0, 0, 7, false)),
                new Variant("seeds + 8 half size + 1 full (fast until this change)", 10, new FastSlic.Options(stop, 0, 1, true)),
                new Variant("fast: seeds + 1 full + 7 half size + 1 full", 10, FastSlic.Options.DEFAULT),
                new Variant("seeds + 1 full + 6 half size + 1 full (9 passes)", 9, FastSlic.Options.DEFAULT),
                new Variant("seeds + 2 full + 6 half size + 1 full", 10, new FastSlic.Options(stop, 2, 1, true)),
                new Variant("seeds + 1 full + 5 half size + 3 full", 10, new FastSlic.Options(stop, 1, 3, true)),
        };
        System.out.println("| slice | variant | passes | segments (skimage) | recall sk in ours | recall ours in sk | SLIC ms | exact SLIC ms |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int s = 3; s < a.length; s++) {
            String name = a[s];
            byte[] g = Files.readAllBytes(dir.resolve(name + ".u8"));
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".sk.labels"))).order(ByteOrder.LITTLE_ENDIAN);
            int[] sk = new int[side * side];
            for (int i = 0; i < sk.length; i++) sk[i] = bb.getInt();
            long skCount = Arrays.stream(sk).distinct().count();
            double exactMs = time(repeats, () -> Slic.segment(g, side, side, nSegments, 10.0, 10, 0.5, 3.0, SlicMode.EXACT));
            float[] colour = colour(g);
            for (Variant v : variants) {
                Slic.Segmentation[] out = new Slic.Segmentation[1];
                double ms = time(repeats, () -> out[0] = FastSlic.run(colour, side, side, nSegments, v.maxIterations(), 0.5, 3.0, v.options()));
                Slic.Segmentation r = out[0];
                System.out.printf("| %s | %s | %d | %d (%d) | %.4f | %.4f | %.1f | %.1f |%n", name, v.name(), r.iterations(),
                        r.segmentCount(), skCount, SegmentationAgreement.boundaryRecall(sk, r.labels(), side, side, 2) ,
                        SegmentationAgreement.boundaryRecall(r.labels(), sk, side, side, 2), ms, exactMs);
            }
        }

        // the unit-test phantoms (flat tissue + Gaussian noise), against the exact mode (= scikit-image)
        System.out.println();
        System.out.println("| variant | recall exact in ours, phantom seeds 1-8 | recall ours in exact, seeds 1-8 | min | seeds below 0.9 | segments ours/exact |");
        System.out.println("|---|---|---|---|---|---|");
        int seeds = 8;
        int[][] exact = new int[seeds][];
        int[] exactCount = new int[seeds];
        float[][] colours = new float[seeds][];
        for (int seed = 1; seed <= seeds; seed++) {
            byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(side, seed));
            Slic.Segmentation e = Slic.segment(g, side, side, nSegments, 10.0, 10, 0.5, 3.0, SlicMode.EXACT);
            exact[seed - 1] = e.labels();
            exactCount[seed - 1] = e.segmentCount();
            colours[seed - 1] = colour(g);
        }
        for (Variant v : variants) {
            StringBuilder forward = new StringBuilder(), backward = new StringBuilder();
            double worst = 1;
            int below = 0;
            double ratioLo = Double.MAX_VALUE, ratioHi = 0;
            for (int i = 0; i < seeds; i++) {
                Slic.Segmentation r = FastSlic.run(colours[i], side, side, nSegments, v.maxIterations(), 0.5, 3.0, v.options());
                double f = SegmentationAgreement.boundaryRecall(exact[i], r.labels(), side, side, 2);
                double b = SegmentationAgreement.boundaryRecall(r.labels(), exact[i], side, side, 2);
                forward.append(String.format("%s%.3f", i == 0 ? "" : " ", f));
                backward.append(String.format("%s%.3f", i == 0 ? "" : " ", b));
                worst = Math.min(worst, Math.min(f, b));
                if (Math.min(f, b) < 0.9) below++;
                double ratio = (double) r.segmentCount() / exactCount[i];
                ratioLo = Math.min(ratioLo, ratio);
                ratioHi = Math.max(ratioHi, ratio);
            }
            System.out.printf("| %s | %s | %s | %.3f | %d of %d | %.3f-%.3f |%n", v.name(), forward, backward, worst, below, seeds, ratioLo, ratioHi);
        }
    }

    /** The colour exactly as Slic.segment(byte[]) computes it, in float. */
    private static float[] colour(byte[] g) {
        int min = 255, max = 0;
        for (byte b : g) { min = Math.min(min, b & 0xFF); max = Math.max(max, b & 0xFF); }
        double lo = min * (1.0 / 255), hi = max * (1.0 / 255) - lo;
        float[] colour = new float[g.length];
        for (int i = 0; i < g.length; i++) colour[i] = (float) (Slic.lightness(((g[i] & 0xFF) * (1.0 / 255) - lo) / hi) / 10.0);
        return colour;
    }

    private interface Run { void run() throws Exception; }

    private static double time(int repeats, Run r) throws Exception {
        for (int i = 0; i < 15; i++) r.run();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            r.run();
            ms[i] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[repeats / 2];
    }
}
