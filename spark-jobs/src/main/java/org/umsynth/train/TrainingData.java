package org.umsynth.train;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.posexplode;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import scala.Tuple2;

/**
 * The training set of the GAN: every {@code masks} row of the train split joined with its slice(s)
 * (a montage row with its four {@code montage_slices}) and turned into a {@link TrainingPair} at the
 * profile's resolution, on the executors. Pairs get a stable index (by case id, then slice index) so that
 * every pseudo-random order derives from the seed alone, and stay distributed: {@link #pairs()} is
 * persisted {@code MEMORY_AND_DISK_SER} and hash-partitioned by index over the workers; only the indices,
 * their labelled flags and the few monitor pairs reach the driver.
 *
 * <p>Validation happens before any training: mask size against the profile resolution, label values
 * against the class count, labelled masks without a label in {@code slices}, and the number of labelled
 * cases; failures are {@link IllegalArgumentException}s naming what is wrong (case ids are pseudonymous).
 */
public final class TrainingData implements AutoCloseable {
    private final JavaPairRDD<Long, TrainingPair> pairs;
    private final long[] labelled;
    private final long[] unlabelled;
    private final int labelledCases;
    private final int cases;
    private final List<TrainingPair> monitor;
    private final String umParams;

    private TrainingData(JavaPairRDD<Long, TrainingPair> pairs, long[] labelled, long[] unlabelled,
            int labelledCases, int cases, List<TrainingPair> monitor, String umParams) {
        this.umParams = umParams;
        this.pairs = pairs;
        this.labelled = labelled;
        this.unlabelled = unlabelled;
        this.labelledCases = labelledCases;
        this.cases = cases;
        this.monitor = monitor;
    }

    /**
     * The masks' UM parameters ({@code UmParams.describe()} JSON of the {@code params} column) when every training
     * mask shares them, else null: recorded with the checkpoints so that whoever recomputes a UM for this
     * run's networks (the {@code discriminator:} feature extractor) uses the recipe it was trained on.
     */
    public String umParams() {
        return umParams;
    }

    /** Indexed pairs, persisted and partitioned over the workers. */
    public JavaPairRDD<Long, TrainingPair> pairs() {
        return pairs;
    }

    /** Indices of manually labelled pairs, ascending. */
    public long[] labelled() {
        return labelled.clone();
    }

    /** Indices of unlabelled pairs, ascending (empty in seg mode). */
    public long[] unlabelled() {
        return unlabelled.clone();
    }

    public int labelledCases() {
        return labelledCases;
    }

    public int cases() {
        return cases;
    }

    /** The fixed monitor pairs: labelled first, in index order. */
    public List<TrainingPair> monitor() {
        return monitor;
    }

    public long size() {
        return labelled.length + unlabelled.length;
    }

    @Override
    public void close() {
        pairs.unpersist(false);
    }

    /** Result of building one pair on an executor: the pair, or why it could not be built. */
    record Built(String key, TrainingPair pair, String error) implements Serializable {}

    /**
     * Reads, validates and builds the training pairs.
     *
     * @param partitions      partitions of {@link #pairs()} (the workers)
     * @param monitorCount    pairs kept on the driver for monitoring and samples
     */
    public static TrainingData load(TableStore store, GanProfile profile, int minLabelledCases, int partitions,
            int monitorCount) throws IOException {
        return load(store, profile, minLabelledCases, 0, partitions, monitorCount);
    }

