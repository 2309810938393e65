package org.umsynth.model.synth;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.umsynth.model.um.LesionControl;

/**
 * How a UM is varied before synthesis, so that one UM yields many different annotated slices
 * (the authors' lesion control): painted discs (centre and radius in pixels of the UM, mean HU),
 * then an optional seeded jitter of every superpixel's intensity and seeded random lesions in the
 * lung. {@link #none()} leaves the UM as it is.
 *
 * @param jitterSteps  each superpixel shifts by a uniform {@code [-j, j]} quantisation steps
 * @param lesions      random lesions per sample
 * @param minRadius    random lesion radius range, pixels
 * @param maxRadius    random lesion radius range, pixels
 * @param minHu        random lesion mean HU range
 * @param maxHu        random lesion mean HU range
 * @param discs        lesions painted at fixed places in every UM, before the random part
 */
public record Perturbation(int jitterSteps, int lesions, double minRadius, double maxRadius, double minHu, double maxHu,
                           List<Disc> discs) implements Serializable {

    /** A painted lesion: centre (x, y) and radius in UM pixels, mean intensity in HU. */
    public record Disc(double x, double y, double radius, double hu) implements Serializable {
    }

    public Perturbation {
        discs = List.copyOf(discs);
        if (jitterSteps < 0 || lesions < 0 || minRadius < 0 || maxRadius < minRadius || maxHu < minHu) {
            throw new IllegalArgumentException("invalid perturbation: jitter " + jitterSteps + ", lesions " + lesions
                    + ", radius [" + minRadius + ", " + maxRadius + "], HU [" + minHu + ", " + maxHu + "]");
        }
    }

    public static Perturbation none() {
        return new Perturbation(0, 0, 0, 0, 0, 0, List.of());
    }

    public boolean isNone() {
        return jitterSteps == 0 && lesions == 0 && discs.isEmpty();
    }

    /** The UM after painting the discs and the seeded random part; {@code seed} fixes the random part. */
    public LesionControl.Perturbed apply(byte[] um, int size, int tr, long seed) {
        byte[] painted = um;
        StringBuilder description = new StringBuilder("{\"discs\":[");
        for (int i = 0; i < discs.size(); i++) {
            Disc d = discs.get(i);
            painted = LesionControl.paintDisc(painted, size, size, d.x(), d.y(), d.radius(), d.hu(), tr);
            description.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"x\":%.1f,\"y\":%.1f,\"r\":%.1f,\"hu\":%.1f}", d.x(), d.y(), d.radius(), d.hu()));
        }
        description.append("]");
        if (jitterSteps == 0 && lesions == 0) {
            return new LesionControl.Perturbed(painted, new boolean[painted.length], description.append("}").toString());
        }
        LesionControl.Perturbed random = LesionControl.perturb(painted, size, size, tr, seed, jitterSteps, lesions,
                minRadius, maxRadius, minHu, maxHu);
        description.append(",\"random\":").append(random.description()).append("}");
        return new LesionControl.Perturbed(random.um(), random.lesion(), description.toString());
    }

    /**
     * Discs from CSV lines {@code x,y,radius,hu} (a header line and {@code #} comments are skipped);
     * a bad line fails with its number.
     */
    public static List<Disc> parseDiscs(List<String> lines) {
        List<Disc> discs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || (i == 0 && line.matches("(?i)[a-z_ ,]+"))) {
                continue;
            }
            String[] f = line.split(",");
            try {
                if (f.length != 4) {
                    throw new NumberFormatException("expected 4 fields");
                }
                double r = Double.parseDouble(f[2].strip());
                if (!(r > 0)) {
                    throw new NumberFormatException("radius must be > 0");
                }
                discs.add(new Disc(Double.parseDouble(f[0].strip()), Double.parseDouble(f[1].strip()), r,
                        Double.parseDouble(f[3].strip())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("lesion line " + (i + 1) + " '" + line + "': x,y,radius,hu expected ("
                        + e.getMessage() + ")");
            }
        }
        return discs;
    }
}
