package org.umsynth.model.um;

import java.util.SplittableRandom;

/**
 * Bench driver (not a test): how stable the reference segmentation itself is on the noisy phantoms at 512, to read
 * the fast mode's recall against it. For phantom seeds 1-8 it compares the exact mode (= scikit-image 0.19.3) on the
 * windowed uint8 slice with the exact mode on the same slice after a change of one grey level (+-1) at a fraction
 * of the pixels (a rounding-level change: windowing, resampling or a codec could cause it), and prints the boundary
 * recall (2 px) both ways next to the fast mode's recall against the unperturbed exact labels.
 * Usage: SlicStabilityMain [N_SEGMENTS=128] [FRACTIONS=0.001,0.01,0.1]
 */
public final class SlicStabilityMain {
    public static void main(String[] a) throws UnusableSliceException {
        int nSegments = a.length > 0 ? Integer.parseInt(a[0]) : 128;
        String[] fractions = (a.length > 1 ? a[1] : "0.001,0.01,0.1").split(",");
        int side = 512;
        System.out.println("| phantom seed | fast vs exact (min of both ways) | "
                + String.join(" | ", java.util.Arrays.stream(fractions).map(f -> "exact vs exact with +-1 at " + f + " of pixels").toArray(String[]::new))
                + " |");
        System.out.println("|---|---|" + "---|".repeat(fractions.length));
        for (int seed = 1; seed <= 8; seed++) {
            byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(side, seed));
            int[] exact = Slic.segment(g, side, side, nSegments, 10.0, 10, 0.5, 3.0, SlicMode.EXACT).labels();
            int[] fast = Slic.segment(g, side, side, nSegments, 10.0, 10, 0.5, 3.0, SlicMode.FAST).labels();
            StringBuilder row = new StringBuilder(String.format("| %d | %.3f |", seed, bothWays(exact, fast, side)));
            for (String f : fractions) {
                byte[] perturbed = perturb(g, Double.parseDouble(f), seed);
                int[] other = Slic.segment(perturbed, side, side, nSegments, 10.0, 10, 0.5, 3.0, SlicMode.EXACT).labels();
                row.append(String.format(" %.3f |", bothWays(exact, other, side)));
            }
            System.out.println(row);
        }
    }

    private static double bothWays(int[] x, int[] y, int side) {
        return Math.min(SegmentationAgreement.boundaryRecall(x, y, side, side, 2),
                SegmentationAgreement.boundaryRecall(y, x, side, side, 2));
    }

    /** +-1 grey level at the given fraction of pixels (seeded; clamped to 0..255). */
    private static byte[] perturb(byte[] g, double fraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 7919 + 17);
        byte[] out = g.clone();
        for (int i = 0; i < out.length; i++) {
            if (random.nextDouble() < fraction) {
                int v = (out[i] & 0xFF) + (random.nextBoolean() ? 1 : -1);
                out[i] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }
}
