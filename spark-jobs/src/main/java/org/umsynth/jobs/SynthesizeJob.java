package org.umsynth.jobs;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.SynthesizeConfig;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.fs.SerializableHadoopConf;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.io.png.GreyPng;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.image.Resize;
import org.umsynth.model.synth.Perturbation;
import org.umsynth.model.synth.Synthesizer;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.model.um.LesionControl;
import org.umsynth.model.um.UnsupervisedMask;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import org.umsynth.train.NetworkSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code synthesize}: annotated synthetic CT slices (image in HU + segmentation) from the UMs in
 * {@code ROOT/masks}, optionally perturbed (seeded jitter, random or painted lesions), by a trained
 * generator, into {@code ROOT/synthetic/<name>} with the provenance of every sample. The generator is
 * broadcast once and rebuilt once per executor thread; batches are formed in a fixed order, so a
 * re-run with the same seed gives the same bytes.
 */
@Command(name = "synthesize", mixinStandardHelpOptions = true,
        description = "Generate annotated synthetic CT slices from ROOT/masks with a trained generator.")
public final class SynthesizeJob implements Callable<Integer> {
    public static final String CODE_VERSION = "umsynth-0.1.0";
    /** The perturbation column of a sample made from a manual label map (the seg-conditioned baseline). */
    public static final String SEG_CONDITION = "label map (seg conditioning)";

    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "RUN", description = "training run under ROOT/models")
    String model;

    @Option(names = "--checkpoint", paramLabel = "NAME", description = "checkpoint folder of the run (default: latest)")
    String checkpoint;

    @Option(names = "--name", paramLabel = "NAME", description = "output table ROOT/synthetic/NAME (default: the run name)")
    String name;

    @Option(names = "--count", paramLabel = "N", description = "total samples (overrides synthesize.count)")
    Long count;

    @Option(names = "--lesions", paramLabel = "CSV", description = "lesions x,y,radius,hu (UM pixels, HU) painted into every UM")
    String lesionsCsv;

    @Option(names = "--export", paramLabel = "nifti|png", description = "also write files (overrides synthesize.export)")
    SynthesizeConfig.Export export;

    @Option(names = "--export-dir", paramLabel = "DIR", description = "where files go (default: ROOT/export/NAME)")
    String exportDir;

    public record Summary(long samples, double seconds, String table) {
        public double slicesPerSecond() {
            return seconds > 0 ? samples / seconds : 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        return common.run("synthesize", new SynthesizeConfig(), config -> spark -> {
            if (count != null) {
                config.count = count;
            }
            if (export != null) {
                config.export = export;
            }
            run(spark, common.data, model, checkpoint, name, lesionsCsv, exportDir, config, common.overwrite);
        });
    }

    public static Summary run(SparkSession spark, String data, String run, String checkpointName, String name,
                              String lesionsCsv, String exportDir, SynthesizeConfig config, boolean overwrite)
            throws IOException {
        long start = System.nanoTime();
        TableStore store = new TableStore(spark, data);
        String tableName = Tables.SYNTHETIC + "/" + (name == null ? run : name);
        store.checkWritable(overwrite, tableName);
        Configuration hadoopConf = spark.sparkContext().hadoopConfiguration();
        FileSystem fs = store.fileSystem();

        Path checkpoints = new Path(store.path("models/" + run), "checkpoints");
        Path checkpointDir = checkpointName == null
                ? GanCheckpoint.latest(fs, checkpoints).orElseThrow(() -> new IllegalStateException(
                        "no checkpoint in " + checkpoints + ": train the run first"))
                : new Path(checkpoints, checkpointName);
        GanProfile profile = GanCheckpoint.readState(fs, checkpointDir).profile();
        boolean segConditioned = profile.conditioning() == Conditioning.SEG;
        String modelId = run + "/" + checkpointDir.getName();
        // Shipped as profile + parameters; executors rebuild it once per thread (as training does).
        NetworkSnapshot snapshot = NetworkSnapshot.of(modelId, NetworkSnapshot.Kind.GENERATOR, profile,
                GanCheckpoint.loadGenerator(fs, checkpointDir));

        Perturbation requested = perturbation(config, lesionsCsv, hadoopConf);
        if (segConditioned && !requested.isNone()) {
            // UM perturbations move superpixel intensities; a label map has none to move
            System.out.printf("synthesize: run %s is seg-conditioned: UM perturbations do not apply, label maps are "
                    + "used as they are (round robin)%n", run);
        }
        Perturbation perturbation = segConditioned ? perturbation(new SynthesizeConfig(), null, hadoopConf) : requested;
        if (perturbation.isNone() && config.samplesPerMask > 1 && !segConditioned) {
            throw new IllegalArgumentException("synthesize.samplesPerMask = " + config.samplesPerMask
                    + " without a perturbation would repeat identical samples: set synthesize.jitterSteps, "
                    + "synthesize.lesions or --lesions");
        }

        Dataset<Row> masks = store.read(Tables.MASKS);
        if (config.split != SynthesizeConfig.Split.ALL) {
            masks = masks.filter(col("split").equalTo(config.split.name().toLowerCase(java.util.Locale.ROOT)));
        }
        if (segConditioned) {
            masks = segConditions(masks, fs, checkpointDir, run);
        }
        Dataset<Row> slices = store.read(Tables.SLICES).select("case_id", "slice_index", "rows", "cols",
                "spacing_x", "spacing_y", "spacing_z", "label");
        Dataset<Row> sources = masks.join(slices, Tables.SLICE_KEY)
                .select(col("case_id"), col("slice_index"), col("um"), masks.col("rows").as("size"),
                        slices.col("cols").as("slice_cols"), slices.col("spacing_x"), slices.col("spacing_y"),
                        slices.col("spacing_z"), slices.col("rows").as("slice_rows"), slices.col("label"));
        // Sample k of UM i exists when k * umCount + rank(i) < total: UMs are used round robin.
        List<Row> ranks = sources.select("case_id", "slice_index", "size").orderBy("case_id", "slice_index")
                .collectAsList();
        long umCount = ranks.size();
        if (umCount == 0) {
            throw new IllegalStateException(segConditioned ? "no labelled training masks to synthesize from for the seg-conditioned run " + run
                    : "no masks to synthesize from (split " + config.split + ")");
        }
        int size = ranks.get(0).getInt(2);
        if (size != profile.resolution()) {
            throw new IllegalArgumentException("masks are " + size + "x" + size + " but the generator of " + run
                    + " works at " + profile.resolution() + "x" + profile.resolution());
        }
        long total = config.count > 0 ? config.count : umCount * config.samplesPerMask;
        int partitions = (int) Math.max(1, Math.min(umCount, spark.sparkContext().defaultParallelism() * 2L));
        Dataset<Row> ordered = sources.repartition(partitions, col("case_id")).sortWithinPartitions("case_id", "slice_index");

        Map<String, Long> rankOf = new LinkedHashMap<>();
        for (int i = 0; i < ranks.size(); i++) {
            rankOf.put(ranks.get(i).getString(0) + "/" + ranks.get(i).getInt(1), (long) i);
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<NetworkSnapshot> generator = jsc.broadcast(snapshot);
        Broadcast<Map<String, Long>> ranksB = jsc.broadcast(rankOf);
        int channels = profile.inputChannels();
        long seed = config.seed;
        int tr = config.quantStep;
        int batchSize = config.batchSize;
        String checkpointId = checkpointDir.getName();
        int classes = profile.classes();

        JavaRDD<Row> samples = ordered.javaRDD().mapPartitions(rows -> {
            Synthesizer synthesizer = new Synthesizer(generator.value().network(), size, channels);
            List<Row> out = new ArrayList<>();
            List<PendingSample> batch = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                String caseId = r.getString(0);
                int slice = r.getInt(1);
                long rank = ranksB.value().get(caseId + "/" + slice);
                for (long k = 0; k * umCount + rank < total; k++) {
                    long sampleSeed = sampleSeed(seed, caseId, slice, k);
                    LesionControl.Perturbed p;
                    float[] condition;
                    if (segConditioned) {
                        byte[] label = Resize.majorityLabels(r.getAs("label"), r.<Integer>getAs("slice_cols"),
                                r.<Integer>getAs("slice_rows"), size, size);
                        p = new LesionControl.Perturbed(r.getAs("um"), null, SEG_CONDITION);
                        condition = TrainingPair.segInput(label, size, classes);
                    } else {
                        p = perturbation.apply(r.getAs("um"), size, tr, sampleSeed);
                        condition = UnsupervisedMask.generatorInput(p.um(), size, size);
                    }
                    double scale = r.<Integer>getAs("slice_cols") / (double) size;
                    batch.add(new PendingSample(caseId, slice, (int) k, sampleSeed, p, condition,
                            r.<Double>getAs("spacing_x") * scale, r.<Double>getAs("spacing_y") * scale,
                            r.<Double>getAs("spacing_z")));
                    if (batch.size() == batchSize) {
                        flush(batch, synthesizer, size, modelId, checkpointId, out);
                    }
                }
            }
            flush(batch, synthesizer, size, modelId, checkpointId, out);
            return out.iterator();
        });
        Dataset<Row> table = spark.createDataFrame(samples, Tables.SYNTHETIC_SCHEMA);
        store.publish(Map.of(tableName, table), overwrite);
        long written = store.read(tableName).count();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("synthesize: %d samples (%dx%d) from %d UMs with %s; %.1f s, %.1f slices/s%n", written, size,
                size, umCount, modelId, seconds, written / seconds);
        System.out.printf("synthesize: wrote %s%n", store.path(tableName));
        if (config.export != SynthesizeConfig.Export.NONE) {
            String dir = exportDir != null ? exportDir : store.path("export/" + (name == null ? run : name)).toString();
            export(spark, store.read(tableName), dir, config.export, profile.classes());
        }
        return new Summary(written, seconds, store.path(tableName).toString());
    }

    /** A sample waiting for its batch. */
    private record PendingSample(String caseId, int slice, int k, long seed, LesionControl.Perturbed perturbed,
                                 float[] condition, double spacingX, double spacingY, double spacingZ) {
    }

    private static void flush(List<PendingSample> batch, Synthesizer synthesizer, int size, String modelId,
                              String checkpointId, List<Row> out) {
        if (batch.isEmpty()) {
            return;
        }
        List<float[]> conditions = new ArrayList<>();
        for (PendingSample s : batch) {
            conditions.add(s.condition());
        }
        List<Synthesizer.Output> outputs = synthesizer.generate(conditions);
        for (int i = 0; i < batch.size(); i++) {
            PendingSample s = batch.get(i);
            Synthesizer.Output o = outputs.get(i);
            out.add(RowFactory.create(String.format("%s_z%03d_%03d", s.caseId(), s.slice(), s.k()), s.caseId(), s.slice(),
                    s.k(), s.seed(), modelId, checkpointId, s.perturbed().description(), size, size,
                    s.spacingX(), s.spacingY(), s.spacingZ(),
                    PixelCodec.encodeHu(o.hu(), 0, o.hu().length), o.seg(), s.perturbed().um(), CODE_VERSION));
        }
        batch.clear();
    }

    /**
     * The conditions of a seg-conditioned (baseline) run: the single-slice masks of the training cases whose
     * manual labels that run was allowed to use (the first {@code train.labelledCases} labelled cases by case
     * id, as in training), so the baseline never sees a test label or more labels than its budget.
     */
    static Dataset<Row> segConditions(Dataset<Row> masks, FileSystem fs, Path checkpointDir, String run) throws IOException {
        Map<String, String> trained = GanCheckpoint.readState(fs, checkpointDir).config();
        int budget = Integer.parseInt(trained.getOrDefault("labelledCases", "0"));
        Dataset<Row> labelled = masks.filter(col("split").equalTo("train").and(col("labelled")));
        if (java.util.Arrays.asList(masks.columns()).contains("montage_slices")
                && !labelled.filter(col("montage_slices").isNotNull()).isEmpty()) {
            throw new IllegalArgumentException("run " + run + " is seg-conditioned and the masks are montages: "
                    + "synthesis from label maps supports single-slice masks only");
        }
        if (budget > 0) {
            List<Object> keep = new ArrayList<>();
            labelled.select("case_id").distinct().orderBy("case_id").limit(budget).collectAsList()
                    .forEach(r -> keep.add(r.getString(0)));
            labelled = labelled.filter(col("case_id").isin(keep.toArray()));
        }
        return labelled;
    }

    /** A sample's seed from the run seed and the sample's identity (not its position in a partition). */
    static long sampleSeed(long seed, String caseId, int slice, long k) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((seed + "/" + caseId + "/" + slice + "/" + k).getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (d[i] & 0xFF);
            }
            return v;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Perturbation perturbation(SynthesizeConfig c, String lesionsCsv, Configuration conf) throws IOException {
        List<Perturbation.Disc> discs = List.of();
        if (lesionsCsv != null) {
            Path p = HadoopPaths.qualify(lesionsCsv, conf);
            try (InputStream in = p.getFileSystem(conf).open(p)) {
                discs = Perturbation.parseDiscs(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            }
        }
        return new Perturbation(c.jitterSteps, c.lesions, c.lesionMinRadius, c.lesionMaxRadius, c.lesionMinHu,
                c.lesionMaxHu, discs);
    }

    /**
     * Annotated pairs as files a segmentation framework reads directly: NIfTI in the nnU-Net / MONAI
     * layout ({@code imagesTr/<id>_0000.nii.gz}, {@code labelsTr/<id>.nii.gz}, {@code dataset.json}),
     * or PNG triptychs (UM | image | segmentation).
     */
    static void export(SparkSession spark, Dataset<Row> table, String dir, SynthesizeConfig.Export kind, int classes)
            throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path root = HadoopPaths.qualify(dir, conf);
        String rootUri = root.toString();
        SerializableHadoopConf shipped = new SerializableHadoopConf(conf);
        table.javaRDD().foreachPartition(rows -> {
            Path base = new Path(rootUri);
            FileSystem fs = HadoopPaths.exportFileSystem(base, shipped.get());
            while (rows.hasNext()) {
                Row r = rows.next();
                String id = r.getAs("sample_id");
                int rows2 = r.getAs("rows");
                int cols = r.getAs("cols");
                float[] hu = PixelCodec.decodeHu(r.getAs("image"));
                byte[] seg = r.getAs("seg");
                if (kind == SynthesizeConfig.Export.NIFTI) {
                    double sx = r.getAs("spacing_x");
                    double sy = r.getAs("spacing_y");
                    double sz = r.getAs("spacing_z");
                    write(fs, new Path(base, "imagesTr/" + id + "_0000.nii.gz"), new Volume(cols, rows2, 1, sx, sy, sz, hu),
                            NiftiDataType.INT16);
                    write(fs, new Path(base, "labelsTr/" + id + ".nii.gz"),
                            new Volume(cols, rows2, 1, sx, sy, sz, PixelCodec.decodeUint8(seg)), NiftiDataType.UINT8);
                } else {
                    var picture = GreyPng.row(GreyPng.bytes(r.getAs("um"), rows2, cols, 1),
                            GreyPng.windowed(hu, rows2, cols, -1500, 100), GreyPng.bytes(seg, rows2, cols, 255 / Math.max(1, classes - 1)));
                    try (OutputStream out = fs.create(new Path(base, "png/" + id + ".png"), true)) {
                        GreyPng.write(picture, out);
                    }
                }
            }
        });
        long n = table.count();
        if (kind == SynthesizeConfig.Export.NIFTI) {
            FileSystem fs = HadoopPaths.exportFileSystem(root, conf);
            String json = "{\n  \"name\": \"umsynth synthetic\",\n  \"description\": \"annotated synthetic CT slices (umsynth)\",\n"
                    + "  \"channel_names\": {\"0\": \"CT\"},\n"
                    + "  \"labels\": {\"background\": 0, \"lung\": 1, \"lesion\": 2},\n"
                    + "  \"numTraining\": " + n + ",\n  \"file_ending\": \".nii.gz\"\n}\n";
            try (OutputStream out = fs.create(new Path(root, "dataset.json"), true)) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
            }
        }
        System.out.printf("synthesize: exported %d samples as %s to %s%n", n, kind.name().toLowerCase(java.util.Locale.ROOT), root);
    }

    private static void write(FileSystem fs, Path target, Volume v, NiftiDataType type) throws IOException {
        try (OutputStream out = fs.create(target, true)) {
            NiftiWriter.write(v, type, out, true);
        }
    }
}
