package org.umsynth.tables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.io.fs.HadoopPaths;

/**
 * The named tables under one dataset root, on any Hadoop file system, published atomically:
 * a stage writes its tables to {@code ROOT/_staging/<run>/} and only a complete write is renamed
 * into place, so a crashed run never leaves a table a reader could take for complete. A table is
 * complete when its {@code _SUCCESS} marker exists.
 */
public final class TableStore {
    private static final Logger LOG = LoggerFactory.getLogger(TableStore.class);

    private final SparkSession spark;
    private final Path root;
    private final FileSystem fs;

    public TableStore(SparkSession spark, String rootLocation) throws IOException {
        this.spark = spark;
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        this.root = HadoopPaths.qualify(rootLocation, conf);
        this.fs = root.getFileSystem(conf);
    }

    public Path root() {
        return root;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    public Path path(String table) {
        return new Path(root, table);
    }

    /** True when the table was published completely. */
    public boolean exists(String table) throws IOException {
        return fs.exists(new Path(path(table), "_SUCCESS"));
    }

    /** Reads a complete table, or fails with a message that says which stage makes it. */
    public Dataset<Row> read(String table) throws IOException {
        if (!exists(table)) {
            throw new IllegalStateException("table '" + table + "' not found (or incomplete) under " + root
                    + ": run the stage that writes it first");
        }
        return spark.read().parquet(path(table).toString());
    }

    /** Fails before any work is done when an output exists and {@code overwrite} is off. */
    public void checkWritable(boolean overwrite, String... tables) throws IOException {
        if (overwrite) {
            return;
        }
        for (String table : tables) {
            if (fs.exists(path(table))) {
                throw new IllegalStateException("output table '" + table + "' already exists under " + root
                        + "; pass --overwrite to replace it");
            }
        }
    }

    /**
     * Writes every table to a staging folder, then renames each into place (replacing an old one
     * when {@code overwrite}). Parquet compressed with zstd.
     */
    public void publish(Map<String, Dataset<Row>> tables, boolean overwrite) throws IOException {
        try (Transaction tx = begin(overwrite, tables.keySet().toArray(String[]::new))) {
            for (Map.Entry<String, Dataset<Row>> e : tables.entrySet()) {
                tx.write(e.getKey(), e.getValue());
            }
            tx.commit();
        }
    }

    /** Starts writing {@code tables}; fails at once when one exists and {@code overwrite} is off. */
    public Transaction begin(boolean overwrite, String... tables) throws IOException {
        checkWritable(overwrite, tables);
        removeAbandonedStaging();
        return new Transaction(overwrite);
    }

    /** A staging folder untouched this long belongs to a run that crashed: no stage writes for a day. */
    static final long ABANDONED_AFTER_MS = 24L * 3600 * 1000;

    /**
     * Deletes staging folders of crashed runs (driver killed before {@link Transaction#close}). Only
     * folders untouched for {@link #ABANDONED_AFTER_MS}, so that a concurrent stage's staging survives.
     */
    private void removeAbandonedStaging() throws IOException {
        Path stagingRoot = new Path(root, "_staging");
        if (!fs.exists(stagingRoot)) {
            return;
        }
        long now = System.currentTimeMillis();
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(stagingRoot)) {
            if (st.isDirectory() && now - st.getModificationTime() > ABANDONED_AFTER_MS && fs.delete(st.getPath(), true)) {
                LOG.warn("removed the staging folder of a crashed run: {}", st.getPath());
            }
        }
    }

    /**
     * One stage's output: tables written to {@code ROOT/_staging/<run>/}, side files in
     * {@link #scratch()}, and nothing visible until {@link #commit()} renames the tables into place.
     * Closing without commit removes everything staged.
     */
    public final class Transaction implements AutoCloseable {
        private final String run = UUID.randomUUID().toString();
        private final Path staging = new Path(root, "_staging/" + run);
        private final Map<String, Path> staged = new LinkedHashMap<>();
        private final boolean overwrite;

        private Transaction(boolean overwrite) {
            this.overwrite = overwrite;
        }

        /** A folder for the run's side files (task outcomes), deleted with the staging area. */
        public Path scratch() {
            return new Path(staging, "scratch"); // no leading "_": Spark would skip it as hidden
        }

        public void write(String table, Dataset<Row> data) {
            Path target = new Path(staging, table.replace('/', '_'));
            data.write().mode(SaveMode.ErrorIfExists).option("compression", "zstd").parquet(target.toString());
            staged.put(table, target);
        }

        /**
         * A staged folder that the caller fills with files (a report-like output rather than a Parquet
         * table), published by {@link #commit()} like a table; write a {@code _SUCCESS} marker into it
         * last so that {@link TableStore#exists} sees it complete.
         */
        public Path folder(String name) throws IOException {
            Path target = new Path(staging, name.replace('/', '_'));
            fs.mkdirs(target);
            staged.put(name, target);
            return target;
        }

        public void commit() throws IOException {
            checkWritable(overwrite, staged.keySet().toArray(String[]::new));
            Path trash = new Path(root, "_trash/" + run);
            List<Path> replaced = new ArrayList<>();
            for (Map.Entry<String, Path> e : staged.entrySet()) {
                Path finalPath = path(e.getKey());
                fs.mkdirs(finalPath.getParent());
                if (fs.exists(finalPath)) {
                    Path old = new Path(trash, e.getKey().replace('/', '_'));
                    fs.mkdirs(trash);
                    rename(finalPath, old);
                    replaced.add(old);
                }
                rename(e.getValue(), finalPath);
                LOG.info("published table {}", finalPath);
            }
            for (Path old : replaced) {
                fs.delete(old, true);
            }
            fs.delete(trash, true);
            staged.clear();
        }

        @Override
        public void close() throws IOException {
            fs.delete(staging, true);
            deleteIfEmpty(new Path(root, "_staging"));
            deleteIfEmpty(new Path(root, "_trash"));
        }
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("could not rename " + from + " to " + to);
        }
    }

    private void deleteIfEmpty(Path dir) throws IOException {
        if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
            fs.delete(dir, false);
        }
    }
}
