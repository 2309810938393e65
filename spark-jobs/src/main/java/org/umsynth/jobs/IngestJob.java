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
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FSDataOutputStream;
import scala.Tuple2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.IngestConfig;
import org.umsynth.io.deid.CaseIds;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.fs.SerializableHadoopConf;
import org.umsynth.io.ingest.IngestSettings;
import org.umsynth.io.ingest.IngestedSlice;
import org.umsynth.io.ingest.InputDiscovery;
import org.umsynth.io.ingest.InputUnit;
import org.umsynth.io.ingest.VolumeIngestor;
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

    @Option(names = "--labels-manifest", paramLabel = "CSV",
            description = "pairs image,label (paths relative to --input and --labels) instead of pairing by name")
    String manifest;

    /** What a run did: inputs = ingested volumes + quarantined inputs. */
    public record Summary(int units, long volumes, long slices, long quarantined, double seconds) {
        public double slicesPerSecond() {
            return seconds > 0 ? slices / seconds : 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        return common.run("ingest", new IngestConfig(),
                config -> spark -> run(spark, input, labels, manifest, common.data, config, common.overwrite));
    }

    public static Summary run(SparkSession spark, String input, String labels, String data, IngestConfig config,
                              boolean overwrite) throws IOException {
        return run(spark, input, labels, null, data, config, overwrite);
    }

    /** @param manifest a CSV of image,label pairs on any file system, or null to pair by base name */
    public static Summary run(SparkSession spark, String input, String labels, String manifest, String data,
                              IngestConfig config, boolean overwrite) throws IOException {
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
        List<String> manifestLines = null;
        if (manifest != null) {
            if (labelsRoot == null) {
                throw new IllegalArgumentException("--labels-manifest needs --labels (the root its label paths are relative to)");
            }
            Path m = HadoopPaths.qualify(manifest, hadoopConf);
            try (java.io.InputStream in = m.getFileSystem(hadoopConf).open(m)) {
                manifestLines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList();
            }
        }
        InputDiscovery.Result discovered = InputDiscovery.discover(inputFs, inputRoot,
                labelsRoot == null ? null : labelsRoot.getFileSystem(hadoopConf), labelsRoot, manifestLines);
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
        List<Tuple2<Integer, InputUnit>> indexed = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            indexed.add(new Tuple2<>(i, ordered.get(i)));
        }
        try (TableStore.Transaction tx = store.begin(overwrite, Tables.SLICES, quarantine)) {
            // Pixel data streams straight into the table; each task leaves a small side file with its
            // rejections and counts (named by unit, so a retried task rewrites the same file).
            String outcomes = tx.scratch().toString();
            JavaRDD<Row> sliceRows = jsc.parallelize(indexed, indexed.size()).flatMap(unit -> {
                Path in = new Path(inputUri);
                Path lab = labelsUri == null ? null : new Path(labelsUri);
                Configuration c = shippedConf.get();
                VolumeIngestor.Outcome o = ingestor.ingest(in.getFileSystem(c), in, lab == null ? null : lab.getFileSystem(c),
                        lab, unit._2());
                writeOutcome(new Path(outcomes, "unit-" + unit._1() + ".json"), c, unit._2(), o);
                return o.slices().stream().map(IngestJob::sliceRow).iterator();
            });
            tx.write(Tables.SLICES, spark.createDataFrame(sliceRows, Tables.SLICES_SCHEMA));

            Dataset<Row> sides = spark.read().schema(OUTCOME_SCHEMA).json(outcomes);
            Row totals = sides.agg(functions.count("*"), functions.sum("volumes"), functions.sum("slices"),
                    functions.sum(functions.size(functions.col("warnings"))),
                    functions.sum(functions.size(functions.col("rejections")))).first();
            if (totals.getLong(0) != units.size()) {
                throw new IllegalStateException("ingest: " + totals.getLong(0) + " of " + units.size() + " task outcomes found");
            }
            Dataset<Row> rejected = sides.select(functions.explode(functions.col("rejections")).as("r"))
                    .select(functions.col("r.source").as("source"), functions.col("r.reason").as("reason"),
                            functions.lit(null).cast("string").as("case_id"), functions.lit(null).cast("int").as("slice_index"));
            Dataset<Row> orphans = spark.createDataFrame(discovered.orphanLabels().stream()
                    .map(r -> RowFactory.create(r.source(), r.reason(), null, null)).toList(), Tables.QUARANTINE_SCHEMA);
            Dataset<Row> quarantineRows = spark.createDataFrame(rejected.union(orphans).coalesce(1).javaRDD(), Tables.QUARANTINE_SCHEMA);
            tx.write(quarantine, quarantineRows);
            long quarantined = totals.getLong(4) + discovered.orphanLabels().size();
            for (Row w : sides.select(functions.explode(functions.col("warnings"))).limit(20).collectAsList()) {
                LOG.warn("{}", w.getString(0));
            }
            tx.commit();

            double seconds = (System.nanoTime() - start) / 1e9;
            Summary summary = new Summary(units.size(), totals.getLong(1), totals.getLong(2), quarantined, seconds);
            System.out.printf("ingest: %d volumes ingested (%d slices), %d inputs quarantined, %d warnings; "
                            + "%.1f s, %.1f slices/s%n", summary.volumes(), summary.slices(), summary.quarantined(),
                    totals.getLong(3), seconds, summary.slicesPerSecond());
            System.out.printf("ingest: wrote %s and %s%n", store.path(Tables.SLICES), store.path(quarantine));
            return summary;
        }
    }

    /** The side file of one task: its rejections, counts and warnings. */
    private static final StructType OUTCOME_SCHEMA = new StructType()
            .add("source", DataTypes.StringType)
            .add("volumes", DataTypes.LongType)
            .add("slices", DataTypes.LongType)
            .add("warnings", DataTypes.createArrayType(DataTypes.StringType))
            .add("rejections", DataTypes.createArrayType(new StructType()
                    .add("source", DataTypes.StringType).add("reason", DataTypes.StringType)));

    private static void writeOutcome(Path file, Configuration conf, InputUnit unit, VolumeIngestor.Outcome o)
            throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("source", unit.source());
        doc.put("volumes", o.volumes());
        doc.put("slices", o.slices().size());
        doc.put("warnings", o.warnings());
        doc.put("rejections", o.rejections().stream().map(r -> Map.of("source", r.source(), "reason", r.reason())).toList());
        byte[] json = JSON.writeValueAsBytes(doc);
        try (FSDataOutputStream out = file.getFileSystem(conf).create(file, true)) {
            out.write(json);
            out.write('\n');
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

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
