package org.umsynth.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.IngestConfig;
import org.umsynth.io.deid.CaseIds;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.fs.SerializableHadoopConf;
import org.umsynth.io.ingest.IngestSettings;
import org.umsynth.io.ingest.IngestedSlice;
import org.umsynth.io.ingest.InputDiscovery;
import org.umsynth.io.ingest.InputUnit;
import org.umsynth.io.ingest.Rejection;
import org.umsynth.io.ingest.VolumeIngestor;
import org.umsynth.spark.Sessions;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ingest}: CT volumes (NIfTI files, DICOM series folders) and optional label volumes from
 * any Hadoop file system into the {@code slices} table; rejected inputs, with their reason, into
 * {@code quarantine/stage=ingest}. One Spark task per volume or DICOM folder.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Read CT volumes (NIfTI, DICOM) into ROOT/slices; bad inputs go to ROOT/quarantine with a reason.")
public final class IngestJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

    @Mixin
    CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "DIR_OR_URI", description = "folder of CT volumes (NIfTI files, DICOM series folders)")
    String input;

    @Option(names = "--labels", paramLabel = "DIR_OR_URI", description = "folder of label volumes (NIfTI) named like their CT volume")
    String labels;

    /** What a run did: inputs = ingested volumes + quarantined inputs. */
    public record Summary(int units, long volumes, long slices, long quarantined, double seconds) {
        public double slicesPerSecond() {
            return seconds > 0 ? slices / seconds : 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        IngestConfig config = ConfigBinder.bind(new IngestConfig(), common.configSource());
        SparkSession spark = Sessions.create("umsynth ingest", common.master, common.configSource());
        try {
            run(spark, input, labels, common.data, config, common.overwrite);
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static Summary run(SparkSession spark, String input, String labels, String data, IngestConfig config,
                              boolean overwrite) throws IOException {
        long start = System.nanoTime();
        TableStore store = new TableStore(spark, data);
        String quarantine = Tables.quarantineOf("ingest");
        store.checkWritable(overwrite, Tables.SLICES, quarantine);

        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        Path inputRoot = HadoopPaths.qualify(input, hadoopConf);
        Path labelsRoot = labels == null ? null : HadoopPaths.qualify(labels, hadoopConf);
        FileSystem inputFs = inputRoot.getFileSystem(hadoopConf);
        if (!inputFs.exists(inputRoot)) {
            throw new IllegalArgumentException("--input " + input + " does not exist");
        }
        if (labelsRoot != null && !labelsRoot.getFileSystem(hadoopConf).exists(labelsRoot)) {
            throw new IllegalArgumentException("--labels " + labels + " does not exist");
        }
        InputDiscovery.Result discovered = InputDiscovery.discover(inputFs, inputRoot,
                labelsRoot == null ? null : labelsRoot.getFileSystem(hadoopConf), labelsRoot);
        List<InputUnit> units = discovered.units();
        if (units.isEmpty()) {
            throw new IllegalArgumentException("no input files under " + input);
        }
        System.out.printf("ingest: %d inputs (%d NIfTI files, %d DICOM folders), %d with labels%n", units.size(),
                units.stream().filter(u -> u.kind() == InputUnit.Kind.NIFTI).count(),
                units.stream().filter(u -> u.kind() == InputUnit.Kind.DICOM_FOLDER).count(),
                units.stream().filter(u -> u.label() != null).count());

        VolumeIngestor ingestor = new VolumeIngestor(settings(config));
        SerializableHadoopConf shippedConf = new SerializableHadoopConf(hadoopConf);
        String inputUri = inputRoot.toString();
        String labelsUri = labelsRoot == null ? null : labelsRoot.toString();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // One task per volume or DICOM folder; big units first so stragglers start early.
        List<InputUnit> ordered = new ArrayList<>(units);
        ordered.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        JavaRDD<VolumeIngestor.Outcome> outcomes = jsc.parallelize(ordered, ordered.size())
                .map(unit -> {
                    Path in = new Path(inputUri);
                    Path lab = labelsUri == null ? null : new Path(labelsUri);
                    Configuration c = shippedConf.get();
                    return ingestor.ingest(in.getFileSystem(c), in, lab == null ? null : lab.getFileSystem(c), lab, unit);
                })
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            JavaRDD<Row> sliceRows = outcomes.flatMap(o -> o.slices().iterator()).map(IngestJob::sliceRow);
            List<Rejection> orphans = discovered.orphanLabels();
            JavaRDD<Row> quarantineRows = outcomes.flatMap(o -> o.rejections().iterator())
                    .union(jsc.parallelize(orphans, 1))
                    .map(r -> RowFactory.create(r.source(), r.reason(), null, null));
            Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
            tables.put(Tables.SLICES, spark.createDataFrame(sliceRows, Tables.SLICES_SCHEMA));
            tables.put(quarantine, spark.createDataFrame(quarantineRows.coalesce(1), Tables.QUARANTINE_SCHEMA));
            store.publish(tables, overwrite);

            long[] counts = outcomes.map(o -> new long[]{o.volumes(), o.slices().size(), o.rejections().size(), o.warnings().size()})
                    .reduce((a, b) -> new long[]{a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
            List<String> warnings = outcomes.flatMap(o -> o.warnings().iterator()).take(20);
            warnings.forEach(w -> LOG.warn("{}", w));
            long quarantined = counts[2] + orphans.size();
            double seconds = (System.nanoTime() - start) / 1e9;
            Summary summary = new Summary(units.size(), counts[0], counts[1], quarantined, seconds);
            System.out.printf("ingest: %d volumes ingested (%d slices), %d inputs quarantined, %d warnings; "
                            + "%.1f s, %.1f slices/s%n", summary.volumes(), summary.slices(), summary.quarantined(),
                    counts[3], seconds, summary.slicesPerSecond());
            System.out.printf("ingest: wrote %s and %s%n", store.path(Tables.SLICES), store.path(quarantine));
            return summary;
        } finally {
            outcomes.unpersist(false);
        }
    }

    static IngestSettings settings(IngestConfig config) {
        String secret = config.caseIdSecret;
        if (secret.isEmpty()) {
            secret = System.getenv().getOrDefault("UMSYNTH_CASE_ID_SECRET", "");
        }
        if (secret.isEmpty()) {
            LOG.warn("no ingest.caseIdSecret nor $UMSYNTH_CASE_ID_SECRET: case ids use the public demo key, "
                    + "so they are not secret; set one for patient data");
            secret = CaseIds.DEMO_SECRET;
        }
        return new IngestSettings(secret, config.maxVoxels, config.maxFileBytes, config.testFraction,
                config.classes, config.ctAirThresholdHu);
    }

    private static Row sliceRow(IngestedSlice s) {
        return RowFactory.create(s.caseId(), s.sliceIndex(), s.rows(), s.cols(), s.spacingX(), s.spacingY(),
                s.spacingZ(), s.hu(), s.label(), s.source(), s.sourceSha256(), s.split());
    }
}
