package org.umsynth.io.ingest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.fs.HadoopPaths.ListedFile;

/**
 * Turns an input root (and an optional labels root) into units of work. Listing happens on the
 * driver (metadata only); the units are then read in parallel by the cluster.
 *
 * <p>NIfTI files ({@code .nii}, {@code .nii.gz}) are one unit each. Every other file belongs to
 * the DICOM folder it sits in, one unit per folder, whatever its name: files that turn out not to
 * be DICOM are quarantined by the reader with a reason, so nothing is silently skipped.
 *
 * <p>Labels pair by base name: {@code images/case7.nii.gz} (or nnU-Net's {@code case7_0000.nii.gz})
 * with {@code labels/case7.nii.gz}; a DICOM folder {@code images/case9/} with {@code labels/case9.nii.gz}.
 */
public final class InputDiscovery {

    /** The units to read, and label files that belong to no image (reported, not fatal). */
    public record Result(List<InputUnit> units, List<Rejection> orphanLabels) {
    }

    private InputDiscovery() {
    }

    public static Result discover(FileSystem imagesFs, Path imagesRoot, FileSystem labelsFs, Path labelsRoot)
            throws IOException {
        return discover(imagesFs, imagesRoot, labelsFs, labelsRoot, null);
    }

    /**
     * As {@link #discover(FileSystem, Path, FileSystem, Path)}, with an optional manifest: CSV lines
     * {@code image,label} (a header line and {@code #} comments are skipped), the image relative to
     * the input root (a NIfTI file or a DICOM folder), the label relative to the labels root. The
     * manifest replaces pairing by base name; a manifest line whose image or label does not exist is
     * reported as a rejection.
     */
    public static Result discover(FileSystem imagesFs, Path imagesRoot, FileSystem labelsFs, Path labelsRoot,
                                  List<String> manifest) throws IOException {
        Map<String, String> labelsByBase = new HashMap<>();
        List<Rejection> rejected = new ArrayList<>();
        java.util.Set<String> labelFiles = new java.util.HashSet<>();
        if (labelsRoot != null) {
            for (ListedFile f : HadoopPaths.listFiles(labelsFs, labelsRoot)) {
                if (isNifti(f.relativePath())) {
                    labelsByBase.put(baseName(f.relativePath()), f.relativePath());
                    labelFiles.add(f.relativePath());
                }
            }
        }
        Map<String, String> labelByImage = null;
        if (manifest != null) {
            labelByImage = parseManifest(manifest, labelFiles, rejected);
            labelsByBase.clear(); // the manifest decides; unlisted labels are not orphans
        }
        List<InputUnit> units = new ArrayList<>();
        Map<String, List<ListedFile>> dicomFolders = new LinkedHashMap<>();
        for (ListedFile f : HadoopPaths.listFiles(imagesFs, imagesRoot)) {
            if (isNifti(f.relativePath())) {
                String label = labelByImage != null ? labelByImage.remove(f.relativePath())
                        : labelsByBase.remove(baseName(f.relativePath()));
                if (label == null && labelByImage == null) {
                    label = labelsByBase.remove(imageBaseName(f.relativePath()));
                }
                units.add(new InputUnit(InputUnit.Kind.NIFTI, f.relativePath(), List.of(f.relativePath()), f.length(), label));
            } else {
                dicomFolders.computeIfAbsent(parent(f.relativePath()), k -> new ArrayList<>()).add(f);
            }
        }
        for (Map.Entry<String, List<ListedFile>> e : dicomFolders.entrySet()) {
            String folder = e.getKey();
            String base = folder.isEmpty() ? imagesRoot.getName() : folder.substring(folder.lastIndexOf('/') + 1);
            String label = labelByImage != null ? labelByImage.remove(folder) : labelsByBase.remove(base);
            long bytes = e.getValue().stream().mapToLong(ListedFile::length).sum();
            units.add(new InputUnit(InputUnit.Kind.DICOM_FOLDER, folder,
                    e.getValue().stream().map(ListedFile::relativePath).toList(), bytes, label));
        }
        List<Rejection> orphans = new ArrayList<>(rejected);
        labelsByBase.values().stream().sorted().forEach(l ->
                orphans.add(new Rejection("labels/" + l, "label volume without an image of the same base name")));
        if (labelByImage != null) {
            labelByImage.keySet().stream().sorted().forEach(image ->
                    orphans.add(new Rejection(image, "named by the labels manifest but not found under the input root")));
        }
        return new Result(units, orphans);
    }

    private static Map<String, String> parseManifest(List<String> lines, java.util.Set<String> labelFiles,
                                                     List<Rejection> rejected) {
        Map<String, String> labelByImage = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || (i == 0 && line.equalsIgnoreCase("image,label"))) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                throw new IllegalArgumentException("labels manifest line " + (i + 1) + ": expected 'image,label', got '"
                        + line + "'");
            }
            String image = f[0].strip().replaceAll("/+$", "");
            String label = f[1].strip();
            if (!labelFiles.contains(label)) {
                rejected.add(new Rejection("labels/" + label, "named by the labels manifest (line " + (i + 1)
                        + ") but not found under the labels root"));
                continue;
            }
            labelByImage.put(image, label);
        }
        return labelByImage;
    }

    static boolean isNifti(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        return lower.endsWith(".nii") || lower.endsWith(".nii.gz");
    }

    /** File name without folders and without {@code .nii} / {@code .nii.gz}. */
    static String baseName(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".nii.gz")) {
            return name.substring(0, name.length() - 7);
        }
        if (lower.endsWith(".nii")) {
            return name.substring(0, name.length() - 4);
        }
        return name;
    }

    /** Base name of an image, without nnU-Net's channel suffix {@code _0000}. */
    static String imageBaseName(String path) {
        return baseName(path).replaceFirst("_0000$", "");
    }

    private static String parent(String relative) {
        int slash = relative.lastIndexOf('/');
        return slash < 0 ? "" : relative.substring(0, slash);
    }
}
