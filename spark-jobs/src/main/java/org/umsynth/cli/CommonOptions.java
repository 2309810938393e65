package org.umsynth.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.StageConfig;
import org.umsynth.spark.Sessions;
import picocli.CommandLine.Option;

/** Options every Spark command shares: where the data lives, the config, and the master. */
public class CommonOptions {
    @Option(names = "--data", required = true, paramLabel = "ROOT",
            description = "dataset root on any Hadoop file system (a plain path, file://, hdfs://, s3a://); "
                    + "stages read and write their tables under it")
    public String data;

    @Option(names = "--conf", paramLabel = "FILE", description = "config file (key = value lines), e.g. conf/demo.conf; "
            + "a local path or a URI on a Hadoop file system (hdfs://, s3a://)")
    public String conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one config key (repeatable)")
    public List<String> overrides = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (default: local[*])")
    public String master;

    @Option(names = "--overwrite", description = "replace existing output tables (atomically)")
    public boolean overwrite;

    /** The options that pass this command's data root, config file and {@code overrides} on to a stage it runs. */
    public List<String> stageOptions(List<String> overrides) {
        List<String> options = new ArrayList<>(List.of("--data", data));
        if (conf != null) {
            options.addAll(List.of("--conf", conf));
        }
        for (String override : overrides) {
            options.addAll(List.of("--set", override));
        }
        return options;
    }

    public ConfigSource configSource() throws IOException {
        return ConfigSource.fromLocation(conf, overrides);
    }

    /** Work a command does with its session. */
    @FunctionalInterface
    public interface SparkWork {
        void run(SparkSession spark) throws Exception;
    }

    /**
     * Binds the stage's config (so a bad key fails before Spark starts), then runs {@code work} in
     * a session that is stopped afterwards, unless a composite command shares it. Returns the exit code 0.
     */
    public <C extends StageConfig> int run(String command, C config, java.util.function.Function<C, SparkWork> work)
            throws Exception {
        ConfigSource source = configSource();
        C bound = ConfigBinder.bind(config, source);
        boolean owned = !Sessions.isShared();
        SparkSession spark = Sessions.create("umsynth " + command, master, source);
        try {
            work.apply(bound).run(spark);
            return 0;
        } finally {
            if (owned) {
                spark.stop();
            }
        }
    }
}
