package org.umsynth.model.um;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Lesion painting and seeded perturbation of a UM (the authors' lesion control): all functions
 * return new arrays and never modify their input. Intensities given in HU are converted to the
 * UM scale with the reference window and quantised to the UM's step {@code tr}.
 */
public final class LesionControl {
    /** Windowed-intensity range treated as lung parenchyma when placing random lesions: HU [-1000, -500]. */
    public static final int LUNG_UM_MIN = (int) Math.floor(HuWindow.window(-1000));
    public static final int LUNG_UM_MAX = (int) Math.ceil(HuWindow.window(-500));

    private LesionControl() {}

    /** A perturbed UM, the pixels where lesions were painted, and a description for provenance. */
    public record Perturbed(byte[] um, boolean[] lesion, String description) {}

    /** UM value of a mean HU: windowed, quantised with {@code tr}. */
    public static int umValueOfHu(double meanHu, int tr) {
        return UnsupervisedMask.quantise(HuWindow.window(meanHu), tr);
    }

    /** Pixels with {@code (x - cx)^2 + (y - cy)^2 <= r^2} (pixel centres at integer coordinates). */
    public static boolean[] disc(int width, int height, double cx, double cy, double radius) {
        boolean[] m = new boolean[width * height];
        double r2 = radius * radius;
        int y0 = Math.max(0, (int) Math.floor(cy - radius)), y1 = Math.min(height - 1, (int) Math.ceil(cy + radius));
        int x0 = Math.max(0, (int) Math.floor(cx - radius)), x1 = Math.min(width - 1, (int) Math.ceil(cx + radius));
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double dx = x - cx, dy = y - cy;
                if (dx * dx + dy * dy <= r2) m[y * width + x] = true;
            }
        }
        return m;
    }

    /** Paints a disc of mean {@code meanHu} (converted to the UM scale, quantised with tr) into a copy of the UM. */
    public static byte[] paintDisc(byte[] um, int width, int height, double cx, double cy, double radius, double meanHu, int tr) {
        if (um.length != width * height) throw new IllegalArgumentException("array length " + um.length + " is not " + width + "x" + height);
        if (!(radius >= 0)) throw new IllegalArgumentException("radius must be >= 0: " + radius);
        byte v = (byte) umValueOfHu(meanHu, tr);
        boolean[] m = disc(width, height, cx, cy, radius);
        byte[] out = um.clone();
        for (int i = 0; i < out.length; i++) if (m[i]) out[i] = v;
        return out;
    }

    /**
     * Seeded perturbation: every superpixel (4-connected region of equal UM value) is shifted by
     * {@code j * tr} with {@code j} uniform in {@code [-maxJitterSteps, maxJitterSteps]} (clamped to
     * [0, 255 // tr * tr]); then {@code lesions} discs are painted with centres drawn among lung
     * pixels (UM value within [{@link #LUNG_UM_MIN}, {@link #LUNG_UM_MAX}] before jitter), radius
     * uniform in [minRadius, maxRadius] px and mean HU uniform in [minHu, maxHu]. Same inputs and
     * seed give the same bytes. With no lung pixel no lesion is placed (the description says so).
     */
    public static Perturbed perturb(byte[] um, int width, int height, int tr, long seed, int maxJitterSteps,
                                    int lesions, double minRadius, double maxRadius, double minHu, double maxHu) {
        if (um.length != width * height) throw new IllegalArgumentException("array length " + um.length + " is not " + width + "x" + height);
        if (maxJitterSteps < 0 || lesions < 0 || minRadius < 0 || maxRadius < minRadius || maxHu < minHu) {
            throw new IllegalArgumentException("invalid perturbation parameters");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] region = regions(um, width, height);
        int regionCount = 0;
        for (int r : region) regionCount = Math.max(regionCount, r + 1);
        int[] shift = new int[regionCount];
        for (int k = 0; k < regionCount; k++) {
            shift[k] = maxJitterSteps == 0 ? 0 : random.nextInt(-maxJitterSteps, maxJitterSteps + 1) * tr;
        }
        int top = 255 / tr * tr;
        byte[] out = new byte[um.length];
        int lungPixels = 0;
        for (int i = 0; i < um.length; i++) {
            int v = um[i] & 0xFF;
            if (v >= LUNG_UM_MIN && v <= LUNG_UM_MAX) lungPixels++;
            out[i] = (byte) Math.max(0, Math.min(top, v + shift[region[i]]));
        }
        boolean[] lesion = new boolean[um.length];
        StringBuilder d = new StringBuilder(String.format(Locale.ROOT, "{\"seed\":%d,\"jitter_steps\":%d,\"tr\":%d,\"lesions\":[", seed, maxJitterSteps, tr));
        int placed = 0;
        for (int l = 0; l < lesions && lungPixels > 0; l++) {
            int pick = random.nextInt(lungPixels);
            int centre = -1;
            for (int i = 0; i < um.length; i++) {
                int v = um[i] & 0xFF;
                if (v >= LUNG_UM_MIN && v <= LUNG_UM_MAX && pick-- == 0) { centre = i; break; }
            }
            int cx = centre % width, cy = centre / width;
            double radius = minRadius + random.nextDouble() * (maxRadius - minRadius);
            double hu = minHu + random.nextDouble() * (maxHu - minHu);
            byte v = (byte) umValueOfHu(hu, tr);
            boolean[] m = disc(width, height, cx, cy, radius);
            for (int i = 0; i < m.length; i++) {
                if (m[i]) { out[i] = v; lesion[i] = true; }
            }
            d.append(placed++ == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"x\":%d,\"y\":%d,\"r\":%.2f,\"hu\":%.1f}", cx, cy, radius, hu));
        }
        d.append("]");
        if (lesions > 0 && lungPixels == 0) d.append(",\"note\":\"no lung pixels: no lesion placed\"");
        d.append("}");
        return new Perturbed(out, lesion, d.toString());
    }

    /** 4-connected regions of equal value, labelled 0.. in raster order of first pixel. */
    static int[] regions(byte[] um, int width, int height) {
        int n = um.length;
        int[] region = new int[n];
        java.util.Arrays.fill(region, -1);
        int[] queue = new int[n];
        int next = 0;
        for (int s = 0; s < n; s++) {
            if (region[s] >= 0) continue;
            byte v = um[s];
            region[s] = next;
            int head = 0, tail = 0;
            queue[tail++] = s;
            while (head < tail) {
                int p = queue[head++];
                int y = p / width, x = p - y * width;
                if (x + 1 < width && region[p + 1] < 0 && um[p + 1] == v) { region[p + 1] = next; queue[tail++] = p + 1; }
                if (x > 0 && region[p - 1] < 0 && um[p - 1] == v) { region[p - 1] = next; queue[tail++] = p - 1; }
                if (y + 1 < height && region[p + width] < 0 && um[p + width] == v) { region[p + width] = next; queue[tail++] = p + width; }
                if (y > 0 && region[p - width] < 0 && um[p - width] == v) { region[p - width] = next; queue[tail++] = p - width; }
            }
            next++;
        }
        return region;
    }
}
