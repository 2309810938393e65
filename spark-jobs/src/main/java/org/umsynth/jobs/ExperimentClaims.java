package org.umsynth.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.umsynth.model.stats.PairedTests;

/**
 * The paper's three claims (fidelity, variety, utility: UM-guided synthesis beats the seg-guided baseline)
 * decided from one metrics run over both synthetic sets and one utility summary. Spark-free and small, so
 * that a fuller statistics package can replace the test later.
 *
 * <p>Verdicts: "holds" when the two-sided paired Wilcoxon signed-rank test gives p &lt; alpha in the paper's
 * direction; "does not hold" when it gives p &lt; alpha the other way, or p &ge; alpha although enough pairs
 * exist for p &lt; alpha to be reachable; "inconclusive" when there are too few pairs for p &lt; alpha to be
 * reachable at all, or no test could be run; "not run" when the utility stage did not run.
 */
public final class ExperimentClaims {
    public static final String HOLDS = "holds";
    public static final String DOES_NOT_HOLD = "does not hold";
    public static final String INCONCLUSIVE = "inconclusive";
    public static final String NOT_RUN = "not run";

    public static final String UM_ARM = "real+um";
    public static final String SEG_ARM = "real+seg";

    private static final int BOOTSTRAP_REPLICATES = 2000;

    private ExperimentClaims() {
    }

    /** One extractor x resolution cell of both sets: raw values and their bootstrap CIs (null if none). */
    public record CellPair(String extractor, int resolution, double um, double[] umCi, double seg, double[] segCi) {
        /** Each value divided by the cell's L2 norm across the two sets (the metrics job's joint normalisation). */
        double normalisedDifference() {
            double norm = Math.hypot(um, seg);
            return norm > 0 ? (um - seg) / norm : 0;
        }

        boolean cisDisjoint() {
            return umCi != null && segCi != null && (umCi[1] < segCi[0] || segCi[1] < umCi[0]);
        }
    }

    /** A claim's outcome; {@code details} holds its figures for claims.json. */
    public record Claim(String name, String statement, String verdict, String reason, Map<String, Object> details) {}

    /** A class row of the utility claim. */
    public record ClassOutcome(String className, double um, double seg, double difference, double[] ci, Double p, int n,
                               Double effectSize, String effectSizeKind, String note, String verdict, String reason) {}

    /**
     * Whether the exact two-sided Wilcoxon signed-rank test can give p &lt; alpha with n pairs: its smallest
     * p is 2 / 2^n (all differences of one sign); {@link PairedTests} uses the normal approximation above
     * {@link PairedTests#EXACT_MAX_N}.
     */
    public static boolean significanceReachable(int n, double alpha) {
        if (n <= 0) {
            return false;
        }
        return n > PairedTests.EXACT_MAX_N || Math.pow(2, 1 - n) < alpha;
    }

    /** The fewest pairs for which {@link #significanceReachable} holds. */
    public static int fewestPairs(double alpha) {
        int n = 1;
        while (!significanceReachable(n, alpha)) {
            n++;
        }
        return n;
    }

