package org.umsynth.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.MetricsConfig;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.model.features.Extractors;
import org.umsynth.model.features.FeatureExtractor;
import org.umsynth.model.features.FeatureInput;
import org.umsynth.model.metrics.FeatureMoments;
import org.umsynth.model.metrics.FrechetDistance;
import org.umsynth.model.metrics.MultiScaleAggregation;
import org.umsynth.model.metrics.PoissonBootstrap;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metrics}: MM-FID and MM-STD (SPEC section 5) of one or more synthetic image sets against a
 * real set, for every extractor (task) x resolution (scale).
 *
 * <p>Per (extractor, resolution, set) one Spark pass: each partition preprocesses its images
 * ({@link FeatureInput}), runs the extractor in batches (loaded once per executor thread), and
 * accumulates float64 moments plus B Poisson-bootstrap moment sets ({@link PoissonBootstrap});
 * partitions are merged with {@code treeReduce} (Spark's treeAggregate). No feature vector leaves
 * its task; memory per task is {@code (1 + B) * d (d + 1) / 2 * 8} bytes. The driver computes the
 * Frechet distances, STDs, bias-corrected percentile CIs and aggregates, and writes {@code ROOT/metrics/NAME/cells}
 * (Parquet) and {@code ROOT/metrics/NAME/metrics.json}, and prints a table.
 */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "MM-FID / MM-STD of synthetic image tables against a real one, into ROOT/metrics/NAME.")
