package org.umsynth.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.umsynth.config.ConfigSource;

/**
 * Builds the SparkSession of a command. Under {@code spark-submit} the master and settings come
 * from there; run directly, the master is {@code --master} or {@code local[*]}. {@code spark.*}
 * keys of the config file pass through, and {@code hadoop.*} keys become Hadoop settings
 * ({@code spark.hadoop.*}): S3A credentials, HDFS and Kerberos options.
 */
public final class Sessions {
    /** The session that composite commands (pipeline, experiment) share with the stages they run. */
    private static volatile SparkSession shared;

    private Sessions() {
    }

    /**
     * Runs {@code work} with {@code session} as the session every stage's {@link #create} returns, so that
     * a composite command runs its stages in one Spark application (one set of executors, one event log).
     */
    public static <T> T sharing(SparkSession session, java.util.concurrent.Callable<T> work) throws Exception {
        SparkSession before = shared;
        shared = session;
        try {
            return work.call();
        } finally {
            shared = before;
        }
    }

    /** True while a composite command shares its session: stages must then not stop it. */
    public static boolean isShared() {
        return shared != null;
    }

    /**
     * The session of a command. Inside {@link #sharing} that is the shared session (stage-specific
     * {@code spark.*} keys cannot change a running application and are ignored there).
     */
    public static SparkSession create(String appName, String master, ConfigSource config) {
        SparkSession current = shared;
        if (current != null) {
            return current;
        }
        SparkConf conf = new SparkConf(true); // picks up spark.* system properties from spark-submit
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setAppName(appName);
        applyDefaults(conf);
        for (Map.Entry<String, String> e : config.values().entrySet()) {
            if (e.getKey().startsWith("spark.")) {
                conf.set(e.getKey(), e.getValue());
            } else if (e.getKey().startsWith("hadoop.")) {
                conf.set("spark.hadoop." + e.getKey().substring("hadoop.".length()), e.getValue());
            }
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /** Settings every umsynth session shares (the test base uses the same). */
    public static void applyDefaults(SparkConf conf) {
        setIfMissing(conf, "spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        setIfMissing(conf, "spark.kryo.registrator", KryoRegistrator.class.getName());
        setIfMissing(conf, "spark.kryoserializer.buffer.max", "512m");
        setIfMissing(conf, "spark.sql.parquet.compression.codec", "zstd");
        setIfMissing(conf, "spark.ui.showConsoleProgress", "false");
        // Image tables carry ~0.1-0.5 MB per row: smaller row groups and read splits than Spark's
        // 128 MB defaults keep every core busy on tables of a few volumes, and memory per task low.
        setIfMissing(conf, "spark.hadoop.parquet.block.size", String.valueOf(32 << 20));
        setIfMissing(conf, "spark.sql.files.maxPartitionBytes", String.valueOf(32 << 20));
    }

    private static void setIfMissing(SparkConf conf, String key, String value) {
        if (!conf.contains(key)) {
            conf.set(key, value);
        }
    }
}
