package org.umsynth.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.png.GreyPng;

/**
 * The report's output folder on any Hadoop file system: {@code index.html} and the PNG files it
 * shows, all side by side so the folder opens from disk (no .crc side files).
 */
public final class ReportFolder {
    private final FileSystem fs;
    private final Path dir;
    private final Set<String> images = new LinkedHashSet<>();
    /** Prefixes of the images this package writes; only those are removed from an earlier report. */
    static final List<String> OWN_PREFIXES = List.of("synthetic_", "mask_", "loss_", "heat_", "trainsample_");

    public ReportFolder(String location, Configuration conf) throws IOException {
        this.dir = HadoopPaths.qualify(location, conf);
        this.fs = HadoopPaths.exportFileSystem(dir, conf);
        fs.mkdirs(dir);
        removeEarlierImages();
    }

    /** A re-run shows fewer samples or runs than before: the earlier report's own images must not linger. */
    private void removeEarlierImages() throws IOException {
        for (FileStatus f : fs.listStatus(dir)) {
            String name = f.getPath().getName();
            if (f.isFile() && name.endsWith(".png") && OWN_PREFIXES.stream().anyMatch(name::startsWith)) {
                fs.delete(f.getPath(), false);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    /** Names of the images written so far (relative to the folder). */
    public Set<String> images() {
        return images;
    }

    /** Writes a PNG; returns its name relative to index.html. */
    public String png(String name, BufferedImage image) throws IOException {
        String safe = safeName(name);
        try (OutputStream out = fs.create(new Path(dir, safe), true)) {
            GreyPng.write(image, out);
        }
        images.add(safe);
        return safe;
    }

    /** Copies a file (a PNG from the dataset root) in; returns its name relative to index.html. */
    public String copy(FileSystem from, Path source, String name) throws IOException {
        String safe = safeName(name);
        try (InputStream in = from.open(source); OutputStream out = fs.create(new Path(dir, safe), true)) {
            in.transferTo(out);
        }
        images.add(safe);
        return safe;
    }

    public Path text(String name, String content) throws IOException {
        Path target = new Path(dir, name);
        try (OutputStream out = fs.create(target, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return target;
    }

    /** A file name safe on every file system and in a URL without encoding. */
    static String safeName(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