public final class MetricsJob implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsJob.class);

    public static final StructType CELLS_SCHEMA = new StructType()
            .add("set", DataTypes.StringType, false)
            .add("extractor", DataTypes.StringType, false)
            .add("standard_extractor", DataTypes.BooleanType, false)
            .add("resolution", DataTypes.IntegerType, false)
            .add("dimension", DataTypes.IntegerType, false)
            .add("n_real", DataTypes.LongType, false)
            .add("n_synthetic", DataTypes.LongType, false)
            .add("fid", DataTypes.DoubleType, false)
            .add("fid_ci_low", DataTypes.DoubleType, true)
            .add("fid_ci_high", DataTypes.DoubleType, true)
            .add("std", DataTypes.DoubleType, false)
            .add("std_ci_low", DataTypes.DoubleType, true)
            .add("std_ci_high", DataTypes.DoubleType, true)
            .add("real_std", DataTypes.DoubleType, false)
            .add("bootstrap", DataTypes.IntegerType, false)
            .add("rank_deficient", DataTypes.BooleanType, false);

    @Mixin
    CommonOptions common;

    @Option(names = "--real", required = true, paramLabel = "TABLE", description = "table of real images under ROOT")
    String real;

    @Option(names = "--synthetic", required = true, split = ",", paramLabel = "TABLE", description = "one or more tables to compare")
    List<String> synthetic;

    @Option(names = "--name", paramLabel = "NAME", description = "output name under ROOT/metrics (default: the synthetic tables joined by '+')")
    String name;

    /** One cell of the extractor x resolution matrix of one synthetic set. */
    public record Cell(String set, String extractor, boolean standard, int resolution, int dimension, long nReal, long nSynthetic,
                       double fid, double[] fidCi, double std, double[] stdCi, double realStd, int bootstrap, boolean rankDeficient) {}

    public record Result(String name, List<String> extractors, String[] descriptions, int[] resolutions, List<String> sets,
                         List<Cell> cells, Map<String, MultiScaleAggregation.Aggregate> referenceFid,
                         Map<String, MultiScaleAggregation.Aggregate> referenceStd,
                         Map<String, MultiScaleAggregation.Aggregate> jointFid, Map<String, MultiScaleAggregation.Aggregate> jointStd) {
        public Cell cell(String set, String extractor, int resolution) {
            return cells.stream().filter(c -> c.set.equals(set) && c.extractor.equals(extractor) && c.resolution == resolution)
                    .findFirst().orElseThrow();
        }
    }

    @Override
    public Integer call() throws Exception {
        return common.run("metrics", new MetricsConfig(), config -> spark ->
                System.out.print(format(run(spark, common.data, real, synthetic, name, config, common.overwrite))));
    }

    public static Result run(SparkSession spark, String data, String realTable, List<String> syntheticTables, String name,
                             MetricsConfig config, boolean overwrite) throws IOException {
        config.validate();
        String outName = name != null && !name.isBlank() ? name : String.join("+", syntheticTables);
        if (!outName.matches("[A-Za-z0-9._+=-]+")) {
            throw new IllegalArgumentException("metrics name '" + outName + "' must match [A-Za-z0-9._+=-]+");
        }
        TableStore store = new TableStore(spark, data);
        String cellsTable = "metrics/" + outName + "/cells";
        store.checkWritable(overwrite, cellsTable);
        String[] specs = config.extractorList();
        int[] resolutions = config.resolutionList();
        int b = config.bootstrap;

        Map<String, JavaRDD<Image>> sets = new LinkedHashMap<>();
        sets.put(realTable, images(store, realTable, config.imageColumn, config.realSubset == MetricsConfig.RealSubset.MASKED));
        for (String s : syntheticTables) {
            sets.put(s, images(store, s, config.imageColumn, false));
        }

        List<Cell> cells = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String[] descriptions = new String[specs.length];
        try {
            for (int e = 0; e < specs.length; e++) {
                FeatureExtractor probe = Extractors.get(specs[e], config.modelCache, config.batchSize); // fail fast on the driver
                names.add(probe.name());
                descriptions[e] = probe.description();
                int smallest = Arrays.stream(resolutions).min().orElseThrow();
                try { // a network with valid-padded convolutions has a minimum input (InceptionV3: 75)
                    probe.extract(new float[][]{new float[smallest * smallest]}, smallest);
                } catch (RuntimeException ex) {
                    throw new IllegalArgumentException("resolution " + smallest + " is too small for extractor " + probe.name()
                            + ": " + ex.getMessage().lines().findFirst().orElse(""), ex);
                }
                if (!probe.standard()) {
                    LOG.warn("extractor {} is non-standard: {}", probe.name(), probe.description());
                }
                for (int r : resolutions) {
                    Map<String, FeatureMoments[]> moments = new LinkedHashMap<>();
                    for (Map.Entry<String, JavaRDD<Image>> set : sets.entrySet()) {
                        // weights keyed by role, not table name: a renamed or repartitioned table gets the
                        // same replicates, synthetic sets are resampled in step (paired), real independently
                        String role = set.getKey().equals(realTable) ? "real" : "synthetic";
                        moments.put(set.getKey(), moments(set.getValue(), specs[e], r, config, PoissonBootstrap.key(role)));
                    }
                    FeatureMoments[] realMoments = moments.get(realTable);
                    for (String s : syntheticTables) {
                        cells.add(cell(s, probe, r, realMoments, moments.get(s), b, config.confidence));
                    }
                }
            }
        } finally {
            sets.values().forEach(JavaRDD::unpersist);
        }
        Result result = aggregate(outName, names, descriptions, resolutions, syntheticTables, cells);
        write(spark, store, cellsTable, result, config, realTable, overwrite);
        return result;
    }

    /** One image: its pseudonymous key (for the bootstrap) and HU pixels. */
    public record Image(String key, int rows, int cols, byte[] hu) implements Serializable {}

    static JavaRDD<Image> images(TableStore store, String table, String imageColumn, boolean onlyMasked)
            throws IOException {
        Dataset<Row> df = store.read(table);
        if (onlyMasked) {
            // the real counterparts of synthetic sets: the slices the UMs were computed from
            df = df.join(store.read(Tables.MASKS).select("case_id", "slice_index").distinct(), Tables.SLICE_KEY);
        }
        List<String> columns = Arrays.asList(df.columns());
        String column = imageColumn.equals("auto") ? (columns.contains("hu") ? "hu" : "image") : imageColumn;
        if (!columns.contains(column)) {
            throw new IllegalArgumentException("table '" + table + "' has no image column '" + column + "' (columns " + columns + ")");
        }
        boolean sized = columns.contains("rows") && columns.contains("cols");
        boolean sample = columns.contains("sample_id");
        // small tables are often one Parquet file = one partition: spread them over every core
        JavaRDD<Row> input = df.javaRDD();
        int cores = df.sparkSession().sparkContext().defaultParallelism();
        if (input.getNumPartitions() < cores) {
            input = input.repartition(cores);
        }
        return input.map(row -> {
            Object id = sample ? row.getAs("sample_id") : row.getAs("case_id") + "/" + row.getAs("slice_index");
            String key = String.valueOf(id);
            byte[] hu = row.getAs(column);
            int rows, cols;
            if (sized) {
                rows = row.<Integer>getAs("rows");
                cols = row.<Integer>getAs("cols");
            } else {
                int side = (int) Math.round(Math.sqrt(hu.length / 2.0));
                if (side * side * 2 != hu.length) {
                    throw new IllegalArgumentException("image " + key + " of " + hu.length + " bytes is not square and the table has no rows/cols");
                }
                rows = side;
                cols = side;
            }
            return new Image(key, rows, cols, hu);
        }).persist(StorageLevel.MEMORY_AND_DISK_SER());
    }

    /** Moments of one set: index 0 the full set, 1..B the Poisson bootstrap replicates. */
    static FeatureMoments[] moments(JavaRDD<Image> images, String spec, int resolution, MetricsConfig config, long setSalt) {
        String cache = config.modelCache;
        int batch = config.batchSize;
        int replicates = config.bootstrap;
        long seed = config.seed ^ setSalt;
        boolean reference8bit = config.reference8bit;
        JavaRDD<FeatureMoments[]> perPartition = images.mapPartitions((Iterator<Image> it) -> {
            FeatureExtractor extractor = Extractors.get(spec, cache, batch);
            FeatureMoments[] acc = null;
            List<Image> pending = new ArrayList<>(batch);
            while (it.hasNext() || !pending.isEmpty()) {
                if (it.hasNext()) {
                    pending.add(it.next());
                    if (pending.size() < batch && it.hasNext()) {
                        continue;
                    }
                }
                float[][] inputs = new float[pending.size()][];
                for (int i = 0; i < inputs.length; i++) {
                    Image im = pending.get(i);
                    float[] hu = PixelCodec.decodeHu(im.hu());
                    inputs[i] = reference8bit ? FeatureInput.fromHuReference8bit(hu, im.rows(), im.cols(), resolution)
                            : FeatureInput.fromHu(hu, im.rows(), im.cols(), resolution);
                }
                double[][] features = extractor.extract(inputs, resolution);
                if (acc == null) {
                    acc = new FeatureMoments[1 + replicates];
                    for (int k = 0; k < acc.length; k++) {
                        acc[k] = new FeatureMoments(extractor.dimension());
                    }
                }
                for (int i = 0; i < features.length; i++) {
                    acc[0].add(features[i]);
                    long key = PoissonBootstrap.key(pending.get(i).key());
                    for (int k = 1; k <= replicates; k++) {
                        acc[k].add(features[i], PoissonBootstrap.weight(seed, key, k));
                    }
                }
                pending.clear();
            }
            return acc == null ? List.<FeatureMoments[]>of().iterator() : java.util.Collections.singletonList(acc).iterator();
        });
        if (perPartition.isEmpty()) {
            throw new IllegalArgumentException("an image set is empty");
        }
        // each partial result is (1 + B) * d (d + 1) / 2 * 8 bytes (185 MB at B = 10, d = 2048): pick the
        // depth so that about 4 of them reach the driver (spark.driver.maxResultSize is 1 GB by default)
        int partitions = perPartition.getNumPartitions();
        int depth = Math.max(2, (int) Math.ceil(Math.log(partitions) / Math.log(4)));
        return perPartition.treeReduce(MetricsJob::mergeAll, depth);
    }

    private static FeatureMoments[] mergeAll(FeatureMoments[] a, FeatureMoments[] b) {
        for (int k = 0; k < a.length; k++) {
            a[k].merge(b[k]);
        }
        return a;
    }

    static Cell cell(String set, FeatureExtractor extractor, int r, FeatureMoments[] real, FeatureMoments[] syn, int b, double level) {
        boolean deficient = real[0].rankDeficient() || syn[0].rankDeficient();
        if (deficient) {
            LOG.warn("{} / {} at r={}: N (real {}, synthetic {}) is below the feature dimension {}: covariances are rank-deficient, "
                    + "FID is strongly biased; compare only at equal N", set, extractor.name(), r, real[0].count(), syn[0].count(), extractor.dimension());
        }
        double fid = FrechetDistance.between(real[0], syn[0]).distance();
        double std = syn[0].meanStandardDeviation();
        double[] fidCi = {Double.NaN, Double.NaN};
        double[] stdCi = {Double.NaN, Double.NaN};
        if (b > 0) {
            double[] fids = new double[b];
            double[] stds = new double[b];
            for (int k = 1; k <= b; k++) {
                fids[k - 1] = FrechetDistance.between(real[k], syn[k]).distance();
                stds[k - 1] = syn[k].meanStandardDeviation();
            }
            fidCi = PoissonBootstrap.biasCorrectedInterval(fid, fids, level, 0.0);
            stdCi = PoissonBootstrap.biasCorrectedInterval(std, stds, level, 0.0);
        }
        return new Cell(set, extractor.name(), extractor.standard(), r, extractor.dimension(), real[0].count(), syn[0].count(),
                fid, fidCi, std, stdCi, real[0].meanStandardDeviation(), b, deficient);
    }

    static Result aggregate(String name, List<String> extractors, String[] descriptions, int[] resolutions, List<String> sets, List<Cell> cells) {
        Map<String, MultiScaleAggregation.Aggregate> refFid = new LinkedHashMap<>(), refStd = new LinkedHashMap<>();
        Map<String, MultiScaleAggregation.Aggregate> jointFid = new LinkedHashMap<>(), jointStd = new LinkedHashMap<>();
        double[][][] fidMatrices = new double[sets.size()][][];
        double[][][] stdMatrices = new double[sets.size()][][];
        for (int s = 0; s < sets.size(); s++) {
            fidMatrices[s] = new double[extractors.size()][resolutions.length];
            stdMatrices[s] = new double[extractors.size()][resolutions.length];
            for (Cell c : cells) {
                if (c.set.equals(sets.get(s))) {
                    int e = extractors.indexOf(c.extractor);
                    int r = indexOf(resolutions, c.resolution);
                    fidMatrices[s][e][r] = c.fid;
                    stdMatrices[s][e][r] = c.std;
                }
            }
            refFid.put(sets.get(s), MultiScaleAggregation.reference(fidMatrices[s]));
            refStd.put(sets.get(s), MultiScaleAggregation.reference(stdMatrices[s]));
        }
        if (sets.size() > 1) {
            MultiScaleAggregation.Aggregate[] jf = MultiScaleAggregation.joint(fidMatrices);
            MultiScaleAggregation.Aggregate[] js = MultiScaleAggregation.joint(stdMatrices);
            for (int s = 0; s < sets.size(); s++) {
                jointFid.put(sets.get(s), jf[s]);
                jointStd.put(sets.get(s), js[s]);
            }
        }
        return new Result(name, extractors, descriptions, resolutions, sets, cells, refFid, refStd, jointFid, jointStd);
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException("resolution " + v);
    }

    private static void write(SparkSession spark, TableStore store, String cellsTable, Result result, MetricsConfig config,
                              String realTable, boolean overwrite) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Cell c : result.cells) {
            rows.add(RowFactory.create(c.set, c.extractor, c.standard, c.resolution, c.dimension, c.nReal, c.nSynthetic,
                    c.fid, nullIfNaN(c.fidCi[0]), nullIfNaN(c.fidCi[1]), c.std, nullIfNaN(c.stdCi[0]), nullIfNaN(c.stdCi[1]),
                    c.realStd, c.bootstrap, c.rankDeficient));
        }
        Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
        tables.put(cellsTable, spark.createDataFrame(rows, CELLS_SCHEMA).coalesce(1));
        store.publish(tables, overwrite);

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", result.name);
        doc.put("real", realTable);
        doc.put("synthetic", result.sets);
        List<Map<String, Object>> extractors = new ArrayList<>();
        for (int e = 0; e < result.extractors.size(); e++) {
            extractors.add(Map.of("name", result.extractors.get(e), "description", result.descriptions[e]));
        }
        doc.put("extractors", extractors);
        doc.put("resolutions", result.resolutions);
        doc.put("preprocessing", (config.reference8bit ? "8-bit reference quantisation, " : "")
                + "HU window [-1500,100] -> [0,1] float; Pillow-style anti-aliased bilinear resize to r x r; (x-0.5)/0.5; grey -> 3 channels");
        doc.put("bootstrap", Map.of("replicates", config.bootstrap, "seed", config.seed, "confidence", config.confidence,
                "method", "Poisson(1) weights per image keyed by (seed, role real|synthetic, image id); "
                        + "percentile intervals shifted by the bootstrap bias estimate, clamped at 0"));
        doc.put("cells", result.cells.stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("set", c.set);
            m.put("extractor", c.extractor);
            m.put("standard_extractor", c.standard);
            m.put("resolution", c.resolution);
            m.put("dimension", c.dimension);
            m.put("n_real", c.nReal);
            m.put("n_synthetic", c.nSynthetic);
            m.put("fid", c.fid);
            m.put("fid_ci", Arrays.asList(nullIfNaN(c.fidCi[0]), nullIfNaN(c.fidCi[1])));
            m.put("std", c.std);
            m.put("std_ci", Arrays.asList(nullIfNaN(c.stdCi[0]), nullIfNaN(c.stdCi[1])));
            m.put("real_std", c.realStd);
            m.put("rank_deficient", c.rankDeficient);
            return m;
        }).toList());
        Map<String, Object> agg = new LinkedHashMap<>();
        agg.put("reference_row_l2", Map.of("definition", "each extractor row L2-normalised; mean and population std of all entries",
                "mm_fid", result.referenceFid, "mm_std", result.referenceStd));
        if (!result.jointFid.isEmpty()) {
            agg.put("joint_across_sets", Map.of("definition", "each cell divided by its L2 norm across the synthetic sets; mean and population std over cells",
                    "mm_fid", result.jointFid, "mm_std", result.jointStd));
        }
        doc.put("aggregates", agg);
        FileSystem fs = store.fileSystem();
        Path json = store.path("metrics/" + result.name + "/metrics.json");
        Path tmp = new Path(json.getParent(), "._metrics.json.tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out, doc);
        }
        fs.delete(json, false);
        if (!fs.rename(tmp, json)) {
            throw new IOException("could not publish " + json);
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** The matrix and aggregates as a table a person can read. */
    public static String format(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "metrics '%s'%n", r.name));
        for (int e = 0; e < r.extractors.size(); e++) {
            sb.append(String.format(Locale.ROOT, "  extractor %s: %s%n", r.extractors.get(e), r.descriptions[e]));
        }
        sb.append(String.format(Locale.ROOT, "%-24s %-22s %5s %7s %7s %12s %27s %10s %23s%n",
                "set", "extractor", "r", "N_real", "N_syn", "FID", "FID CI", "STD", "STD CI"));
        for (Cell c : r.cells) {
            sb.append(String.format(Locale.ROOT, "%-24s %-22s %5d %7d %7d %12.5g %27s %10.5g %23s%s%n", c.set, c.extractor, c.resolution,
                    c.nReal, c.nSynthetic, c.fid, ci(c.fidCi), c.std, ci(c.stdCi), c.rankDeficient ? "  (N < d!)" : ""));
        }
        for (String s : r.sets) {
            sb.append(String.format(Locale.ROOT, "%-24s reference (row-L2) MM-FID %.4f +- %.4f, MM-STD %.4f +- %.4f%n", s,
                    r.referenceFid.get(s).mean(), r.referenceFid.get(s).std(), r.referenceStd.get(s).mean(), r.referenceStd.get(s).std()));
            if (!r.jointFid.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "%-24s joint (cell-L2 across sets) MM-FID %.4f +- %.4f, MM-STD %.4f +- %.4f%n", s,
                        r.jointFid.get(s).mean(), r.jointFid.get(s).std(), r.jointStd.get(s).mean(), r.jointStd.get(s).std()));
            }
        }
        return sb.toString();
    }

    private static String ci(double[] ci) {
        return Double.isNaN(ci[0]) ? "-" : String.format(Locale.ROOT, "[%.5g, %.5g]", ci[0], ci[1]);
    }
}
