package org.umsynth.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.umsynth.config.ConfigSource;
import picocli.CommandLine.Option;

/** Options every Spark command shares: where the data lives, the config, and the master. */
public class CommonOptions {
    @Option(names = "--data", required = true, paramLabel = "ROOT",
            description = "dataset root on any Hadoop file system (a plain path, file://, hdfs://, s3a://); "
                    + "stages read and write their tables under it")
    public String data;

    @Option(names = "--conf", paramLabel = "FILE", description = "config file (key = value lines), e.g. conf/demo.conf")
    public Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one config key (repeatable)")
    public List<String> overrides = new ArrayList<>();

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master when not run by spark-submit (default: local[*])")
    public String master;

    @Option(names = "--overwrite", description = "replace existing output tables (atomically)")
    public boolean overwrite;

    public ConfigSource configSource() throws IOException {
        return ConfigSource.load(conf, overrides);
    }
}
