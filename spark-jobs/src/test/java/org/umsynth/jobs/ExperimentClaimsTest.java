package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.umsynth.jobs.ExperimentClaims.CellPair;
import org.umsynth.jobs.ExperimentClaims.Claim;
import org.umsynth.jobs.ExperimentClaims.ClassOutcome;
import org.umsynth.jobs.ExperimentClaims.UtilitySummary;

/** Verdict logic of the three claims and the parsing of the utility stage's summary.json (no Spark). */
class ExperimentClaimsTest {
    private static final double ALPHA = 0.05;

    private static UtilitySummary summary(String resource) throws IOException {
        try (InputStream in = ExperimentClaimsTest.class.getResourceAsStream("/experiment/" + resource)) {
            return UtilitySummary.parse(in, resource);
        }
    }

    @Test
    void parsesTheUtilitySummaryShape() throws IOException {
        UtilitySummary s = summary("summary.json");
        assertEquals("exp-comparison-f25", s.name());
        assertEquals(8, s.testCases());
        assertEquals(List.of(1, 2, 3), s.seeds());
        assertEquals(List.of("lung", "lesion"), s.classes());
        assertEquals(List.of("real", "real+um", "real+seg"), new ArrayList<>(s.arms().keySet()));
        assertEquals(0.88, s.mean("real+um", "lung"), 0);
        assertEquals(0.06, s.arms().get("real+seg").get("lesion").sdAcrossSeeds(), 0);
        assertArrayEquals(new double[]{0.27, 0.43}, s.arms().get("real+um").get("lesion").ci95(), 0);
        assertEquals(4, s.comparisons().size());
        UtilitySummary.Comparison c = s.comparisons().get(2);
        assertEquals("real+um", c.a());
        assertEquals("real+seg", c.b());
        assertEquals("lung", c.className());
        assertEquals(0.015625, c.wilcoxonP(), 0);
        assertEquals("matched-pairs rank-biserial", c.effectSizeKind());

        UtilitySummary few = summary("summary-few-cases.json");
        assertNull(few.comparisons().get(1).wilcoxonP());
        assertNull(few.comparisons().get(1).ci95());
        assertNull(few.arms().get("real+seg").get("lesion").ci95());
    }

    @Test
    void utilityVerdictPerClassIsOrientedTowardsUm() throws IOException {
        List<ClassOutcome> outcomes = ExperimentClaims.utilityOutcomes(summary("summary.json"), ALPHA);
        assertEquals(2, outcomes.size());
        ClassOutcome lung = outcomes.get(0);
        assertEquals("lung", lung.className());
        assertEquals(0.88, lung.um(), 0);
        assertEquals(0.83, lung.seg(), 0);
        assertEquals(0.05, lung.difference(), 1e-12);
        assertEquals(ExperimentClaims.HOLDS, lung.verdict());
        // the summary compares lesion as real+seg vs real+um: the claim flips it so that > 0 favours um
        ClassOutcome lesion = outcomes.get(1);
        assertEquals(-0.02, lesion.difference(), 1e-12);
        assertArrayEquals(new double[]{-0.07, 0.03}, lesion.ci(), 1e-12);
        assertEquals(-0.3, lesion.effectSize(), 1e-12);
        assertEquals(ExperimentClaims.DOES_NOT_HOLD, lesion.verdict());
        assertTrue(lesion.reason().contains("no significant difference"), lesion.reason());

        Claim claim = ExperimentClaims.utilityClaim(summary("summary.json"), "unused", ALPHA);
        assertEquals(ExperimentClaims.DOES_NOT_HOLD, claim.verdict(), "one class does not hold");
        assertEquals("lung: holds; lesion: does not hold", claim.reason());
    }

    @Test
    void utilityWithTooFewTestCasesOrNoPIsInconclusiveAndMissingUtilityIsNotRun() throws IOException {
        List<ClassOutcome> outcomes = ExperimentClaims.utilityOutcomes(summary("summary-few-cases.json"), ALPHA);
        assertEquals(ExperimentClaims.INCONCLUSIVE, outcomes.get(0).verdict());
        assertTrue(outcomes.get(0).reason().contains("3 test case(s)") && outcomes.get(0).reason().contains("at least 6"),
                outcomes.get(0).reason());
        assertEquals(ExperimentClaims.INCONCLUSIVE, outcomes.get(1).verdict());
        assertTrue(outcomes.get(1).reason().contains("lesion absent"), outcomes.get(1).reason());
        assertEquals(ExperimentClaims.INCONCLUSIVE,
                ExperimentClaims.utilityClaim(summary("summary-few-cases.json"), "", ALPHA).verdict());

        Claim notRun = ExperimentClaims.utilityClaim(null, "not run (the utility stage is not available)", ALPHA);
        assertEquals(ExperimentClaims.NOT_RUN, notRun.verdict());
        assertEquals("not run (the utility stage is not available)", notRun.reason());
    }

