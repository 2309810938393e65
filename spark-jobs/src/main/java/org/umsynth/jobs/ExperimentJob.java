package org.umsynth.jobs;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.umsynth.cli.CommonOptions;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.ExperimentConfig;
import org.umsynth.config.StageConfig;
import org.umsynth.config.StageConfigs;
import org.umsynth.config.TrainConfig;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.model.gan.GanProfile;
import org.umsynth.model.train.Conditioning;
import org.umsynth.spark.Sessions;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code experiment}: the paper's comparison, UM-guided synthesis against the seg-guided baseline, over a
 * sweep of label budgets, in one Spark application. Per label fraction f (tag {@code f<percent>}): train
 * {@code ROOT/models/exp-NAME-fP-um} and {@code -seg} with {@code train.labelledCases = max(1, round(f * L))}
 * (L = labelled training cases in ROOT/slices), synthesize {@code experiment.count} samples from each, one
 * {@code metrics} run over both sets (joint normalisation) and, when available, {@code utility} with arms
 * real, real+um, real+seg. Every stage runs exactly as its own command, in the shared session.
 *
 * <p>Restartable like {@code pipeline}: a complete output is skipped, an unfinished training run resumes, and
 * what is downstream of a remade output is remade. Outputs under {@code ROOT/experiments/NAME/}:
 * {@code claims.json} (fidelity, variety, utility: figures, CI, p, verdict, reason; see
 * {@link ExperimentClaims}), {@code sweep.csv} (one row per fraction x quantity x arm x class: header
 * {@code fraction,labelled_cases,quantity,arm,class,value,spread,ci_lo,ci_hi,n}) and {@code config.properties}
 * (every stage's resolved config, usable as {@code --conf}).
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "The paper's comparison: UM-guided vs seg-guided synthesis over label budgets; "
                + "claims.json, sweep.csv and config.properties in ROOT/experiments/NAME (restartable).")
public final class ExperimentJob implements Callable<Integer> {
    public static final String CLAIMS = "claims.json";
    public static final String SWEEP = "sweep.csv";
    public static final String CONFIG = "config.properties";
    public static final String SWEEP_HEADER = "fraction,labelled_cases,quantity,arm,class,value,spread,ci_lo,ci_hi,n";
    public static final String ARMS = "real,real+um,real+seg";

    @Mixin
    CommonOptions common;

    @Option(names = "--name", paramLabel = "NAME", description = "experiment name: ROOT/experiments/NAME and the "
            + "runs' prefix exp-NAME- (default: comparison)")
    String name = "comparison";

    /** The outputs of one label fraction. */
    record FractionRun(double fraction, String tag, int labelledCases, String base) {
        String run(String mode) {
            return base + "-" + mode;
        }
    }

    @Override
    public Integer call() throws Exception {
        ConfigSource source = common.configSource();
        ExperimentConfig config = ConfigBinder.bind(new ExperimentConfig(), source);
        ConfigBinder.bindAll(source); // every stage's values checked before the first training starts
        if (!org.umsynth.config.StageConfig.isPlainName(name)) {
            throw new IllegalArgumentException("--name '" + name + "' is not a plain name (letters, digits, . _ -)");
        }
        boolean owned = !Sessions.isShared();
        SparkSession spark = Sessions.create("umsynth experiment", common.master, source);
        try {
            return Sessions.sharing(spark, () -> run(spark, config));
        } finally {
            if (owned) {
                spark.stop();
            }
        }
    }

