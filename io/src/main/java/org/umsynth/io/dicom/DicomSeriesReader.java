package org.umsynth.io.dicom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.InvalidInputException;
import org.umsynth.io.volume.Volume;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Groups parsed CT files into series and assembles each into a canonical LPS {@link Volume}.
 *
 * <p>Policy (documented decisions):
 * <ul>
 * <li>Grouping by SeriesInstanceUID (hashed; the UID is never kept). Files without one form one
 * series keyed {@link #NO_SERIES_UID_KEY}, with a warning (the ingest job reads one folder at a time).</li>
 * <li>Within a series the majority geometry wins (Rows, Columns, ImageOrientationPatient within
 * 1e-3; ties go to the group whose first file name sorts first); other files are rejected with a
 * reason. A multi-frame file is only accepted as a series on its own.</li>
 * <li>Slices are ordered by ImagePositionPatient projected on the slice normal (row cosines x column
 * cosines); z spacing is the median step, with a warning when a step differs from it by more than
 * 10%. A file whose position duplicates an earlier one (within 0.01 mm; earlier = lower
 * InstanceNumber, then name) is rejected with a reason and the series keeps the first.</li>
 * <li>Fallbacks, each with a warning: no ImagePositionPatient on some file: order by InstanceNumber
 * (else by file name), z spacing from SpacingBetweenSlices, else SliceThickness, else 1.0; no
 * ImageOrientationPatient: axial (1,0,0,0,1,0); no PixelSpacing: 1.0 mm. A single slice takes its
 * z spacing from SpacingBetweenSlices, else SliceThickness, else 1.0. A multi-frame file's frames
 * are stacked in storage order along the slice normal with the same spacing fallback (per-frame
 * functional groups are not read).</li>
 * <li>Reorientation without resampling: each file axis is mapped to the nearest patient axis
 * (best permutation) and flipped as needed so that x runs right to left, y anterior to posterior
 * and z feet to head. Oblique series (off by more than 0.1 degree) are snapped with a warning.</li>
 * </ul>
 */
public final class DicomSeriesReader {
    /** Series key of the files that carry no SeriesInstanceUID. */
    public static final String NO_SERIES_UID_KEY = "no-series-instance-uid";

    private static final Logger LOG = LoggerFactory.getLogger(DicomSeriesReader.class);
    private static final double[] AXIAL = {1, 0, 0, 0, 1, 0};
    private static final double ORIENTATION_TOLERANCE = 1e-3;
    private static final double DUPLICATE_POSITION_MM = 0.01;
    private static final double IRREGULAR_SPACING = 0.10;
    private static final double OBLIQUE_DEGREES = 0.1;

    private DicomSeriesReader() {}

    /** Reads with {@link DicomParser#DEFAULT_MAX_VOXELS} as the per-file and per-series voxel limit. */
    public static DicomReadResult read(List<DicomInput> files) {
        return read(files, DicomParser.DEFAULT_MAX_VOXELS);
    }

    /**
     * Parses every file and assembles the series. Never throws for bad input: unusable files (and
     * series larger than {@code maxVoxels}) are returned in {@link DicomReadResult#rejected()}.
     */
    public static DicomReadResult read(List<DicomInput> files, long maxVoxels) {
        List<InvalidInputException> rejected = new ArrayList<>();
        Map<String, List<DicomFile>> bySeries = new TreeMap<>();
        for (DicomInput input : files) {
            try {
                DicomFile file = DicomParser.parse(input.bytes(), input.source(), maxVoxels);
                bySeries.computeIfAbsent(file.seriesKey().orElse(NO_SERIES_UID_KEY), k -> new ArrayList<>()).add(file);
            } catch (InvalidInputException e) {
                rejected.add(e);
            } catch (RuntimeException e) {
                // a parser bug must not stop a batch; the class name carries no file content
                rejected.add(new InvalidInputException(input.source(), "internal error while parsing: " + e.getClass().getName()));
            }
        }
        List<DicomSeries> series = new ArrayList<>();
        for (Map.Entry<String, List<DicomFile>> entry : bySeries.entrySet()) {
            try {
                assemble(entry.getKey(), entry.getValue(), maxVoxels, rejected).ifPresent(series::add);
            } catch (InvalidInputException e) {
                rejected.add(e);
            }
        }
        return new DicomReadResult(series, rejected);
    }

    private static Optional<DicomSeries> assemble(String key, List<DicomFile> files, long maxVoxels,
                                                  List<InvalidInputException> rejected) throws InvalidInputException {
        List<String> warnings = new ArrayList<>();
        if (key.equals(NO_SERIES_UID_KEY)) {
            warnings.add("no SeriesInstanceUID (0020,000E): files without one are read as one series");
        }
        files = new ArrayList<>(files);
        files.sort(Comparator.comparing(DicomFile::source));
        files = majorityGeometry(files, rejected);
        if (files.size() > 1) {
            List<DicomFile> multiFrame = files.stream().filter(f -> f.frames() > 1).toList();
            for (DicomFile f : multiFrame) {
                rejected.add(new InvalidInputException(f.source(), "multi-frame file (" + f.frames()
                        + " frames) in a series of several files is not supported"));
            }
            files = new ArrayList<>(files.stream().filter(f -> f.frames() == 1).toList());
            if (files.isEmpty()) {
                return Optional.empty();
            }
        }
        DicomFile first = files.get(0);
        double[] orientation = first.imageOrientation().orElse(null);
        if (orientation == null) {
            warnings.add("no ImageOrientationPatient (0020,0037); assumed axial (1,0,0,0,1,0)");
            orientation = AXIAL.clone();
        }
        double[] normal = cross(orientation);

        double spacingZ;
        boolean allPositioned = files.stream().allMatch(f -> f.imagePosition().isPresent());
        if (files.size() > 1 && allPositioned) {
            files = orderByPosition(files, normal, rejected);
            spacingZ = spacingFromPositions(files, normal, first, warnings);
        } else {
            if (files.size() > 1) {
                long missing = files.stream().filter(f -> f.imagePosition().isEmpty()).count();
                files = orderByInstanceNumber(files, warnings);
                warnings.add("no ImagePositionPatient (0020,0032) on " + missing + " of " + files.size()
                        + " files; slices ordered by " + (files.stream().allMatch(f -> f.instanceNumber().isPresent())
                        ? "InstanceNumber" : "file name"));
            }
            spacingZ = fallbackSpacing(first, warnings, files.size() == 1 && first.frames() == 1 ? "single slice" : "no slice positions");
        }
        double[] pixelSpacing = first.pixelSpacing().orElse(null);
        if (pixelSpacing == null) {
            warnings.add("no PixelSpacing (0028,0030); assumed 1.0 mm");
            pixelSpacing = new double[] {1.0, 1.0};
        }
        long slices = files.size() == 1 ? first.frames() : files.size();
        long voxels = slices * first.rows() * first.cols();
        if (voxels > maxVoxels) {
            throw new InvalidInputException("series " + key, "series of " + first.cols() + " x " + first.rows() + " x " + slices
                    + " voxels exceeds the limit of " + maxVoxels + " voxels");
        }
        // file axes: 0 = column index (row cosines), 1 = row index (column cosines), 2 = slice index (normal)
        double[][] axes = {
                Arrays.copyOfRange(orientation, 0, 3), Arrays.copyOfRange(orientation, 3, 6), normal};
        int[] sizes = {first.cols(), first.rows(), (int) slices};
        double[] spacings = {pixelSpacing[1], pixelSpacing[0], spacingZ};
        Volume volume = reorient(files, axes, sizes, spacings, warnings);
        for (DicomFile f : files) {
            for (String w : f.warnings()) {
                warnings.add(w + " [" + f.source() + "]");
            }
        }
        List<String> merged = mergeWarnings(warnings);
        LOG.debug("series {}: {} with {} warnings", key, volume, merged.size());
        return Optional.of(new DicomSeries(key, volume, files.stream().map(DicomFile::source).toList(), merged));
    }

    private static List<DicomFile> majorityGeometry(List<DicomFile> files, List<InvalidInputException> rejected) {
        List<List<DicomFile>> groups = new ArrayList<>();
        for (DicomFile f : files) {
            List<DicomFile> home = null;
            for (List<DicomFile> g : groups) {
                if (sameGeometry(g.get(0), f)) {
                    home = g;
                    break;
                }
            }
            if (home == null) {
                home = new ArrayList<>();
                groups.add(home);
            }
            home.add(f);
        }
        List<DicomFile> majority = groups.get(0);
        for (List<DicomFile> g : groups) {
            if (g.size() > majority.size()) {
                majority = g;
            }
        }
        DicomFile reference = majority.get(0);
        for (List<DicomFile> g : groups) {
            if (g == majority) {
                continue;
            }
            for (DicomFile f : g) {
                String reason = f.rows() != reference.rows() || f.cols() != reference.cols()
                        ? "Columns x Rows " + f.cols() + " x " + f.rows() + " differ from the series majority "
                        + reference.cols() + " x " + reference.rows() + " (" + majority.size() + " files)"
                        : "ImageOrientationPatient differs from the series majority (" + majority.size() + " files)";
                rejected.add(new InvalidInputException(f.source(), reason));
            }
        }
        return new ArrayList<>(majority);
    }

    private static boolean sameGeometry(DicomFile a, DicomFile b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            return false;
        }
        double[] oa = a.imageOrientation().orElse(AXIAL);
        double[] ob = b.imageOrientation().orElse(AXIAL);
        for (int i = 0; i < 6; i++) {
            if (Math.abs(oa[i] - ob[i]) > ORIENTATION_TOLERANCE) {
                return false;
            }
        }
        return true;
    }

    private static List<DicomFile> orderByPosition(List<DicomFile> files, double[] normal, List<InvalidInputException> rejected) {
        // earlier by InstanceNumber then name wins a duplicate position
        List<DicomFile> byPrecedence = new ArrayList<>(files);
        byPrecedence.sort(Comparator.comparingInt((DicomFile f) -> f.instanceNumber().orElse(Integer.MAX_VALUE))
                .thenComparing(DicomFile::source));
        List<DicomFile> kept = new ArrayList<>();
        for (DicomFile f : byPrecedence) {
            double d = dot(f.imagePosition().orElseThrow(), normal);
            DicomFile clash = null;
            for (DicomFile k : kept) {
                if (Math.abs(dot(k.imagePosition().orElseThrow(), normal) - d) < DUPLICATE_POSITION_MM) {
                    clash = k;
                    break;
                }
            }
            if (clash != null) {
                rejected.add(new InvalidInputException(f.source(), String.format(
                        "duplicate slice position %.3f mm along the slice normal, same as %s (kept)", d, clash.source())));
            } else {
                kept.add(f);
            }
        }
        kept.sort(Comparator.comparingDouble(f -> dot(f.imagePosition().orElseThrow(), normal)));
        return kept;
    }

    private static double spacingFromPositions(List<DicomFile> files, double[] normal, DicomFile first, List<String> warnings) {
        if (files.size() == 1) {
            return fallbackSpacing(first, warnings, "single slice left after removing duplicates");
        }
        double[] steps = new double[files.size() - 1];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = dot(files.get(i + 1).imagePosition().orElseThrow(), normal) - dot(files.get(i).imagePosition().orElseThrow(), normal);
        }
        double[] sorted = steps.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        if (sorted[0] < median * (1 - IRREGULAR_SPACING) || sorted[n - 1] > median * (1 + IRREGULAR_SPACING)) {
            warnings.add(String.format("irregular slice spacing: steps from %.3f to %.3f mm; median %.3f mm used",
                    sorted[0], sorted[n - 1], median));
        }
        // positions should lie on a line along the normal; gantry tilt or shear shows up as a drift
        double[] p0 = files.get(0).imagePosition().orElseThrow();
        double drift = 0;
        for (DicomFile f : files) {
            double[] p = f.imagePosition().orElseThrow();
            double[] d = {p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]};
            double along = dot(d, normal);
            drift = Math.max(drift, Math.sqrt(Math.max(0, dot(d, d) - along * along)));
        }
        if (drift > 0.5) {
            warnings.add(String.format("slice positions drift up to %.2f mm across the slice plane (gantry tilt or shear); not corrected", drift));
        }
        return median;
    }

    private static List<DicomFile> orderByInstanceNumber(List<DicomFile> files, List<String> warnings) {
        List<DicomFile> ordered = new ArrayList<>(files);
        if (ordered.stream().allMatch(f -> f.instanceNumber().isPresent())) {
            ordered.sort(Comparator.comparingInt((DicomFile f) -> f.instanceNumber().getAsInt()).thenComparing(DicomFile::source));
            long distinct = ordered.stream().mapToInt(f -> f.instanceNumber().getAsInt()).distinct().count();
            if (distinct < ordered.size()) {
                warnings.add("repeated InstanceNumber (0020,0013); ties ordered by file name");
            }
        } else {
            ordered.sort(Comparator.comparing(DicomFile::source));
        }
        return ordered;
    }

    private static double fallbackSpacing(DicomFile first, List<String> warnings, String why) {
        if (first.spacingBetweenSlices().isPresent()) {
            warnings.add(why + ": z spacing taken from SpacingBetweenSlices (0018,0088)");
            return first.spacingBetweenSlices().getAsDouble();
        }
        if (first.sliceThickness().isPresent()) {
            warnings.add(why + ": z spacing taken from SliceThickness (0018,0050)");
            return first.sliceThickness().getAsDouble();
        }
        warnings.add(why + ": no SpacingBetweenSlices or SliceThickness; z spacing assumed 1.0 mm");
        return 1.0;
    }

    /** Copies the slices into the canonical layout by an axis permutation and flips (no resampling). */
    private static Volume reorient(List<DicomFile> files, double[][] axes, int[] sizes, double[] spacings, List<String> warnings) {
        int[] permutation = bestPermutation(axes);
        int[] sign = new int[3];
        double worstDegrees = 0;
        for (int a = 0; a < 3; a++) {
            double component = axes[a][permutation[a]];
            sign[a] = component >= 0 ? 1 : -1;
            worstDegrees = Math.max(worstDegrees, Math.toDegrees(Math.acos(Math.min(1, Math.abs(component)))));
        }
        if (worstDegrees > OBLIQUE_DEGREES) {
            warnings.add(String.format("oblique orientation (up to %.1f degrees off the patient axes); snapped to the nearest axes without resampling", worstDegrees));
        }
        int[] outSize = new int[3];
        double[] outSpacing = new double[3];
        for (int a = 0; a < 3; a++) {
            outSize[permutation[a]] = sizes[a];
            outSpacing[permutation[a]] = spacings[a];
        }
        long[] outStride = {1, outSize[0], (long) outSize[0] * outSize[1]};
        long base = 0;
        long[] step = new long[3];
        for (int a = 0; a < 3; a++) {
            long stride = outStride[permutation[a]];
            step[a] = sign[a] * stride;
            if (sign[a] < 0) {
                base += (sizes[a] - 1) * stride;
            }
        }
        float[] out = new float[(int) ((long) outSize[0] * outSize[1] * outSize[2])];
        int cols = sizes[0];
        int rows = sizes[1];
        int plane = cols * rows;
        for (int k = 0; k < sizes[2]; k++) {
            float[] hu = files.size() == 1 ? files.get(0).hu() : files.get(k).hu();
            int sourceOffset = files.size() == 1 ? k * plane : 0;
            for (int j = 0; j < rows; j++) {
                long rowBase = base + k * step[2] + j * step[1];
                int in = sourceOffset + j * cols;
                for (int i = 0; i < cols; i++) {
                    out[(int) (rowBase + i * step[0])] = hu[in + i];
                }
            }
        }
        return new Volume(outSize[0], outSize[1], outSize[2], outSpacing[0], outSpacing[1], outSpacing[2], out);
    }

    /** The assignment of file axes to patient axes that maximises the summed absolute cosines. */
    private static int[] bestPermutation(double[][] axes) {
        int[][] permutations = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        int[] best = permutations[0];
        double bestScore = -1;
        for (int[] p : permutations) {
            double score = Math.abs(axes[0][p[0]]) + Math.abs(axes[1][p[1]]) + Math.abs(axes[2][p[2]]);
            if (score > bestScore + 1e-12) {
                bestScore = score;
                best = p;
            }
        }
        return best;
    }

    /** Identical messages from many files become one line with a count. */
    private static List<String> mergeWarnings(List<String> warnings) {
        Map<String, List<String>> bySource = new LinkedHashMap<>();
        List<String> out = new ArrayList<>();
        for (String w : warnings) {
            int at = w.lastIndexOf(" [");
            if (w.endsWith("]") && at > 0) {
                bySource.computeIfAbsent(w.substring(0, at), k -> new ArrayList<>()).add(w.substring(at + 2, w.length() - 1));
            } else {
                out.add(w);
            }
        }
        bySource.forEach((message, sources) -> out.add(sources.size() == 1
                ? message + " (" + sources.get(0) + ")"
                : message + " (" + sources.size() + " files, e.g. " + sources.get(0) + ")"));
        return out;
    }

    private static double[] cross(double[] o) {
        return new double[] {
                o[1] * o[5] - o[2] * o[4],
                o[2] * o[3] - o[0] * o[5],
                o[0] * o[4] - o[1] * o[3]};
    }

    private static double dot(double[] a, double[] b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
}
