package org.umsynth.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.MasksConfig;
import org.umsynth.io.fs.HadoopPaths;
import org.umsynth.io.png.GreyPng;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.image.Resize;
import org.umsynth.model.um.HuWindow;
import org.umsynth.model.um.LungMask;
import org.umsynth.model.um.Montage;
import org.umsynth.model.um.SliceMode;
import org.umsynth.model.um.SliceSelection;
import org.umsynth.model.um.UmParams;
import org.umsynth.model.um.UnsupervisedMask;
import org.umsynth.model.um.UnusableSliceException;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code masks}: the unsupervised mask (UM) of the chosen slices of every case (SPEC section 3).
 *
 * <p>Two passes, neither of which gathers a case's volume in one place: (1) per slice, its lung area
 * (label class != 0 when labelled, else the HU-threshold lung mask), a few bytes per slice on the
 * driver, where the reference's slice choice is made per case; (2) the chosen
 * slices, selected by a broadcast join, get their UM in parallel. Memory per task is bounded by its
 * partition, not by the table. Cases with no lung, and slices SLIC cannot segment, go to
 * {@code quarantine/stage=masks} with the reason.
 */
@Command(name = "masks", mixinStandardHelpOptions = true,
        description = "Compute unsupervised masks (SLIC superpixel guidance) from ROOT/slices into ROOT/masks.")
