package org.umsynth.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.util.ModelSerializer;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.Setting;
import org.umsynth.config.UtilityConfig;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.Seeds;
import org.umsynth.model.seg.DiceScores;
import org.umsynth.model.seg.SegSample;
import org.umsynth.model.seg.UNetSpec;
import org.umsynth.model.stats.PairedTests;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import org.umsynth.train.SegmenterSnapshot;
import org.umsynth.train.SparkSegmenterTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

/**
 * {@code utility} (SPEC section 6): does synthetic data help a downstream segmenter? A U-Net is trained
 * per arm ({@code real}: labelled slices of the train split; {@code real+X}: the same plus synthetic set X)
 * and per seed, with one budget (iterations, batch, augmentation, seeds) for every arm, on Spark (DL4J
 * parameter averaging, {@link SparkSegmenterTraining}); it is evaluated on the labelled slices of the test
 * split (held out by case) on the executors (the trained parameters are broadcast), as the Dice of each
 * class over each test case's slices together ({@link DiceScores}). Per case, Dice is averaged over seeds;
 * arms are compared by case with the paired Wilcoxon signed-rank test, the rank-biserial effect size and a
 * bootstrap CI of the mean difference ({@link PairedTests}).
 *
 * <p>Synthetic samples made from the UM of a test case are left out: they would show the segmenter the
 * test anatomy. Every synthetic arm gets the same number of samples (a seeded subset).
 *
 * <p>Writes {@code ROOT/utility/NAME/} atomically: {@code dice.csv}, {@code summary.json}, {@code run.json}
 * (budget, counts, per-model losses and times) and {@code models/<arm>-seed<k>.zip}.
 */
@Command(name = "utility", mixinStandardHelpOptions = true,
        description = "Train a segmentation U-Net per arm (real, real + synthetic sets) and seed; Dice per held-out "
                + "test case; paired Wilcoxon tests between arms.")
public final class UtilityJob implements Callable<Integer> {
    public static final String REAL = "real";
    static final String EFFECT_SIZE_KIND = "matched-pairs rank-biserial correlation (W+ - W-)/(W+ + W-) of a - b "
            + "(zero differences dropped); positive: a scores higher";

    @Mixin
    CommonOptions common;

    @Option(names = "--name", paramLabel = "NAME", description = "output folder ROOT/utility/NAME (default: ${DEFAULT-VALUE})")
    String name = "default";

    @Option(names = "--arms", required = true, split = ",", paramLabel = "ARM",
            description = "arms to train: real and/or real+X for each synthetic set X named by --synthetic")
    List<String> arms;

    @Option(names = "--synthetic", paramLabel = "X=TABLE",
            description = "synthetic set X of arm real+X: a table under ROOT (synthetic/NAME, or just NAME)")
    Map<String, String> synthetic = new LinkedHashMap<>();

    /** An arm: {@code real}, or {@code real+X} with X's table. */
    public record Arm(String name, String syntheticKey, String table) {
        boolean real() {
            return syntheticKey == null;
        }
    }

    public record DiceRow(String arm, long seed, String caseId, String className, double dice) {}

    public record ArmSummary(String arm, String className, double mean, double sdAcrossSeeds, double[] ci) {}

    public record Comparison(String a, String b, String className, int n, double meanDifference, double[] ci,
                             PairedTests.Wilcoxon wilcoxon, String note) {}

    public record ModelRun(String arm, long seed, double initialLoss, double finalLoss, int sparkFits, double seconds) {}

    public record Result(String name, int testCases, long testSlices, long realTrainSlices, long syntheticPerArm,
                         List<Long> seeds, List<String> classes, List<DiceRow> dice, List<ArmSummary> arms,
                         List<Comparison> comparisons, List<ModelRun> models, String output) {
        public ArmSummary summary(String arm, String className) {
            return arms.stream().filter(s -> s.arm.equals(arm) && s.className.equals(className)).findFirst().orElseThrow();
        }
    }

    @Override
    public Integer call() throws Exception {
        parseArms(arms, synthetic); // fail before Spark starts
        return common.run("utility", new UtilityConfig(), config -> spark ->
                System.out.print(format(run(spark, common.data, name, arms, synthetic, config, common.overwrite))));
    }