    /**
     * As {@link #load(TableStore, GanProfile, int, int, int)}, keeping the manual labels of only the first
     * {@code labelledCases} labelled cases by case id (0: all); the other cases' masks count as unlabelled.
     */
    public static TrainingData load(TableStore store, GanProfile profile, int minLabelledCases, int labelledCases,
            int partitions, int monitorCount) throws IOException {
        Conditioning mode = profile.conditioning();
        Dataset<Row> masks = store.read(Tables.MASKS).filter(col("split").equalTo("train"));
        if (labelledCases > 0) {
            List<String> keep = new ArrayList<>();
            masks.filter(col("labelled")).select("case_id").distinct().orderBy("case_id").limit(labelledCases)
                    .collectAsList().forEach(r -> keep.add(r.getString(0)));
            masks = masks.withColumn("labelled", col("labelled").and(col("case_id").isin(keep.toArray())));
        }
        if (mode == Conditioning.SEG) {
            masks = masks.filter(col("labelled"));
        }
        List<Row> sizes = masks.select("rows", "cols").distinct().collectAsList();
        if (sizes.isEmpty()) {
            throw new IllegalArgumentException("no training masks: the masks table has no rows with split = 'train'"
                    + (mode == Conditioning.SEG ? " and a manual label (seg mode trains on labelled cases only)" : ""));
        }
        int side = profile.resolution();
        for (Row r : sizes) {
            if (r.getInt(0) != side || r.getInt(1) != side) {
                throw new IllegalArgumentException("masks are " + r.getInt(0) + "x" + r.getInt(1)
                        + " but the train profile's resolution is " + side + "x" + side
                        + ": set train.resolution = " + r.getInt(0) + " or recompute the masks with masks.resolution = "
                        + side);
            }
        }
        long labelledCaseCount = masks.filter(col("labelled")).select("case_id").distinct().count();
        if (labelledCaseCount < Math.max(1, minLabelledCases)) {
            throw new IllegalArgumentException("only " + labelledCaseCount + " labelled training case(s); at least "
                    + Math.max(1, minLabelledCases) + " needed (train.minLabelledCases)");
        }
        long caseCount = masks.select("case_id").distinct().count();
        List<Row> params = masks.select("params").distinct().limit(2).collectAsList();
        String umParams = params.size() == 1 ? params.get(0).getString(0) : null;

        // One row per (mask, tile): a single-slice mask has one tile, a montage four.
        Dataset<Row> tiles = masks.select(col("case_id"), col("slice_index").as("mask_slice"), col("um"),
                        col("labelled"), posexplode(coalesce(col("montage_slices"), array(col("slice_index")))))
                .withColumnRenamed("pos", "tile").withColumnRenamed("col", "slice_index");
        Dataset<Row> joined = tiles.join(store.read(Tables.SLICES)
                        .select("case_id", "slice_index", "rows", "cols", "hu", "label"),
                Tables.SLICE_KEY, "left");
        int classes = profile.classes();
        JavaPairRDD<String, Built> built = joined.javaRDD()
                .mapToPair(r -> new Tuple2<>(key(r.getAs("case_id"), r.<Integer>getAs("mask_slice")), r))
                .groupByKey()
                .mapToPair(g -> {
                    Built b = build(g._1(), g._2(), side, mode, classes);
                    return new Tuple2<>(g._1(), b);
                });
        JavaPairRDD<Long, Built> indexed = built.sortByKey(true, partitions).values().zipWithIndex()
                .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            List<String> errors = indexed.values().filter(b -> b.error() != null).map(Built::error).take(5);
            if (!errors.isEmpty()) {
                long count = indexed.values().filter(b -> b.error() != null).count();
                throw new IllegalArgumentException(count + " training pair(s) invalid, e.g.: " + String.join("; ", errors));
            }
            JavaPairRDD<Long, TrainingPair> pairs = indexed.mapValues(Built::pair)
                    .partitionBy(new HashPartitioner(partitions))
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            List<Tuple2<Long, Boolean>> flags = pairs.mapValues(TrainingPair::labelled).collect();
            List<Long> lab = new ArrayList<>();
            List<Long> unl = new ArrayList<>();
            for (Tuple2<Long, Boolean> f : flags) {
                (f._2() ? lab : unl).add(f._1());
            }
            lab.sort(Comparator.naturalOrder());
            unl.sort(Comparator.naturalOrder());
            List<Long> monitorIndices = new ArrayList<>(lab.subList(0, Math.min(monitorCount, lab.size())));
            java.util.Set<Long> wanted = new java.util.HashSet<>(monitorIndices);
            List<Tuple2<Long, TrainingPair>> picked = new ArrayList<>(pairs.filter(t -> wanted.contains(t._1())).collect());
            picked.sort(Comparator.comparing(Tuple2::_1));
            List<TrainingPair> monitor = new ArrayList<>();
            picked.forEach(t -> monitor.add(t._2()));
            return new TrainingData(pairs, lab.stream().mapToLong(Long::longValue).toArray(),
                    unl.stream().mapToLong(Long::longValue).toArray(), (int) labelledCaseCount, (int) caseCount,
                    List.copyOf(monitor), umParams);
        } finally {
            indexed.unpersist(false);
        }
    }

    private static String key(String caseId, int slice) {
        return caseId + String.format("/%08d", slice);
    }

    private static Built build(String key, Iterable<Row> rows, int side, Conditioning mode, int classes) {
        List<Row> tiles = new ArrayList<>();
        rows.forEach(tiles::add);
        tiles.sort(Comparator.comparingInt(r -> r.<Integer>getAs("tile")));
        Row first = tiles.get(0);
        String caseId = first.getAs("case_id");
        int maskSlice = first.getAs("mask_slice");
        String where = "case " + caseId + " slice " + maskSlice;
        if (tiles.size() != 1 && tiles.size() != 4) {
            return new Built(key, null, where + ": " + tiles.size() + " source slices (1 or 4 expected)");
        }
        boolean labelled = first.getAs("labelled");
        float[][] hu = new float[tiles.size()][];
        byte[][] labels = labelled ? new byte[tiles.size()][] : null;
        int rowsN = -1;
        int colsN = -1;
        for (int t = 0; t < tiles.size(); t++) {
            Row r = tiles.get(t);
            if (r.getAs("hu") == null) {
                return new Built(key, null, where + ": source slice " + r.getAs("slice_index") + " missing in slices");
            }
            int rr = r.getAs("rows");
            int cc = r.getAs("cols");
            if (t > 0 && (rr != rowsN || cc != colsN)) {
                return new Built(key, null, where + ": montage tiles of different sizes");
            }
            rowsN = rr;
            colsN = cc;
            hu[t] = PixelCodec.decodeHu(r.getAs("hu"));
            if (labelled) {
                byte[] label = r.getAs("label");
                if (label == null) {
                    return new Built(key, null, where + ": mask is marked labelled but slice " + r.getAs("slice_index")
                            + " has no label");
                }
                for (byte v : label) {
                    if ((v & 0xFF) >= classes) {
                        return new Built(key, null, where + ": label value " + (v & 0xFF) + " in slice "
                                + r.getAs("slice_index") + " is outside the " + classes + " classes");
                    }
                }
                labels[t] = label;
            }
        }
        try {
            byte[] um = first.getAs("um");
            return new Built(key, TrainingPair.of(caseId, maskSlice, um, side, hu, labels, rowsN, colsN, mode, classes),
                    null);
        } catch (IllegalArgumentException e) {
            return new Built(key, null, where + ": " + e.getMessage());
        }
    }
}
