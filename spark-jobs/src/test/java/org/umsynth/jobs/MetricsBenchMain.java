package org.umsynth.jobs;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MetricsConfig;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.spark.Sessions;
import org.umsynth.tables.TableStore;

/**
 * bench/metrics: the metrics job end to end with the nsfwjs InceptionV3 on phantom slices (halves
 * vs halves, vs a degraded copy), timed on local[N]. Usage: MetricsBenchMain WORKDIR N [cases] [size] [bootstrap]
 */
public final class MetricsBenchMain {
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int cases = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 128;
        int bootstrap = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        String extractors = args.length > 5 ? args[5] : "inception_v3_nsfwjs";
        String resolutions = args.length > 6 ? args[6] : "128";
        SparkConf conf = new SparkConf(false).setMaster("local[" + threads + "]").setAppName("metrics-bench")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
        Sessions.applyDefaults(conf);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            String data = work.resolve("data").toString();
            TableStore store = new TableStore(spark, data);
            if (!store.exists("half_a")) {
                Path in = work.resolve("in");
                Files.createDirectories(in);
                for (int c = 0; c < cases; c++) {
                    PhantomCase p = ChestPhantom.generate(3, c, PhantomOptions.forGrid(size, 32));
                    try (OutputStream out = Files.newOutputStream(in.resolve("case" + c + ".nii.gz"))) {
                        NiftiWriter.write(p.image(), NiftiDataType.INT16, out, true);
                    }
                }
                IngestJob.run(spark, in.toString(), null, data, new IngestConfig(), false);
                Dataset<Row> slices = store.read("slices");
                Dataset<Row> odd = slices.filter("slice_index % 2 = 1");
                Dataset<Row> degraded = spark.createDataFrame(odd.select("case_id", "slice_index", "cols", "hu").javaRDD()
                                .map(r -> RowFactory.create(r.getString(0) + "#" + r.getInt(1),
                                        MetricsJobTest.degrade(r.getAs("hu"), r.getInt(2), r.getInt(1)))),
                        new org.apache.spark.sql.types.StructType().add("sample_id", "string").add("image", "binary"));
                store.publish(Map.of("half_a", slices.filter("slice_index % 2 = 0"), "half_b", odd, "degraded", degraded), false);
            }
            MetricsConfig config = new MetricsConfig();
            config.resolutions = resolutions;
            config.extractors = extractors;
            config.bootstrap = bootstrap;
            long t0 = System.nanoTime();
            MetricsJob.Result r = MetricsJob.run(spark, data, "half_a", List.of("half_b", "degraded"), "bench" + threads, config, true);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.print(MetricsJob.format(r));
            System.out.printf("metrics job local[%d]: %.1f s%n", threads, s);
        } finally {
            spark.stop();
        }
    }
}