    private int run(SparkSession spark, ExperimentConfig config) throws Exception {
        long start = System.nanoTime();
        TableStore store = new TableStore(spark, common.data);
        FileSystem fs = store.fileSystem();
        if (!store.exists(Tables.SLICES) || !store.exists(Tables.MASKS)) {
            throw new IllegalArgumentException("experiment needs complete ROOT/" + Tables.SLICES + " and ROOT/"
                    + Tables.MASKS + " under " + store.root() + " (run ingest and masks first)");
        }
        long labelled = store.read(Tables.SLICES).filter(col("split").equalTo("train").and(col("label").isNotNull()))
                .select("case_id").distinct().count();
        if (labelled == 0) {
            throw new IllegalArgumentException("ROOT/" + Tables.SLICES + " under " + store.root()
                    + " has no labelled training case: both conditioning modes need manual labels");
        }
        boolean utilityAvailable = Umsynth.commandLine().getSubcommands().containsKey("utility");
        boolean runUtility = config.utility && utilityAvailable;
        String notRun = !config.utility ? "not run (experiment.utility = false)"
                : "not run (the utility stage is not available)";
        List<FractionRun> runs = new ArrayList<>();
        for (double f : config.fractions()) {
            String tag = "f" + percent(f);
            runs.add(new FractionRun(f, tag, (int) Math.max(1, Math.round(f * labelled)), "exp-" + name + "-" + tag));
        }
        System.out.printf("experiment '%s': %d labelled training cases; fractions %s; %d samples per set; seed %d%n",
                name, labelled, runs.stream().map(r -> r.tag() + " (" + r.labelledCases() + " cases)").toList(),
                config.count, config.seed);
        for (FractionRun r : runs) {
            int code = runFraction(store, fs, config, r, runUtility);
            if (code != 0) {
                System.out.printf("experiment: stopped at %s (exit code %d); re-run the same command to continue%n",
                        r.tag(), code);
                return code;
            }
        }

        Path out = new Path(store.root(), "experiments/" + name);
        fs.mkdirs(out);
        double main = config.mainFractionOrSmallest();
        FractionRun decisive = runs.stream().filter(r -> r.fraction() == main).findFirst().orElseThrow();
        Map<String, JsonNode> metrics = new LinkedHashMap<>();
        Map<String, ExperimentClaims.UtilitySummary> utility = new LinkedHashMap<>();
        for (FractionRun r : runs) {
            metrics.put(r.tag(), readJson(fs, store.path("metrics/" + r.base() + "/metrics.json")));
            Path summary = store.path("utility/" + r.base() + "/summary.json");
            if (runUtility && fs.exists(summary)) {
                try (InputStream in = fs.open(summary)) {
                    utility.put(r.tag(), ExperimentClaims.UtilitySummary.parse(in, summary.toString()));
                }
            }
        }
        List<ExperimentClaims.Claim> claims = claims(metrics.get(decisive.tag()), decisive, utility.get(decisive.tag()),
                runUtility ? "not run (no utility summary for " + decisive.base() + ")" : notRun, config);
        writeClaims(fs, new Path(out, CLAIMS), claims, decisive, runs, labelled, config);
        writeText(fs, new Path(out, SWEEP), sweep(runs, metrics, utility));
        writeText(fs, new Path(out, CONFIG), resolvedConfig(config, runs));
        System.out.print(table(claims, decisive));
        System.out.printf("experiment: wrote %s (%s, %s, %s) in %.1f s%n", out, CLAIMS, SWEEP, CONFIG,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Train both modes, synthesize both sets, one metrics run, utility: each skipped when complete. */
    private int runFraction(TableStore store, FileSystem fs, ExperimentConfig config, FractionRun r, boolean runUtility)
            throws Exception {
        boolean remade = false;
        for (String mode : List.of("um", "seg")) {
            String run = r.run(mode);
            Path checkpoints = new Path(store.root(), "models/" + run + "/checkpoints");
            Optional<Path> before = GanCheckpoint.latest(fs, checkpoints);
            boolean remakeRun = common.overwrite;
            List<String> args = new ArrayList<>(List.of("train", "--mode", mode, "--run", run));
            if (!remakeRun && before.isPresent()) {
                if (trainingFinished(fs, before.get(), config, r, mode, run)) {
                    System.out.printf("experiment: %s train %s skipped (finished)%n", r.tag(), run);
                    args = null;
                } else {
                    args.add("--resume");
                }
            } else {
                args.add("--overwrite");
            }
            if (args != null) {
                int code = stage(r, args, config);
                if (code != 0) {
                    return code;
                }
            }
            boolean trained = !before.equals(GanCheckpoint.latest(fs, checkpoints));
            String table = Tables.SYNTHETIC + "/" + run;
            if (common.overwrite || trained || !store.exists(table)) {
                int code = stage(r, new ArrayList<>(List.of("synthesize", "--model", run, "--name", run, "--count",
                        Long.toString(config.count), "--overwrite")), config);
                if (code != 0) {
                    return code;
                }
                remade = true;
            } else {
                System.out.printf("experiment: %s synthesize %s skipped (ROOT/%s is complete)%n", r.tag(), run, table);
            }
        }
        String um = Tables.SYNTHETIC + "/" + r.run("um");
        String seg = Tables.SYNTHETIC + "/" + r.run("seg");
        if (remade || common.overwrite || !store.fileSystem().exists(store.path("metrics/" + r.base() + "/metrics.json"))) {
            int code = stage(r, new ArrayList<>(List.of("metrics", "--real", config.metricsReal, "--synthetic",
                    um + "," + seg, "--name", r.base(), "--overwrite")), config);
            if (code != 0) {
                return code;
            }
        } else {
            System.out.printf("experiment: %s metrics skipped (ROOT/metrics/%s is complete)%n", r.tag(), r.base());
        }
        if (runUtility) {
            if (remade || common.overwrite || !fs.exists(store.path("utility/" + r.base() + "/summary.json"))) {
                int code = stage(r, new ArrayList<>(List.of("utility", "--name", r.base(), "--arms", ARMS,
                        "--synthetic", "um=" + um, "--synthetic", "seg=" + seg, "--overwrite")), config);
                if (code != 0) {
                    return code;
                }
            } else {
                System.out.printf("experiment: %s utility skipped (ROOT/utility/%s is complete)%n", r.tag(), r.base());
            }
        }
        return 0;
    }

    /**
     * Whether the run's latest checkpoint is the end of a run with this experiment's settings. A run made with
     * another label budget or seed is refused rather than resumed, so no run mixes two settings.
     */
    private boolean trainingFinished(FileSystem fs, Path latest, ExperimentConfig config, FractionRun r, String mode,
                                     String run) throws IOException {
        GanCheckpoint.State state = GanCheckpoint.readState(fs, latest);
        String labelledCases = state.config().get("labelledCases");
        String seed = state.config().get("seed");
        if (!String.valueOf(r.labelledCases()).equals(labelledCases) || !String.valueOf(config.seed).equals(seed)) {
            throw new IllegalStateException("training run " + run + " was made with train.labelledCases = "
                    + labelledCases + " and train.seed = " + seed + ", this experiment needs " + r.labelledCases()
                    + " and " + config.seed + ": pass --overwrite to remake it, or choose another --name");
        }
        TrainConfig train = ConfigBinder.bind(new TrainConfig(), stageSource(r, config));
        train.mode = Conditioning.valueOf(mode.toUpperCase(Locale.ROOT));
        GanProfile profile = train.ganProfile();
        return state.profile().equals(profile) && state.epoch() >= profile.epochs() + profile.decayEpochs();
    }

    /** The settings every stage of fraction r runs with: the file, --set overrides, then the experiment's. */
    private ConfigSource stageSource(FractionRun r, ExperimentConfig config) throws IOException {
        return ConfigSource.fromLocation(common.conf, stageOverrides(r, config));
    }

    private List<String> stageOverrides(FractionRun r, ExperimentConfig config) {
        List<String> overrides = new ArrayList<>(common.overrides);
        overrides.add("train.labelledCases=" + r.labelledCases());
        overrides.add("train.seed=" + config.seed);
        overrides.add("synthesize.seed=" + config.seed);
        // synthetic training data from test-case UMs would leak the held-out anatomy into the utility arms
        overrides.add("synthesize.split=train");
        return overrides;
    }

    private int stage(FractionRun r, List<String> args, ExperimentConfig config) {
        args.addAll(common.stageOptions(stageOverrides(r, config)));
        return Umsynth.runStage("experiment: " + r.tag(), args);
    }

    /** The three claims from the decisive fraction's metrics (set order: um, seg) and utility summary. */
    static List<ExperimentClaims.Claim> claims(JsonNode metrics, FractionRun r, ExperimentClaims.UtilitySummary utility,
                                               String notRun, ExperimentConfig config) {
        String um = Tables.SYNTHETIC + "/" + r.run("um");
        String seg = Tables.SYNTHETIC + "/" + r.run("seg");
        List<ExperimentClaims.Claim> claims = new ArrayList<>();
        claims.add(ExperimentClaims.metricClaim("fidelity", "UM-guided synthesis has a lower MM-FID than seg-guided",
                "MM-FID", true, cellPairs(metrics, um, seg, "fid"), joint(metrics, "mm_fid", um),
                joint(metrics, "mm_fid", seg), config.alpha, config.seed));
        claims.add(ExperimentClaims.metricClaim("variety", "UM-guided synthesis has a higher MM-STD than seg-guided",
                "MM-STD", false, cellPairs(metrics, um, seg, "std"), joint(metrics, "mm_std", um),
                joint(metrics, "mm_std", seg), config.alpha, config.seed));
        claims.add(ExperimentClaims.utilityClaim(utility, notRun, config.alpha));
        return claims;
    }

    static List<ExperimentClaims.CellPair> cellPairs(JsonNode metrics, String um, String seg, String quantity) {
        Map<String, JsonNode> umCells = new LinkedHashMap<>();
        Map<String, JsonNode> segCells = new LinkedHashMap<>();
        for (JsonNode c : metrics.path("cells")) {
            String key = c.path("extractor").asText() + "@" + c.path("resolution").asInt();
            if (c.path("set").asText().equals(um)) {
                umCells.put(key, c);
            } else if (c.path("set").asText().equals(seg)) {
                segCells.put(key, c);
            }
        }
        List<ExperimentClaims.CellPair> pairs = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : umCells.entrySet()) {
            JsonNode s = segCells.get(e.getKey());
            if (s == null) {
                continue;
            }
            JsonNode u = e.getValue();
            pairs.add(new ExperimentClaims.CellPair(u.path("extractor").asText(), u.path("resolution").asInt(),
                    u.path(quantity).asDouble(), ci(u.path(quantity + "_ci")), s.path(quantity).asDouble(),
                    ci(s.path(quantity + "_ci"))));
        }
        return pairs;
    }

    private static double[] ci(JsonNode n) {
        return n.isArray() && n.size() == 2 && n.get(0).isNumber() && n.get(1).isNumber()
                ? new double[]{n.get(0).asDouble(), n.get(1).asDouble()} : null;
    }

    private static double[] joint(JsonNode metrics, String measure, String set) {
        JsonNode a = metrics.path("aggregates").path("joint_across_sets").path(measure).path(set);
        return a.isMissingNode() ? null : new double[]{a.path("mean").asDouble(), a.path("std").asDouble()};
    }

    /** One row per fraction x quantity x arm x class; see the class comment for the columns. */
    static String sweep(List<FractionRun> runs, Map<String, JsonNode> metrics,
                        Map<String, ExperimentClaims.UtilitySummary> utility) {
        StringBuilder sb = new StringBuilder(SWEEP_HEADER).append('\n');
        for (FractionRun r : runs) {
            JsonNode m = metrics.get(r.tag());
            String prefix = num(r.fraction()) + "," + r.labelledCases() + ",";
            for (String quantity : List.of("fid", "std")) {
                List<ExperimentClaims.CellPair> cells = cellPairs(m, Tables.SYNTHETIC + "/" + r.run("um"),
                        Tables.SYNTHETIC + "/" + r.run("seg"), quantity);
                for (String mode : List.of("um", "seg")) {
                    double[] agg = joint(m, "mm_" + quantity, Tables.SYNTHETIC + "/" + r.run(mode));
                    if (agg != null) {
                        sb.append(prefix).append("mm_").append(quantity).append(',').append(mode).append(",,")
                                .append(num(agg[0])).append(',').append(num(agg[1])).append(",,,").append(cells.size())
                                .append('\n');
                    }
                    for (ExperimentClaims.CellPair c : cells) {
                        boolean isUm = mode.equals("um");
                        double[] ci = isUm ? c.umCi() : c.segCi();
                        sb.append(prefix).append(quantity).append(',').append(mode).append(',').append(c.extractor())
                                .append('@').append(c.resolution()).append(',').append(num(isUm ? c.um() : c.seg()))
                                .append(",,").append(ci == null ? "" : num(ci[0])).append(',')
                                .append(ci == null ? "" : num(ci[1])).append(",1\n");
                    }
                }
            }
            ExperimentClaims.UtilitySummary u = utility.get(r.tag());
            if (u != null) {
                for (var arm : u.arms().entrySet()) {
                    for (var cls : arm.getValue().entrySet()) {
                        var st = cls.getValue();
                        sb.append(prefix).append("dice,").append(arm.getKey()).append(',').append(cls.getKey()).append(',')
                                .append(num(st.mean())).append(',').append(num(st.sdAcrossSeeds())).append(',')
                                .append(st.ci95() == null ? "" : num(st.ci95()[0])).append(',')
                                .append(st.ci95() == null ? "" : num(st.ci95()[1])).append(',').append(u.testCases())
                                .append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    private void writeClaims(FileSystem fs, Path file, List<ExperimentClaims.Claim> claims, FractionRun decisive,
                             List<FractionRun> runs, long labelled, ExperimentConfig config) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("name", name);
        doc.put("main_fraction", decisive.fraction());
        doc.put("labelled_cases", decisive.labelledCases());
        doc.put("labelled_training_cases", labelled);
        doc.put("samples_per_set", config.count);
        doc.put("seed", config.seed);
        doc.put("alpha", config.alpha);
        doc.put("runs", Map.of("um", "models/" + decisive.run("um"), "seg", "models/" + decisive.run("seg"),
                "metrics", "metrics/" + decisive.base(), "utility", "utility/" + decisive.base()));
        doc.put("fractions", runs.stream().map(r -> Map.of("fraction", r.fraction(), "tag", r.tag(),
                "labelled_cases", r.labelledCases())).toList());
        List<Map<String, Object>> list = new ArrayList<>();
        for (ExperimentClaims.Claim c : claims) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("claim", c.name());
            m.put("statement", c.statement());
            m.put("verdict", c.verdict());
            m.put("reason", c.reason());
            m.putAll(c.details());
            list.add(m);
        }
        doc.put("claims", list);
        writeText(fs, file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc) + "\n");
    }

    /** Every stage's resolved settings as a config file that reproduces the experiment with --conf. */
    private String resolvedConfig(ExperimentConfig config, List<FractionRun> runs) throws IOException {
        ConfigSource source = stageSource(runs.get(0), config);
        StringBuilder sb = new StringBuilder("# umsynth experiment '" + name + "': the resolved config of every stage\n");
        sb.append("# train.labelledCases is set per label fraction by the experiment: ");
        sb.append(String.join(", ", runs.stream().map(r -> r.tag() + " -> " + r.labelledCases()).toList())).append('\n');
        for (Map.Entry<String, Supplier<? extends StageConfig>> stage : StageConfigs.ALL.entrySet()) {
            StageConfig bound = ConfigBinder.bind(stage.getValue().get(), source);
            for (Map.Entry<String, Field> f : ConfigBinder.settings(bound.getClass()).entrySet()) {
                if (stage.getKey().equals("train") && f.getKey().equals("labelledCases")) {
                    continue;
                }
                try {
                    Object v = f.getValue().get(bound);
                    String text = v instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(v);
                    sb.append(stage.getKey()).append('.').append(f.getKey()).append(" = ").append(text).append('\n');
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        for (Map.Entry<String, String> e : source.values().entrySet()) {
            if (e.getKey().startsWith("spark.") || e.getKey().startsWith("hadoop.")) {
                sb.append(e.getKey()).append(" = ").append(e.getValue()).append('\n');
            }
        }
        return sb.toString();
    }

    static String table(List<ExperimentClaims.Claim> claims, FractionRun decisive) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "claims at label fraction %s (%d labelled cases):%n", num(decisive.fraction()),
                decisive.labelledCases()));
        sb.append(String.format(Locale.ROOT, "%-9s %-8s %-12s %-12s %-24s %-10s %-14s %s%n", "claim", "class", "um", "seg",
                "CI (um - seg)", "p", "verdict", "reason"));
        for (ExperimentClaims.Claim c : claims) {
            Map<String, Object> d = c.details();
            if (c.name().equals("utility") && d.get("classes") instanceof List<?> rows) {
                for (Object o : rows) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    sb.append(row(c.name(), String.valueOf(m.get("class")), m.get("um"), m.get("seg"), m.get("ci95"),
                            m.get("p"), String.valueOf(m.get("verdict")), String.valueOf(m.get("reason"))));
                }
                sb.append(String.format(Locale.ROOT, "%-9s overall: %s%n", c.name(), c.verdict()));
            } else {
                sb.append(row(c.name(), "", d.get("um"), d.get("seg"), d.get("ci95"), d.get("p"), c.verdict(), c.reason()));
            }
        }
        return sb.toString();
    }

    private static String row(String claim, String cls, Object um, Object seg, Object ci, Object p, String verdict,
                              String reason) {
        String ciText = ci instanceof List<?> l ? "[" + fmt(l.get(0)) + ", " + fmt(l.get(1)) + "]" : "-";
        return String.format(Locale.ROOT, "%-9s %-8s %-12s %-12s %-24s %-10s %-14s %s%n", claim, cls, fmt(um), fmt(seg),
                ciText, fmt(p), verdict, reason);
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? ExperimentClaims.fmt(n.doubleValue()) : "-";
    }

    /** A fraction as a percent tag: 0.25 -> 25, 0.05 -> 5, 0.125 -> 12p5. */
    static String percent(double fraction) {
        String s = new java.math.BigDecimal(Double.toString(fraction * 100)).stripTrailingZeros().toPlainString();
        return s.replace('.', 'p');
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static JsonNode readJson(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            throw new IllegalStateException("missing " + file + " (the metrics stage did not complete)");
        }
        try (InputStream in = fs.open(file)) {
            return new ObjectMapper().readTree(in);
        }
    }

    /** Written to a temporary file and renamed, so a reader never sees half a file. */
    private static void writeText(FileSystem fs, Path file, String text) throws IOException {
        Path tmp = new Path(file.getParent(), "._" + file.getName() + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) {
            throw new IOException("could not publish " + file);
        }
    }
}