    @Test
    void malformedSummaryNamesTheFileAndTheField() {
        String noArms = "{\"name\": \"x\", \"test_cases\": 2, \"seeds\": [1], \"classes\": [\"lung\"], \"comparisons\": []}";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UtilitySummary.parse(
                new ByteArrayInputStream(noArms.getBytes(StandardCharsets.UTF_8)), "ROOT/utility/x/summary.json"));
        assertEquals("ROOT/utility/x/summary.json: missing field 'arms'", e.getMessage());
        String badCi = "{\"name\": \"x\", \"test_cases\": 2, \"seeds\": [1], \"classes\": [\"lung\"], \"arms\": {\"real\": "
                + "{\"lung\": {\"mean\": 0.5, \"sd_across_seeds\": 0, \"ci95\": [0.1]}}}, \"comparisons\": []}";
        e = assertThrows(IllegalArgumentException.class, () -> UtilitySummary.parse(
                new ByteArrayInputStream(badCi.getBytes(StandardCharsets.UTF_8)), "s.json"));
        assertEquals("s.json: arms.real.lung: field 'ci95' is not [lo, hi]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> UtilitySummary.parse(
                new ByteArrayInputStream("{not json".getBytes(StandardCharsets.UTF_8)), "t.json"));
        assertTrue(e.getMessage().startsWith("t.json: not valid JSON"), e.getMessage());
    }

    @Test
    void reachabilityOfTheExactTwoSidedTest() {
        assertEquals(6, ExperimentClaims.fewestPairs(0.05));
        assertEquals(8, ExperimentClaims.fewestPairs(0.01));
        assertFalse(ExperimentClaims.significanceReachable(0, 0.05));
        assertFalse(ExperimentClaims.significanceReachable(5, 0.05)); // smallest p = 2/32 = 0.0625
        assertTrue(ExperimentClaims.significanceReachable(6, 0.05)); // 2/64 = 0.03125
    }

    @Test
    void metricClaimVerdicts() {
        // one cell: no test over cells can reach p < 0.05
        Claim one = ExperimentClaims.metricClaim("fidelity", "s", "MM-FID", true,
                List.of(new CellPair("random_conv_test", 32, 10, new double[]{8, 12}, 20, new double[]{18, 22})),
                new double[]{0.447, 0}, new double[]{0.894, 0}, ALPHA, 1);
        assertEquals(ExperimentClaims.INCONCLUSIVE, one.verdict());
        assertEquals("1 cell(s): the Wilcoxon test over cells needs at least 6 for p < 0.05; um better, cell CIs "
                + "disjoint in 1 of 1", one.reason());
        assertNull(one.details().get("ci95"), "no CI over a single cell");
        assertEquals(1.0, (Double) one.details().get("p"), 1e-12); // exact p of one pair is 1

        // six cells, um lower in every one: exact two-sided p = 2 / 2^6
        List<CellPair> umLower = new ArrayList<>();
        List<CellPair> umHigher = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            umLower.add(new CellPair("e" + (i % 2), 32 << (i / 2), 10 + i, null, 12 + 2 * i, null));
            umHigher.add(new CellPair("e" + (i % 2), 32 << (i / 2), 12 + 2 * i, null, 10 + i, null));
        }
        Claim holds = ExperimentClaims.metricClaim("fidelity", "s", "MM-FID", true, umLower, null, null, ALPHA, 1);
        assertEquals(ExperimentClaims.HOLDS, holds.verdict(), holds.reason());
        assertEquals(0.03125, (Double) holds.details().get("p"), 1e-12);
        @SuppressWarnings("unchecked")
        List<Double> ci = (List<Double>) holds.details().get("ci95");
        assertTrue(ci.get(0) <= ci.get(1) && ci.get(1) < 0, "CI of the normalised difference is below 0: " + ci);
        // the same cells for variety (higher is better) speak against um
        Claim variety = ExperimentClaims.metricClaim("variety", "s", "MM-STD", false, umLower, null, null, ALPHA, 1);
        assertEquals(ExperimentClaims.DOES_NOT_HOLD, variety.verdict());
        assertTrue(variety.reason().startsWith("seg better"), variety.reason());
        assertEquals(ExperimentClaims.HOLDS,
                ExperimentClaims.metricClaim("variety", "s", "MM-STD", false, umHigher, null, null, ALPHA, 1).verdict());

        // eight cells, no consistent direction: enough cells, not significant
        List<CellPair> mixed = new ArrayList<>();
        double[][] values = {{10, 11}, {11, 10}, {20, 22}, {22, 20}, {5, 6}, {6, 5}, {7, 7.5}, {7.5, 7}};
        for (int i = 0; i < values.length; i++) {
            mixed.add(new CellPair("e", 32 + i, values[i][0], null, values[i][1], null));
        }
        Claim none = ExperimentClaims.metricClaim("fidelity", "s", "MM-FID", true, mixed, null, null, ALPHA, 1);
        assertEquals(ExperimentClaims.DOES_NOT_HOLD, none.verdict());
        assertTrue(none.reason().startsWith("no significant difference over 8 cells"), none.reason());
        assertTrue((Double) none.details().get("p") > 0.5);

        Claim empty = ExperimentClaims.metricClaim("fidelity", "s", "MM-FID", true, List.of(), null, null, ALPHA, 1);
        assertEquals(ExperimentClaims.INCONCLUSIVE, empty.verdict());
        assertEquals(8, ((List<?>) none.details().get("cells")).size());
        assertEquals(Boolean.FALSE, ((Map<?, ?>) ((List<?>) none.details().get("cells")).get(0)).get("cis_disjoint"));
    }

    @Test
    void fractionTags() {
        assertEquals("25", ExperimentJob.percent(0.25));
        assertEquals("5", ExperimentJob.percent(0.05));
        assertEquals("100", ExperimentJob.percent(1.0));
        assertEquals("12p5", ExperimentJob.percent(0.125));
    }
}
