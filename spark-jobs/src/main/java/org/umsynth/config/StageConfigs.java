package org.umsynth.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every stage's configuration class by key prefix, so that one config file can hold the keys of
 * all stages and a misspelt key is still caught, whichever stage is run.
 */
public final class StageConfigs {
    public static final Map<String, Supplier<? extends StageConfig>> ALL;

    static {
        Map<String, Supplier<? extends StageConfig>> all = new LinkedHashMap<>();
        all.put("ingest", IngestConfig::new);
        all.put("phantom", PhantomConfig::new);
        all.put("masks", MasksConfig::new);
        all.put("train", TrainConfig::new);
        all.put("synthesize", SynthesizeConfig::new);
        all.put("metrics", MetricsConfig::new);
        all.put("utility", UtilityConfig::new);
        all.put("report", ReportConfig::new);
        all.put("pipeline", PipelineConfig::new);
        all.put("experiment", ExperimentConfig::new);
        ALL = java.util.Collections.unmodifiableMap(all);
    }

    private StageConfigs() {
    }
}
