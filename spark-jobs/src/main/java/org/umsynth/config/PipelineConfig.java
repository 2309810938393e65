package org.umsynth.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Settings of the {@code pipeline} command: which stages run, and the names of what they make. */
public class PipelineConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    /** Every stage the pipeline knows, in the order it runs them. */
    public static final List<String> STAGES = List.of("ingest", "masks", "train", "synthesize", "metrics", "report");

    @Setting("stages to run, in pipeline order (a subset of ingest,masks,train,synthesize,metrics,report)")
    public String stages = String.join(",", STAGES);

    @Setting("name of the training run, the synthetic table and the metrics output (ROOT/models/NAME, "
            + "ROOT/synthetic/NAME, ROOT/metrics/NAME)")
    public String run = "um";

    @Setting("the real image set the metrics compare the synthetic set with (a table under ROOT)")
    public String metricsReal = "slices";

    @Override
    public String prefix() {
        return "pipeline";
    }

    public List<String> stageList() {
        return Arrays.stream(stages.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                .toList();
    }

    @Override
    public void validate() {
        List<String> chosen = stageList();
        if (chosen.isEmpty()) {
            throw new ConfigException("pipeline.stages: no stage given");
        }
        for (String stage : chosen) {
            if (!STAGES.contains(stage)) {
                throw new ConfigException("pipeline.stages: unknown stage '" + stage + "' (known: " + STAGES + ")");
            }
        }
        if (!isPlainName(run)) {
            throw new ConfigException("pipeline.run: '" + run + "' is not a plain name (letters, digits, . _ -)");
        }
    }
}
