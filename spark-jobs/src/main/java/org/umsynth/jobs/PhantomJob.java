package org.umsynth.jobs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.PhantomConfig;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.fs.SerializableHadoopConf;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.spark.Sessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code phantom}: deterministic chest-CT phantoms with lung/lesion labels (the demo data), written
 * as {@code OUT/images/<name>.nii.gz} (int16 HU) and {@code OUT/labels/<name>.nii.gz} (uint8), one
 * Spark task per case, to any Hadoop file system.
 */
@Command(name = "phantom", mixinStandardHelpOptions = true,
        description = "Generate deterministic chest-CT phantoms with labels (NIfTI) for the demo.")
public final class PhantomJob implements Callable<Integer> {
    @Option(names = "--cases", defaultValue = "12", description = "number of cases (default: ${DEFAULT-VALUE})")
    int cases;

    @Option(names = "--seed", defaultValue = "1", description = "seed; same seed, same bytes (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (any Hadoop file system)")
    String out;

    @Option(names = "--conf", paramLabel = "FILE", description = "config file")
    java.nio.file.Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key (repeatable)")
    List<String> overrides = new java.util.ArrayList<>();

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*])")
    String master;

    @Override
    public Integer call() throws Exception {
        ConfigSource source = ConfigSource.load(conf, overrides);
        PhantomConfig config = ConfigBinder.bind(new PhantomConfig(), source);
        if (cases < 1) {
            throw new IllegalArgumentException("--cases must be at least 1");
        }
        SparkSession spark = Sessions.create("umsynth phantom", master, source);
        try {
            run(spark, cases, seed, out, config);
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void run(SparkSession spark, int cases, long seed, String out, PhantomConfig config) throws IOException {
        long start = System.nanoTime();
        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        String root = HadoopPaths.qualify(out, hadoopConf).toString();
        SerializableHadoopConf shipped = new SerializableHadoopConf(hadoopConf);
        PhantomOptions options = options(config);
        List<Integer> indices = IntStream.range(0, cases).boxed().toList();
        JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(indices, Math.min(cases, spark.sparkContext().defaultParallelism() * 4))
                .foreach(i -> {
                    PhantomCase c = ChestPhantom.generate(seed, i, options);
                    Path base = new Path(root);
                    FileSystem fs = HadoopPaths.exportFileSystem(base, shipped.get());
                    writeAtomically(fs, new Path(base, "images/" + c.name() + ".nii.gz"), c.image(), NiftiDataType.INT16);
                    writeAtomically(fs, new Path(base, "labels/" + c.name() + ".nii.gz"), c.label(), NiftiDataType.UINT8);
                });
        System.out.printf("phantom: %d cases (%dx%dx%d) in %s/images and %s/labels, %.1f s%n", cases,
                config.size, config.size, config.slices, root, root, (System.nanoTime() - start) / 1e9);
    }

    static PhantomOptions options(PhantomConfig config) {
        return PhantomOptions.forGrid(config.size, config.slices);
    }

    /** Writes to a hidden temporary name first, so a reader never sees a half-written file. */
    private static void writeAtomically(FileSystem fs, Path target, Volume volume, NiftiDataType type) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (OutputStream os = fs.create(tmp, true)) {
            NiftiWriter.write(volume, type, os, true);
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("could not rename " + tmp + " to " + target);
        }
    }
}