public final class MasksJob implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--png", paramLabel = "DIR", description = "also write pictures (HU | UM | edges) of a few masks here")
    String pngDir;

    public record Summary(long cases, long masks, long quarantined, double seconds) {
        public double slicesPerSecond() {
            return seconds > 0 ? masks / seconds : 0;
        }
    }

    @Override
    public Integer call() throws Exception {
        return common.run("masks", new MasksConfig(),
                config -> spark -> run(spark, common.data, config, common.overwrite, pngDir));
    }

    public static Summary run(SparkSession spark, String data, MasksConfig config, boolean overwrite, String pngDir)
            throws IOException {
        long start = System.nanoTime();
        UmParams params = config.params();
        TableStore store = new TableStore(spark, data);
        String quarantine = Tables.quarantineOf("masks");
        store.checkWritable(overwrite, Tables.MASKS, quarantine);
        Dataset<Row> slices = store.read(Tables.SLICES);

        // Pass 1: lung presence per slice; a few bytes per slice reach the driver.
        List<Row> lungRows = slices.select("case_id", "slice_index", "rows", "cols", "spacing_x", "spacing_y", "hu", "label")
                .javaRDD()
                .map(MasksJob::lungPresence)
                .collect();
        double lungSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("masks: lung extent of %d slices in %.1f s%n", lungRows.size(), lungSeconds);
        Map<String, CaseLungs> cases = new TreeMap<>();
        for (Row r : lungRows) {
            cases.computeIfAbsent(r.getString(0), k -> new CaseLungs()).add(r.getInt(1), r.getDouble(2), r.getBoolean(3));
        }
        List<Row> chosen = new ArrayList<>();
        List<Row> quarantined = new ArrayList<>();
        for (Map.Entry<String, CaseLungs> e : cases.entrySet()) {
            SliceSelection selection = e.getValue().select(params.mode());
            if (!selection.usable()) {
                quarantined.add(RowFactory.create("case " + e.getKey(), selection.unusableReason(), e.getKey(), null));
                continue;
            }
            int[] idx = selection.indices();
            for (int i = 0; i < idx.length; i++) {
                chosen.add(RowFactory.create(e.getKey(), idx[i], i));
            }
        }
        StructType chosenSchema = new StructType(new StructField[]{
                new StructField("case_id", DataTypes.StringType, false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("slice_index", DataTypes.IntegerType, false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("tile", DataTypes.IntegerType, false, org.apache.spark.sql.types.Metadata.empty())});
        Dataset<Row> picks = spark.createDataFrame(chosen, chosenSchema).dropDuplicates("case_id", "slice_index", "tile");

        // Pass 2: the chosen slices, spread over all cores by case, in a deterministic order.
        int partitions = Math.max(1, Math.min(Math.max(1, chosen.size()), spark.sparkContext().defaultParallelism() * 4));
        Dataset<Row> selected = slices.join(broadcast(picks), Tables.SLICE_KEY)
                .select("case_id", "slice_index", "tile", "rows", "cols", "hu", "label", "split")
                .repartition(partitions, col("case_id"))
                .sortWithinPartitions("case_id", "tile");
        JavaRDD<Outcome> outcomes = (params.mode() == SliceMode.MONTAGE
                ? montages(selected, params)
                : selected.javaRDD().map(r -> singleSlice(r, params)))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            JavaRDD<Row> maskRows = outcomes.filter(o -> o.mask != null).map(o -> o.mask);
            JavaRDD<Row> badRows = outcomes.filter(o -> o.rejection != null).map(o -> o.rejection)
                    .union(spark.createDataFrame(quarantined, Tables.QUARANTINE_SCHEMA).javaRDD());
            Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
            tables.put(Tables.MASKS, spark.createDataFrame(maskRows, Tables.MASKS_SCHEMA));
            tables.put(quarantine, spark.createDataFrame(badRows.coalesce(1), Tables.QUARANTINE_SCHEMA));
            store.publish(tables, overwrite);
            long masks = outcomes.filter(o -> o.mask != null).count();
            long bad = outcomes.filter(o -> o.rejection != null).count() + quarantined.size();
            double seconds = (System.nanoTime() - start) / 1e9;
            Summary summary = new Summary(cases.size(), masks, bad, seconds);
            System.out.printf("masks: %d cases, %d masks (%s, %dx%d), %d quarantined; %.1f s, %.1f slices/s%n",
                    cases.size(), masks, params.mode().name().toLowerCase(java.util.Locale.ROOT), params.resolution(),
                    params.resolution(), bad, seconds, summary.slicesPerSecond());
            System.out.printf("masks: wrote %s%n", store.path(Tables.MASKS));
            if (pngDir != null && config.pngCount > 0) {
                writePictures(spark, store, params, pngDir, config.pngCount);
            }
            return summary;
        } finally {
            outcomes.unpersist(false);
        }
    }

    /** One task's result for one mask: a masks row or a quarantine row. */
    static final class Outcome implements java.io.Serializable {
        final Row mask;
        final Row rejection;

        Outcome(Row mask, Row rejection) {
            this.mask = mask;
            this.rejection = rejection;
        }
    }

    /** Per-case lung area by slice, and whether every slice is labelled. */
    private static final class CaseLungs {
        private final TreeMap<Integer, Double> lungArea = new TreeMap<>();
        private boolean allLabelled = true;

        void add(int slice, double area, boolean labelled) {
            lungArea.put(slice, area);
            allLabelled &= labelled;
        }

        SliceSelection select(SliceMode mode) {
            double[] area = new double[lungArea.lastKey() + 1];
            lungArea.forEach((z, a) -> area[z] = a);
            boolean[] lung = new boolean[area.length];
            if (allLabelled) {
                // The reference: any labelled voxel makes a lung slice.
                for (int z = 0; z < area.length; z++) {
                    lung[z] = area[z] > 0;
                }
            } else {
                lung = LungMask.substantialLung(area);
            }
            return SliceSelection.fromExtent(lung, mode, allLabelled ? "label" : "hu-threshold");
        }
    }

    /** (case_id, slice_index, lung area in mm^2, labelled) of one slice. */
    private static Row lungPresence(Row r) {
        byte[] label = r.getAs("label");
        double sx = r.<Double>getAs("spacing_x");
        double sy = r.<Double>getAs("spacing_y");
        boolean[] lung;
        if (label != null) {
            lung = new boolean[label.length];
            for (int i = 0; i < label.length; i++) {
                lung[i] = label[i] != 0;
            }
        } else {
            float[] hu = PixelCodec.decodeHu(r.getAs("hu"));
            lung = LungMask.ofSlice(hu, r.<Integer>getAs("cols"), r.<Integer>getAs("rows"), sx, sy);
        }
        return RowFactory.create(r.<String>getAs("case_id"), r.<Integer>getAs("slice_index"), LungMask.area(lung, sx, sy),
                label != null);
    }

    private static Outcome singleSlice(Row r, UmParams params) {
        String caseId = r.getAs("case_id");
        int slice = r.getAs("slice_index");
        try {
            UnsupervisedMask.Result um = UnsupervisedMask.fromHu(PixelCodec.decodeHu(r.getAs("hu")),
                    r.<Integer>getAs("cols"), r.<Integer>getAs("rows"), params);
            return new Outcome(RowFactory.create(caseId, slice, um.height(), um.width(), um.um(), um.segmentCount(),
                    params.describe(), r.<String>getAs("split"), r.getAs("label") != null, null), null);
        } catch (UnusableSliceException e) {
            return new Outcome(null, RowFactory.create("case " + caseId + " slice " + slice, e.reason(), caseId, slice));
        }
    }

    /** The 4 chosen slices of each case tiled 2x2 (the reference's montage), one UM per case. */
    private static JavaRDD<Outcome> montages(Dataset<Row> selected, UmParams params) {
        return selected.javaRDD()
                .mapToPair(r -> new Tuple2<>(r.<String>getAs("case_id"), r))
                .groupByKey()
                .map(group -> {
                    List<Row> tiles = new ArrayList<>();
                    group._2().forEach(tiles::add);
                    tiles.sort((a, b) -> Integer.compare(a.<Integer>getAs("tile"), b.<Integer>getAs("tile")));
                    String caseId = group._1();
                    int tile = params.resolution() / 2;
                    float[][] windowed = new float[4][];
                    Integer[] sliceIndices = new Integer[4];
                    Row first = tiles.get(0);
                    for (int t = 0; t < 4; t++) {
                        // A tiny extent repeats a slice; dropDuplicates kept one row per tile.
                        Row row = tiles.get(Math.min(t, tiles.size() - 1));
                        windowed[t] = HuWindow.apply(PixelCodec.decodeHu(row.getAs("hu")));
                        sliceIndices[t] = row.getAs("slice_index");
                    }
                    float[] montage = Montage.tile(windowed, first.<Integer>getAs("cols"), first.<Integer>getAs("rows"), tile);
                    try {
                        UnsupervisedMask.Result um = UnsupervisedMask.fromWindowed(montage, 2 * tile, 2 * tile, params);
                        return new Outcome(RowFactory.create(caseId, sliceIndices[0], um.height(), um.width(), um.um(),
                                um.segmentCount(), params.describe(), first.<String>getAs("split"), first.getAs("label") != null,
                                scala.collection.JavaConverters.asScalaBuffer(Arrays.asList(sliceIndices)).toSeq()), null);
                    } catch (UnusableSliceException e) {
                        return new Outcome(null, RowFactory.create("case " + caseId + " montage", e.reason(), caseId, null));
                    }
                });
    }

    /** HU (windowed, at the mask's resolution) | UM | edges, side by side, for a few masks. */
    private static void writePictures(SparkSession spark, TableStore store, UmParams params, String pngDir, int count)
            throws IOException {
        Dataset<Row> masks = store.read(Tables.MASKS).orderBy("case_id", "slice_index").limit(count);
        Dataset<Row> joined = masks.join(store.read(Tables.SLICES).select("case_id", "slice_index", "hu", "rows", "cols")
                        .withColumnRenamed("rows", "slice_rows").withColumnRenamed("cols", "slice_cols"),
                Tables.SLICE_KEY);
        Path dir = HadoopPaths.qualify(pngDir, spark.sparkContext().hadoopConfiguration());
        FileSystem fs = HadoopPaths.exportFileSystem(dir, spark.sparkContext().hadoopConfiguration());
        fs.mkdirs(dir);
        int written = 0;
        for (Iterator<Row> it = joined.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            int rows = r.getAs("rows");
            int cols = r.getAs("cols");
            byte[] um = r.getAs("um");
            float[] windowed = HuWindow.apply(PixelCodec.decodeHu(r.getAs("hu")));
            float[] shown = Resize.resize(windowed, r.<Integer>getAs("slice_cols"), r.<Integer>getAs("slice_rows"), cols, rows);
            var picture = GreyPng.row(GreyPng.windowed(shown, rows, cols, 0, 255), GreyPng.bytes(um, rows, cols, 1),
                    GreyPng.bytes(UnsupervisedMask.edges(um, cols, rows), rows, cols, 255));
            try (OutputStream out = fs.create(new Path(dir, "mask_" + r.getAs("case_id") + "_z" + r.getAs("slice_index") + ".png"), true)) {
                GreyPng.write(picture, out);
            }
            written++;
        }
        System.out.printf("masks: %d pictures (windowed HU | UM | edges) in %s%n", written, dir);
    }
}
