package org.umsynth.config;

import java.util.Arrays;

/**
 * Settings of the {@code experiment} command: the paper's comparison of UM-guided synthesis with the
 * seg-guided baseline over a sweep of label budgets (SPEC sections 4-6).
 */
public class ExperimentConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting("label budgets swept, comma-separated fractions in (0, 1] of the labelled training cases; each gives "
            + "train.labelledCases = max(1, round(f * labelled training cases in ROOT/slices))")
    public String labelFractions = "0.25,1.0";

    @Setting(value = "synthetic samples per set (the same for the um and the seg set, so FIDs compare at equal N)",
            min = 1, max = 100_000_000)
    public long count = 64;

    @Setting("seed of both conditioning modes' training (train.seed) and synthesis (synthesize.seed); it wins over "
            + "those keys")
    public long seed = 20230322L;

    @Setting("run the utility stage (downstream segmentation Dice, arms real,real+um,real+seg) when it is available")
    public boolean utility = true;

    @Setting(value = "the label fraction whose outputs decide the three claims (0: the smallest in labelFractions)",
            min = 0, max = 1)
    public double mainFraction = 0;

    @Setting(value = "significance level of the claims' tests", min = 1e-6, max = 0.5)
    public double alpha = 0.05;

    @Setting("the real image set the metrics compare both synthetic sets with (a table under ROOT)")
    public String metricsReal = "slices";

    @Override
    public String prefix() {
        return "experiment";
    }

    @Override
    public void validate() {
        double[] fractions;
        try {
            fractions = fractions();
        } catch (NumberFormatException e) {
            throw new ConfigException("key 'experiment.labelFractions': not a list of numbers: " + labelFractions);
        }
        if (fractions.length == 0) {
            throw new ConfigException("key 'experiment.labelFractions': at least one fraction is needed");
        }
        for (double f : fractions) {
            if (!(f > 0 && f <= 1)) {
                throw new ConfigException("key 'experiment.labelFractions': " + f + " is outside (0, 1]");
            }
        }
        if (Arrays.stream(fractions).distinct().count() != fractions.length) {
            throw new ConfigException("key 'experiment.labelFractions': a fraction is repeated: " + labelFractions);
        }
        if (mainFraction != 0 && Arrays.stream(fractions).noneMatch(f -> f == mainFraction)) {
            throw new ConfigException("key 'experiment.mainFraction': " + mainFraction
                    + " is not one of experiment.labelFractions (" + labelFractions + ")");
        }
    }

    /** The fractions in ascending order. */
    public double[] fractions() {
        return Arrays.stream(labelFractions.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToDouble(Double::parseDouble).sorted().toArray();
    }

    /** The fraction that decides the claims. */
    public double mainFractionOrSmallest() {
        return mainFraction > 0 ? mainFraction : fractions()[0];
    }
}