    /** Validates the arm list against the synthetic map. */
    public static List<Arm> parseArms(List<String> armNames, Map<String, String> syntheticTables) {
        if (armNames == null || armNames.isEmpty()) {
            throw new IllegalArgumentException("--arms: at least one arm is needed (real, real+X)");
        }
        Map<String, String> tables = syntheticTables == null ? Map.of() : syntheticTables;
        List<Arm> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String raw : armNames) {
            String arm = raw.trim();
            if (!seen.add(arm)) {
                throw new IllegalArgumentException("--arms: arm '" + arm + "' is listed twice");
            }
            if (arm.equals(REAL)) {
                out.add(new Arm(arm, null, null));
            } else if (arm.startsWith(REAL + "+") && arm.length() > REAL.length() + 1) {
                String key = arm.substring(REAL.length() + 1);
                String table = tables.get(key);
                if (table == null) {
                    throw new IllegalArgumentException("arm '" + arm + "' needs its synthetic set: add --synthetic " + key
                            + "=synthetic/NAME (given: " + (tables.isEmpty() ? "none" : String.join(", ", tables.keySet())) + ")");
                }
                String t = table.contains("/") ? table : Tables.SYNTHETIC + "/" + table;
                out.add(new Arm(arm, key, t));
            } else {
                throw new IllegalArgumentException("--arms: '" + arm + "' is not an arm: use real or real+X");
            }
        }
        return out;
    }

    public static Result run(SparkSession spark, String data, String name, List<String> armNames,
                             Map<String, String> syntheticTables, UtilityConfig config, boolean overwrite) throws IOException {
        config.validate();
        if (!name.matches("[A-Za-z0-9._+=-]+")) {
            throw new IllegalArgumentException("utility name '" + name + "' must match [A-Za-z0-9._+=-]+");
        }
        List<Arm> arms = parseArms(armNames, syntheticTables);
        TableStore store = new TableStore(spark, data);
        String outName = "utility/" + name;
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int partitions = Math.max(2, sc.defaultParallelism());
        int workers = config.workers > 0 ? config.workers : sc.defaultParallelism();
        int res = config.resolution;
        int classes = config.classes;
        boolean foregroundOnly = config.slices == UtilityConfig.Slices.FOREGROUND;
        UNetSpec spec = new UNetSpec(res, config.depth, config.baseFilters, classes, config.learningRate, 1.0);
        List<String> classNames = classNames(classes);
        List<Long> seeds = new ArrayList<>();
        for (int k = 0; k < config.seeds; k++) {
            seeds.add(config.seed + k);
        }

        try (TableStore.Transaction tx = store.begin(overwrite, outName)) {
            Dataset<Row> labelled = store.read(Tables.SLICES).filter(col("label").isNotNull());
            JavaRDD<SegSample> train = samples(labelled.filter(col("split").equalTo("train")), Tables.SLICES,
                    "case_id", res, classes, foregroundOnly, partitions);
            JavaRDD<SegSample> test = samples(labelled.filter(col("split").equalTo("test")), Tables.SLICES,
                    "case_id", res, classes, foregroundOnly, partitions);
            try {
                List<String> testCases = new ArrayList<>(new TreeSet<>(test.map(SegSample::caseId).distinct().collect()));
                long testSlices = test.count();
                if (testCases.isEmpty()) {
                    throw new IllegalStateException("no labelled test slices in table '" + Tables.SLICES + "' under "
                            + store.root() + " (split = test" + (foregroundOnly ? ", with foreground" : "")
                            + "): ingest labelled cases with ingest.testFraction > 0");
                }
                Set<String> trainCases = new TreeSet<>(train.map(SegSample::caseId).distinct().collect());
                if (trainCases.isEmpty()) {
                    throw new IllegalStateException("no labelled training slices in table '" + Tables.SLICES + "' under "
                            + store.root() + " (split = train" + (foregroundOnly ? ", with foreground" : "") + ")");
                }
                List<String> both = testCases.stream().filter(trainCases::contains).toList();
                if (!both.isEmpty()) {
                    throw new IllegalStateException(both.size() + " case(s) of table '" + Tables.SLICES
                            + "' are in both the train and the test split (e.g. " + both.get(0) + "): the split must be by case");
                }
                JavaPairRDD<Long, SegSample> realIndexed = indexed(train, 0, partitions, null)
                        .persist(StorageLevel.MEMORY_AND_DISK_SER());
                long realCount = realIndexed.count();
                List<SegSample> probe = new ArrayList<>();
                int probeSize = Math.min(4, config.batchSize);
                realIndexed.filter(t -> t._1() < probeSize).sortByKey().values().collect()
                        .forEach(probe::add);

                // synthetic sets: leakage filter, the same seeded count per arm
                Map<String, JavaRDD<SegSample>> synthetic = new LinkedHashMap<>();
                Map<String, Long> available = new LinkedHashMap<>();
                for (Arm arm : arms) {
                    if (arm.real()) {
                        continue;
                    }
                    Dataset<Row> rows = store.read(arm.table());
                    for (String c : List.of("sample_id", "case_id", "rows", "cols", "image", "seg")) {
                        if (!Arrays.asList(rows.columns()).contains(c)) {
                            throw new IllegalArgumentException("table '" + arm.table() + "' (arm " + arm.name()
                                    + ") has no column '" + c + "': not a synthetic table");
                        }
                    }
                    long all = rows.count();
                    Dataset<Row> kept = rows.filter(not(col("case_id").isin(testCases.toArray())));
                    JavaRDD<SegSample> s = samples(kept.withColumnRenamed("image", "hu").withColumnRenamed("seg", "label"),
                            arm.table(), "sample_id", res, classes, foregroundOnly, partitions);
                    long usable = s.count();
                    System.out.printf(Locale.ROOT, "utility: %s: %d of %d synthetic samples usable (%d from test cases' UMs "
                            + "left out%s)%n", arm.table(), usable, all, all - kept.count(),
                            foregroundOnly ? ", empty segmentations left out" : "");
                    synthetic.put(arm.name(), s);
                    available.put(arm.name(), usable);
                }
                long perArm = 0;
                if (!synthetic.isEmpty()) {
                    perArm = Math.round(config.syntheticRatio * realCount);
                    if (config.maxSynthetic > 0) {
                        perArm = Math.min(perArm, config.maxSynthetic);
                    }
                    for (Map.Entry<String, Long> e : available.entrySet()) {
                        if (e.getValue() == 0) {
                            throw new IllegalStateException("arm " + e.getKey() + ": no usable synthetic samples"
                                    + (foregroundOnly ? " (every segmentation of the set is empty, and utility.slices = "
                                    + "foreground leaves those out)" : ""));
                        }
                        perArm = Math.min(perArm, e.getValue());
                    }
                }

                Path folder = tx.folder(outName);
                FileSystem fs = store.fileSystem();
                String exportDir = new Path(tx.scratch(), "dl4j-export").toString();
                int maxShift = config.augmentation ? (int) Math.round(config.maxShift * res) : -1;
                List<DiceRow> diceRows = new ArrayList<>();
                List<ModelRun> models = new ArrayList<>();
                Map<String, long[]> truthCounts = null;
                for (Arm arm : arms) {
                    JavaPairRDD<Long, SegSample> pool = realIndexed;
                    if (!arm.real()) {
                        long limit = realCount + perArm; // the arm's seeded subset: a prefix of the hash order
                        pool = realIndexed.union(indexed(synthetic.get(arm.name()), realCount, partitions, config.seed)
                                .filter(t -> t._1() < limit));
                    }
                    pool = pool.partitionBy(new HashPartitioner(partitions)).persist(StorageLevel.MEMORY_AND_DISK_SER());
                    long poolSize = pool.count();
                    try {
                        for (long seed : seeds) {
                            SparkSegmenterTraining.Result trained = SparkSegmenterTraining.train(sc, pool, poolSize, probe,
                                    spec, seed, config.iterations, config.batchSize, workers, config.averagingFrequency,
                                    maxShift, exportDir);
                            Map<String, long[]> counts = evaluate(sc, test, SegmenterSnapshot.of(arm.name() + "-" + seed,
                                    spec, trained.network()), config.evalBatchSize, classes);
                            if (truthCounts == null) {
                                truthCounts = counts;
                            }
                            try (OutputStream out = fs.create(new Path(folder, "models/" + arm.name() + "-seed" + seed + ".zip"))) {
                                ModelSerializer.writeModel(trained.network(), out, false);
                            }
                            double[] meanPerClass = new double[classes - 1];
                            for (String c : testCases) {
                                for (int k = 1; k < classes; k++) {
                                    double d = DiceScores.dice(counts.get(c), k);
                                    diceRows.add(new DiceRow(arm.name(), seed, c, classNames.get(k - 1), d));
                                    meanPerClass[k - 1] += d / testCases.size();
                                }
                            }
                            models.add(new ModelRun(arm.name(), seed, trained.initialScore(), trained.finalScore(),
                                    trained.fits(), trained.seconds()));
                            System.out.printf(Locale.ROOT, "utility: %s seed %d: %d slices (%d real), loss %.4f -> %.4f, %d Spark fits, "
                                    + "%.1f s; mean Dice %s%n", arm.name(), seed, poolSize, realCount, trained.initialScore(),
                                    trained.finalScore(), trained.fits(), trained.seconds(), meanDice(classNames, meanPerClass));
                        }
                    } finally {
                        if (pool != realIndexed) {
                            pool.unpersist(false);
                        }
                    }
                }
                Result result = summarise(name, arms, testCases, testSlices, realCount, perArm, seeds, classNames, diceRows,
                        models, truthCounts, config, store.path(outName).toString());
                writeOutputs(fs, folder, result, arms, config, spec);
                realIndexed.unpersist(false);
                synthetic.values().forEach(r -> r.unpersist(false));
                tx.commit();
                return result;
            } finally {
                train.unpersist(false);
                test.unpersist(false);
            }
        }
    }

    /** A labelled slice built on an executor, or why it could not be. */
    record Built(SegSample sample, String error) implements java.io.Serializable {}

    /**
     * Slices of a table ({@code hu}/{@code label} columns, int16 HU and uint8 classes) as samples at the
     * working resolution, validated (the first few errors name the table, case and slice), foreground-only if
     * asked; persisted.
     */
    static JavaRDD<SegSample> samples(Dataset<Row> rows, String table, String idColumn, int res, int classes,
                                      boolean foregroundOnly, int partitions) {
        JavaRDD<Built> built = rows.select(col(idColumn).as("id"), col("slice_index"), col("rows"), col("cols"), col("hu"),
                        col("label"))
                .javaRDD().repartition(partitions).map(r -> {
                    String id = r.getString(0);
                    int slice = r.getInt(1);
                    String where = "table " + table + ", " + (idColumn.equals("case_id") ? "case " : "sample ") + id
                            + " slice " + slice;
                    try {
                        float[] hu = PixelCodec.decodeHu(r.getAs("hu"));
                        return new Built(SegSample.fromHu(id, slice, hu, r.getAs("label"), r.getInt(2), r.getInt(3), res,
                                classes, where), null);
                    } catch (IllegalArgumentException e) {
                        return new Built(null, e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage());
                    }
                })
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        List<String> errors = built.filter(b -> b.error() != null).map(Built::error).take(3);
        if (!errors.isEmpty()) {
            long n = built.filter(b -> b.error() != null).count();
            built.unpersist(false);
            throw new IllegalArgumentException(n + " invalid labelled slice(s) in table '" + table + "', e.g. "
                    + String.join("; ", errors));
        }
        JavaRDD<SegSample> out = built.map(Built::sample).filter(s -> !foregroundOnly || s.hasForeground())
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
        out.count();
        built.unpersist(false);
        return out;
    }

    /**
     * Indices {@code offset, offset+1, ...} in a stable order: by case and slice, or, with a {@code seed}, by a
     * seeded hash of the id (a seeded subset is then a prefix).
     */
    static JavaPairRDD<Long, SegSample> indexed(JavaRDD<SegSample> samples, long offset, int partitions, Long seed) {
        return samples.sortBy(s -> seed == null
                        ? s.caseId() + String.format("/%08d", s.sliceIndex())
                        : String.format("%016x/%s", Seeds.mix(seed, s.caseId().hashCode()), s.caseId()), true, partitions)
                .zipWithIndex().mapToPair(t -> new Tuple2<>(t._2() + offset, t._1()));
    }

    /** Per test case, summed Dice counts over its slices; predictions on the executors from the broadcast model. */
    static Map<String, long[]> evaluate(JavaSparkContext sc, JavaRDD<SegSample> test, SegmenterSnapshot model, int batch,
                                        int classes) {
        Broadcast<SegmenterSnapshot> b = sc.broadcast(model);
        try {
            return new HashMap<>(test.mapPartitionsToPair(it -> {
                List<Tuple2<String, long[]>> out = new ArrayList<>();
                List<SegSample> pending = new ArrayList<>();
                while (it.hasNext()) {
                    pending.add(it.next());
                    if (pending.size() == batch || !it.hasNext()) {
                        List<float[]> images = pending.stream().map(SegSample::image).toList();
                        byte[][] predicted = DiceScores.predict(b.value().network(), images, pending.get(0).size());
                        for (int i = 0; i < pending.size(); i++) {
                            out.add(new Tuple2<>(pending.get(i).caseId(),
                                    DiceScores.counts(predicted[i], pending.get(i).label(), classes)));
                        }
                        pending.clear();
                    }
                }
                return out.iterator();
            }).reduceByKey(DiceScores::add).collectAsMap());
        } finally {
            b.destroy();
        }
    }

    static List<String> classNames(int classes) {
        List<String> names = new ArrayList<>();
        for (int k = 1; k < classes; k++) {
            names.add(k == 1 ? "lung" : k == 2 ? "lesion" : "class" + k);
        }
        return names;
    }

    private static String meanDice(List<String> names, double[] means) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < means.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(names.get(k)).append(String.format(Locale.ROOT, " %.3f", means[k]));
        }
        return sb.toString();
    }

    static Result summarise(String name, List<Arm> arms, List<String> cases, long testSlices, long realCount, long perArm,
                            List<Long> seeds, List<String> classNames, List<DiceRow> rows, List<ModelRun> models,
                            Map<String, long[]> truthCounts, UtilityConfig config, String output) {
        // dice[arm][class] -> [seed][case]
        Map<String, double[][]> byArmClass = new HashMap<>();
        for (DiceRow r : rows) {
            double[][] m = byArmClass.computeIfAbsent(r.arm() + "|" + r.className(),
                    k -> new double[seeds.size()][cases.size()]);
            m[seeds.indexOf(r.seed())][cases.indexOf(r.caseId())] = r.dice();
        }
        List<ArmSummary> summaries = new ArrayList<>();
        Map<String, double[]> perCase = new HashMap<>();
        for (Arm arm : arms) {
            for (String c : classNames) {
                double[][] m = byArmClass.get(arm.name() + "|" + c);
                double[] caseMeans = new double[cases.size()];
                double[] seedMeans = new double[seeds.size()];
                for (int s = 0; s < seeds.size(); s++) {
                    for (int i = 0; i < cases.size(); i++) {
                        caseMeans[i] += m[s][i] / seeds.size();
                        seedMeans[s] += m[s][i] / cases.size();
                    }
                }
                perCase.put(arm.name() + "|" + c, caseMeans);
                summaries.add(new ArmSummary(arm.name(), c, PairedTests.mean(caseMeans), PairedTests.sampleSd(seedMeans),
                        PairedTests.bootstrapMeanCi(caseMeans, config.bootstrap, bootstrapSeed(config.seed, arm.name(), c),
                                config.confidence)));
            }
        }
        List<String[]> pairs = new ArrayList<>();
        boolean hasReal = arms.stream().anyMatch(Arm::real);
        for (Arm arm : arms) {
            if (!arm.real() && hasReal) {
                pairs.add(new String[]{arm.name(), REAL});
            }
        }
        List<String> names = arms.stream().map(Arm::name).toList();
        if (names.contains("real+um") && names.contains("real+seg")) {
            pairs.add(new String[]{"real+um", "real+seg"});
        }
        List<Comparison> comparisons = new ArrayList<>();
        for (String[] p : pairs) {
            for (int k = 0; k < classNames.size(); k++) {
                String c = classNames.get(k);
                double[] a = perCase.get(p[0] + "|" + c);
                double[] b = perCase.get(p[1] + "|" + c);
                double[] diff = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    diff[i] = a[i] - b[i];
                }
                PairedTests.Wilcoxon w = PairedTests.wilcoxon(a, b);
                int emptyTruth = 0;
                for (String caseId : cases) {
                    if (truthCounts.get(caseId)[3 * k + 2] == 0) {
                        emptyTruth++;
                    }
                }
                comparisons.add(new Comparison(p[0], p[1], c, a.length, PairedTests.mean(diff),
                        PairedTests.bootstrapMeanCi(diff, config.bootstrap, bootstrapSeed(config.seed, p[0] + " vs " + p[1], c),
                                config.confidence), w, note(w, emptyTruth, c)));
            }
        }
        return new Result(name, cases.size(), testSlices, realCount, perArm, seeds, classNames, rows, summaries,
                comparisons, models, output);
    }

    static String note(PairedTests.Wilcoxon w, int emptyTruth, String className) {
        List<String> parts = new ArrayList<>();
        if (w.n() == 0) {
            parts.add("all " + w.pairs() + " paired differences are 0: no test");
        } else if (!w.canReachSignificance()) {
            parts.add(String.format(Locale.ROOT, "only %d non-zero paired difference(s): the exact two-sided Wilcoxon test "
                    + "cannot reach p < 0.05 with fewer than %d (smallest attainable p = %.4g); inconclusive by design",
                    w.n(), PairedTests.MIN_N_FOR_SIGNIFICANCE, w.smallestAttainableP()));
        } else {
            parts.add(w.exact() ? "exact p, n = " + w.n()
                    : "normal approximation with tie correction, n = " + w.n() + (w.n() <= PairedTests.EXACT_MAX_N ? " (ties)" : ""));
        }
        if (w.n() < w.pairs()) {
            parts.add((w.pairs() - w.n()) + " zero difference(s) dropped");
        }
        if (emptyTruth > 0) {
            parts.add(emptyTruth + " test case(s) without " + className + " in the truth (Dice 1 when the prediction is empty too, else 0)");
        }
        return String.join("; ", parts);
    }

    private static long bootstrapSeed(long seed, String what, String className) {
        return Seeds.mix(seed, (what + "|" + className).hashCode());
    }

    private static void writeOutputs(FileSystem fs, Path folder, Result r, List<Arm> arms, UtilityConfig config,
                                     UNetSpec spec) throws IOException {
        StringBuilder csv = new StringBuilder("arm,seed,case_id,class,dice\n");
        for (DiceRow d : r.dice()) {
            csv.append(d.arm()).append(',').append(d.seed()).append(',').append(d.caseId()).append(',')
                    .append(d.className()).append(',').append(d.dice()).append('\n');
        }
        try (OutputStream out = fs.create(new Path(folder, "dice.csv"))) {
            out.write(csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (OutputStream out = fs.create(new Path(folder, "summary.json"))) {
            json.writeValue(out, summaryDocument(r));
        }
        Map<String, Object> run = new LinkedHashMap<>();
        Map<String, Object> armTables = new LinkedHashMap<>();
        arms.forEach(a -> armTables.put(a.name(), a.real() ? "slices (split = train)" : "slices (split = train) + " + a.table()));
        run.put("arms", armTables);
        run.put("real_train_slices", r.realTrainSlices());
        run.put("synthetic_per_arm", r.syntheticPerArm());
        run.put("test_slices", r.testSlices());
        run.put("network", Map.of("kind", "U-Net", "resolution", spec.resolution(), "depth", spec.depth(),
                "base_filters", spec.baseFilters(), "classes", spec.classes(), "loss", "soft Dice + cross-entropy"));
        run.put("dice_convention", "per test case and class over all its evaluated slices together; 1 when neither "
                + "prediction nor truth has the class, 0 when only one has it");
        run.put("config", settings(config));
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelRun m : r.models()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("arm", m.arm());
            o.put("seed", m.seed());
            o.put("model", "models/" + m.arm() + "-seed" + m.seed() + ".zip");
            o.put("probe_loss_initial", m.initialLoss());
            o.put("probe_loss_final", m.finalLoss());
            o.put("spark_fits", m.sparkFits());
            o.put("seconds", m.seconds());
            models.add(o);
        }
        run.put("models", models);
        try (OutputStream out = fs.create(new Path(folder, "run.json"))) {
            json.writeValue(out, run);
        }
        fs.create(new Path(folder, "_SUCCESS")).close();
    }

    /** The document of {@code summary.json} (its shape is a contract with the experiment command). */
    static Map<String, Object> summaryDocument(Result r) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", r.name());
        doc.put("test_cases", r.testCases());
        doc.put("seeds", r.seeds());
        doc.put("classes", r.classes());
        Map<String, Object> arms = new LinkedHashMap<>();
        for (ArmSummary s : r.arms()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> arm = (Map<String, Object>) arms.computeIfAbsent(s.arm(), k -> new LinkedHashMap<>());
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("mean", s.mean());
            c.put("sd_across_seeds", s.sdAcrossSeeds());
            c.put("ci95", List.of(s.ci()[0], s.ci()[1]));
            arm.put(s.className(), c);
        }
        doc.put("arms", arms);
        List<Map<String, Object>> comparisons = new ArrayList<>();
        for (Comparison c : r.comparisons()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", c.a());
            m.put("b", c.b());
            m.put("class", c.className());
            m.put("n", c.n());
            m.put("mean_difference", c.meanDifference());
            m.put("ci95", List.of(c.ci()[0], c.ci()[1]));
            m.put("wilcoxon_p", Double.isNaN(c.wilcoxon().p()) ? null : c.wilcoxon().p());
            m.put("effect_size", Double.isNaN(c.wilcoxon().rankBiserial()) ? null : c.wilcoxon().rankBiserial());
            m.put("effect_size_kind", EFFECT_SIZE_KIND);
            m.put("note", c.note());
            comparisons.add(m);
        }
        doc.put("comparisons", comparisons);
        return doc;
    }

    private static Map<String, Object> settings(UtilityConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : UtilityConfig.class.getFields()) {
            if (f.isAnnotationPresent(Setting.class)) {
                try {
                    Object v = f.get(config);
                    out.put(config.prefix() + "." + f.getName(), v instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : v);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    /** The printed table: per arm and class the mean Dice, its spread across seeds and CI; then the tests. */
    public static String format(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "utility %s: %d test cases (%d slices), %d real training slices, %d synthetic "
                + "per synthetic arm, seeds %s%n", r.name(), r.testCases(), r.testSlices(), r.realTrainSlices(),
                r.syntheticPerArm(), r.seeds()));
        sb.append(String.format(Locale.ROOT, "%-16s %-8s %8s %10s %19s%n", "arm", "class", "Dice", "sd(seeds)", "95% CI"));
        for (ArmSummary s : r.arms()) {
            sb.append(String.format(Locale.ROOT, "%-16s %-8s %8.4f %10.4f   [%6.4f, %6.4f]%n", s.arm(), s.className(), s.mean(),
                    s.sdAcrossSeeds(), s.ci()[0], s.ci()[1]));
        }
        if (!r.comparisons().isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%-28s %-8s %4s %9s %21s %9s %7s  %s%n", "a - b", "class", "n", "mean diff",
                    "95% CI", "p", "r_rb", "note"));
            for (Comparison c : r.comparisons()) {
                sb.append(String.format(Locale.ROOT, "%-28s %-8s %4d %+9.4f   [%+7.4f, %+7.4f] %9s %7s  %s%n",
                        c.a() + " - " + c.b(), c.className(), c.n(), c.meanDifference(), c.ci()[0], c.ci()[1],
                        Double.isNaN(c.wilcoxon().p()) ? "-" : String.format(Locale.ROOT, "%.4g", c.wilcoxon().p()),
                        Double.isNaN(c.wilcoxon().rankBiserial()) ? "-" : String.format(Locale.ROOT, "%+.3f", c.wilcoxon().rankBiserial()),
                        c.note()));
            }
        }
        sb.append("utility: wrote ").append(r.output()).append('\n');
        return sb.toString();
    }
}