    /**
     * Fidelity (lowerIsBetter: MM-FID) or variety (higher MM-STD) from the cells of one metrics run.
     *
     * @param mmUm  the joint-normalised MM aggregate of the um set (mean, std), or null
     */
    public static Claim metricClaim(String name, String statement, String measure, boolean lowerIsBetter,
                                    List<CellPair> cells, double[] mmUm, double[] mmSeg, double alpha, long seed) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("measure", measure);
        d.put("um", mmUm == null ? null : mmUm[0]);
        d.put("seg", mmSeg == null ? null : mmSeg[0]);
        d.put("um_spread", mmUm == null ? null : mmUm[1]);
        d.put("seg_spread", mmSeg == null ? null : mmSeg[1]);
        int n = cells.size();
        double[] diffs = cells.stream().mapToDouble(CellPair::normalisedDifference).toArray();
        double meanDiff = n == 0 ? Double.NaN : Arrays.stream(diffs).average().orElse(Double.NaN);
        d.put("difference", nullIfNaN(meanDiff));
        d.put("difference_definition", "mean over cells of (um - seg) / sqrt(um^2 + seg^2) (per-cell joint normalisation)");
        double[] ci = n >= 2 ? bootstrapMeanCi(diffs, seed) : null;
        d.put("ci95", ci == null ? null : List.of(ci[0], ci[1]));
        d.put("ci95_definition", "percentile bootstrap over cells (" + BOOTSTRAP_REPLICATES + " replicates, seeded) of "
                + "the mean normalised difference; each cell's own bootstrap CI is in cells");
        Double p = null;
        if (n >= 1 && Arrays.stream(diffs).anyMatch(v -> v != 0)) {
            double[] um = cells.stream().mapToDouble(CellPair::um).toArray();
            double[] seg = cells.stream().mapToDouble(CellPair::seg).toArray();
            // normalised per cell so that extractors of different scales weigh alike in the ranks
            double[] umN = new double[n];
            double[] segN = new double[n];
            for (int i = 0; i < n; i++) {
                double norm = Math.hypot(um[i], seg[i]);
                umN[i] = norm > 0 ? um[i] / norm : 0;
                segN[i] = norm > 0 ? seg[i] / norm : 0;
            }
            p = PairedTests.wilcoxon(umN, segN).p();
        } else if (n >= 1) {
            p = 1.0;
        }
        d.put("p", p);
        d.put("test", "paired two-sided Wilcoxon signed-rank test over the " + n + " extractor x resolution cell(s), "
                + "um vs seg per cell after joint normalisation (exact p for n <= " + PairedTests.EXACT_MAX_N
                + " without ties, else the normal approximation with tie correction; zero differences dropped)");
        d.put("n", n);
        List<Map<String, Object>> rows = new ArrayList<>();
        int disjoint = 0;
        for (CellPair c : cells) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("extractor", c.extractor());
            m.put("resolution", c.resolution());
            m.put("um", c.um());
            m.put("um_ci", c.umCi() == null ? null : List.of(c.umCi()[0], c.umCi()[1]));
            m.put("seg", c.seg());
            m.put("seg_ci", c.segCi() == null ? null : List.of(c.segCi()[0], c.segCi()[1]));
            m.put("cis_disjoint", c.cisDisjoint());
            rows.add(m);
            disjoint += c.cisDisjoint() ? 1 : 0;
        }
        d.put("cells", rows);
        boolean favoursUm = lowerIsBetter ? meanDiff < 0 : meanDiff > 0;
        String direction = n == 0 || meanDiff == 0 ? "no difference" : (favoursUm ? "um better" : "seg better");
        String verdict;
        String reason;
        if (n == 0) {
            verdict = INCONCLUSIVE;
            reason = "no metric cells";
        } else if (!significanceReachable(n, alpha)) {
            verdict = INCONCLUSIVE;
            reason = String.format(Locale.ROOT, "%d cell(s): the Wilcoxon test over cells needs at least %d for p < %s; "
                    + "%s, cell CIs disjoint in %d of %d", n, fewestPairs(alpha), fmt(alpha), direction, disjoint, n);
        } else if (p < alpha && favoursUm) {
            verdict = HOLDS;
            reason = String.format(Locale.ROOT, "um better in %s over %d cells (p = %s < %s)", measure, n, fmt(p), fmt(alpha));
        } else if (p < alpha) {
            verdict = DOES_NOT_HOLD;
            reason = String.format(Locale.ROOT, "seg better in %s over %d cells (p = %s < %s)", measure, n, fmt(p), fmt(alpha));
        } else {
            verdict = DOES_NOT_HOLD;
            reason = String.format(Locale.ROOT, "no significant difference over %d cells (p = %s >= %s; %s)", n, fmt(p),
                    fmt(alpha), direction);
        }
        return new Claim(name, statement, verdict, reason, d);
    }

    /** The utility claim (Dice of real+um vs real+seg, per class), or "not run" when summary is null. */
    public static Claim utilityClaim(UtilitySummary summary, String notRunReason, double alpha) {
        String statement = "segmenters trained on real + UM-guided synthetic data reach a higher Dice than on real + "
                + "seg-guided synthetic data";
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("measure", "Dice per held-out test case (mean over seeds), per class; higher is better");
        if (summary == null) {
            return new Claim("utility", statement, NOT_RUN, notRunReason, d);
        }
        List<ClassOutcome> outcomes = utilityOutcomes(summary, alpha);
        List<Map<String, Object>> rows = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        boolean anyNot = false;
        boolean allHold = !outcomes.isEmpty();
        for (ClassOutcome o : outcomes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("class", o.className());
            m.put("um", o.um());
            m.put("seg", o.seg());
            m.put("difference", o.difference());
            m.put("ci95", o.ci() == null ? null : List.of(o.ci()[0], o.ci()[1]));
            m.put("p", o.p());
            m.put("n", o.n());
            m.put("effect_size", o.effectSize());
            m.put("effect_size_kind", o.effectSizeKind());
            m.put("note", o.note());
            m.put("verdict", o.verdict());
            m.put("reason", o.reason());
            rows.add(m);
            anyNot |= o.verdict().equals(DOES_NOT_HOLD);
            allHold &= o.verdict().equals(HOLDS);
            reasons.add(o.className() + ": " + o.verdict());
        }
        d.put("test_cases", summary.testCases());
        d.put("seeds", summary.seeds());
        d.put("test", "paired two-sided Wilcoxon signed-rank test over held-out test cases, real+um vs real+seg "
                + "(from the utility stage's summary.json)");
        d.put("classes", rows);
        String verdict = allHold ? HOLDS : anyNot ? DOES_NOT_HOLD : INCONCLUSIVE;
        String reason = outcomes.isEmpty() ? "the utility summary has no real+um vs real+seg comparison"
                : String.join("; ", reasons);
        return new Claim("utility", statement, verdict, reason, d);
    }

    /** Per class: real+um against real+seg, oriented so that a positive difference favours um. */
    public static List<ClassOutcome> utilityOutcomes(UtilitySummary s, double alpha) {
        List<ClassOutcome> out = new ArrayList<>();
        for (String cls : s.classes()) {
            UtilitySummary.Comparison c = s.comparisons().stream()
                    .filter(x -> x.className().equals(cls) && ((x.a().equals(UM_ARM) && x.b().equals(SEG_ARM))
                            || (x.a().equals(SEG_ARM) && x.b().equals(UM_ARM))))
                    .findFirst().orElse(null);
            if (c == null) {
                continue;
            }
            boolean flipped = c.a().equals(SEG_ARM);
            double diff = flipped ? -c.meanDifference() : c.meanDifference();
            double[] ci = c.ci95() == null ? null : flipped ? new double[]{-c.ci95()[1], -c.ci95()[0]} : c.ci95();
            Double effect = c.effectSize() == null ? null : flipped ? -c.effectSize() : c.effectSize();
            double um = s.mean(UM_ARM, cls);
            double seg = s.mean(SEG_ARM, cls);
            String verdict;
            String reason;
            if (c.wilcoxonP() == null) {
                verdict = INCONCLUSIVE;
                reason = "no p-value (" + (c.note().isBlank() ? "the test was not run" : c.note()) + ")";
            } else if (!significanceReachable(c.n(), alpha)) {
                verdict = INCONCLUSIVE;
                reason = String.format(Locale.ROOT, "%d test case(s): the Wilcoxon test needs at least %d for p < %s",
                        c.n(), fewestPairs(alpha), fmt(alpha));
            } else if (c.wilcoxonP() < alpha && diff > 0) {
                verdict = HOLDS;
                reason = String.format(Locale.ROOT, "real+um higher by %.4f (p = %s)", diff, fmt(c.wilcoxonP()));
            } else if (c.wilcoxonP() < alpha) {
                verdict = DOES_NOT_HOLD;
                reason = String.format(Locale.ROOT, "real+seg higher by %.4f (p = %s)", -diff, fmt(c.wilcoxonP()));
            } else {
                verdict = DOES_NOT_HOLD;
                reason = String.format(Locale.ROOT, "no significant difference over %d cases (p = %s >= %s)", c.n(),
                        fmt(c.wilcoxonP()), fmt(alpha));
            }
            out.add(new ClassOutcome(cls, um, seg, diff, ci, c.wilcoxonP(), c.n(), effect, c.effectSizeKind(), c.note(),
                    verdict, reason));
        }
        return out;
    }

    /** The utility stage's summary.json (the shape its command documents). */
    public record UtilitySummary(String name, int testCases, List<Integer> seeds, List<String> classes,
                                 Map<String, Map<String, ArmStat>> arms, List<Comparison> comparisons) {
        public record ArmStat(double mean, double sdAcrossSeeds, double[] ci95) {}

        public record Comparison(String a, String b, String className, int n, double meanDifference, double[] ci95,
                                 Double wilcoxonP, Double effectSize, String effectSizeKind, String note) {}

        public double mean(String arm, String cls) {
            Map<String, ArmStat> byClass = arms.get(arm);
            ArmStat st = byClass == null ? null : byClass.get(cls);
            return st == null ? Double.NaN : st.mean();
        }

        /** Parses a summary; {@code where} names the file in errors. */
        public static UtilitySummary parse(InputStream in, String where) throws IOException {
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(where + ": expected a JSON object");
            }
            List<Integer> seeds = new ArrayList<>();
            array(root, "seeds", where).forEach(n -> seeds.add(n.asInt()));
            List<String> classes = new ArrayList<>();
            array(root, "classes", where).forEach(n -> classes.add(n.asText()));
            Map<String, Map<String, ArmStat>> arms = new LinkedHashMap<>();
            JsonNode armsNode = field(root, "arms", where);
            for (var arm : iterable(armsNode.fields())) {
                Map<String, ArmStat> byClass = new LinkedHashMap<>();
                for (var cls : iterable(arm.getValue().fields())) {
                    String at = where + ": arms." + arm.getKey() + "." + cls.getKey();
                    JsonNode v = cls.getValue();
                    byClass.put(cls.getKey(), new ArmStat(number(v, "mean", at), number(v, "sd_across_seeds", at),
                            pair(v, "ci95", at)));
                }
                arms.put(arm.getKey(), byClass);
            }
            List<Comparison> comparisons = new ArrayList<>();
            int i = 0;
            for (JsonNode c : array(root, "comparisons", where)) {
                String at = where + ": comparisons[" + i++ + "]";
                comparisons.add(new Comparison(text(c, "a", at), text(c, "b", at), text(c, "class", at),
                        field(c, "n", at).asInt(), number(c, "mean_difference", at), pair(c, "ci95", at),
                        nullableNumber(c, "wilcoxon_p", at), nullableNumber(c, "effect_size", at),
                        c.path("effect_size_kind").asText(""), c.path("note").asText("")));
            }
            return new UtilitySummary(text(root, "name", where), field(root, "test_cases", where).asInt(), seeds,
                    classes, arms, comparisons);
        }

        private static JsonNode field(JsonNode n, String name, String where) {
            JsonNode v = n.get(name);
            if (v == null) {
                throw new IllegalArgumentException(where + ": missing field '" + name + "'");
            }
            return v;
        }

        private static JsonNode array(JsonNode n, String name, String where) {
            JsonNode v = field(n, name, where);
            if (!v.isArray()) {
                throw new IllegalArgumentException(where + ": field '" + name + "' is not an array");
            }
            return v;
        }

        private static String text(JsonNode n, String name, String where) {
            return field(n, name, where).asText();
        }

        private static double number(JsonNode n, String name, String where) {
            JsonNode v = field(n, name, where);
            if (!v.isNumber()) {
                throw new IllegalArgumentException(where + ": field '" + name + "' is not a number");
            }
            return v.asDouble();
        }

        private static Double nullableNumber(JsonNode n, String name, String where) {
            JsonNode v = field(n, name, where);
            return v.isNull() ? null : number(n, name, where);
        }

        private static double[] pair(JsonNode n, String name, String where) {
            JsonNode v = field(n, name, where);
            if (v.isNull()) {
                return null;
            }
            if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
                throw new IllegalArgumentException(where + ": field '" + name + "' is not [lo, hi]");
            }
            return new double[]{v.get(0).asDouble(), v.get(1).asDouble()};
        }

        private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
            return () -> it;
        }
    }

    static double[] bootstrapMeanCi(double[] values, long seed) {
        return PairedTests.bootstrapMeanCi(values, BOOTSTRAP_REPLICATES, seed, 0.95);
    }

    static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** Four significant digits without trailing zeros (0.05, 0.03125 -> 0.03125, 1.234e-05). */
    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        if (v != 0 && Math.abs(v) < 1e-3) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
