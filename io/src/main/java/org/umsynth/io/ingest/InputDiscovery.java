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
        Map<String, String> labelsByBase = new HashMap<>();
        if (labelsRoot != null) {
            for (ListedFile f : HadoopPaths.listFiles(labelsFs, labelsRoot)) {
                if (isNifti(f.relativePath())) {
                    labelsByBase.put(baseName(f.relativePath()), f.relativePath());
                }
            }
        }
        List<InputUnit> units = new ArrayList<>();
        Map<String, List<ListedFile>> dicomFolders = new LinkedHashMap<>();
        for (ListedFile f : HadoopPaths.listFiles(imagesFs, imagesRoot)) {
            if (isNifti(f.relativePath())) {
                String label = labelsByBase.remove(baseName(f.relativePath()));
                if (label == null) {
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
            String label = labelsByBase.remove(base);
            long bytes = e.getValue().stream().mapToLong(ListedFile::length).sum();
            units.add(new InputUnit(InputUnit.Kind.DICOM_FOLDER, folder,
                    e.getValue().stream().map(ListedFile::relativePath).toList(), bytes, label));
        }
        List<Rejection> orphans = new ArrayList<>();
        labelsByBase.values().stream().sorted().forEach(l ->
                orphans.add(new Rejection("labels/" + l, "label volume without an image of the same base name")));
        return new Result(units, orphans);
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
