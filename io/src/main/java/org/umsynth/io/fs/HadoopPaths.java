package org.umsynth.io.fs;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Paths on any Hadoop file system ({@code file://}, {@code hdfs://}, {@code s3a://}): a plain
 * path means the local file system, whatever {@code fs.defaultFS} says, so that
 * {@code --data ./out} does what a person expects.
 */
public final class HadoopPaths {
    private HadoopPaths() {
    }

    /** The fully qualified path for a user-given location. */
    public static Path qualify(String location, Configuration conf) throws IOException {
        URI uri = URI.create(location.replace(" ", "%20"));
        Path path;
        if (uri.getScheme() == null) {
            // not File.toURI(): that ends an existing folder's path with '/', and getParent() of such a Path is itself
            path = new Path("file", null, new java.io.File(location).getAbsoluteFile().toPath().normalize().toString());
        } else {
            path = new Path(location);
        }
        FileSystem fs = path.getFileSystem(conf);
        return fs.makeQualified(path);
    }

    /** A regular file below a root, with its path relative to that root ('/'-separated). */
    public record ListedFile(String relativePath, long length) implements Serializable {
    }

    /**
     * Every regular file below {@code root}, recursively, sorted by relative path; names starting
     * with '.' or '_' (Hadoop's hidden and marker files) are skipped, as Spark does.
     */
    public static List<ListedFile> listFiles(FileSystem fs, Path root) throws IOException {
        List<ListedFile> files = new ArrayList<>();
        FileStatus status = fs.getFileStatus(root);
        if (status.isFile()) {
            files.add(new ListedFile(root.getName(), status.getLen()));
            return files;
        }
        String rootString = fs.makeQualified(root).toUri().getPath();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            String path = f.getPath().toUri().getPath();
            String relative = path.substring(rootString.length()).replaceFirst("^/+", "");
            if (isHidden(relative)) {
                continue;
            }
            files.add(new ListedFile(relative, f.getLen()));
        }
        files.sort(Comparator.comparing(ListedFile::relativePath));
        return files;
    }

    private static boolean isHidden(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".") || part.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The file system of {@code path}, set not to write {@code .name.crc} side files on the local
     * file system: exported files (NIfTI, PNG) are for other tools and people, not for Hadoop.
     */
    public static FileSystem exportFileSystem(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        fs.setWriteChecksum(false);
        return fs;
    }

    /** {@code child} resolved under {@code root}; {@code relative} uses '/' separators. */
    public static Path resolve(Path root, String relative) {
        return relative.isEmpty() ? root : new Path(root, relative);
    }
}
