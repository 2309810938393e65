package org.umsynth.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.umsynth.spark.Sessions;

/**
 * The one local-Spark test base: every Spark test shares a single {@code local[2]} session per
 * test JVM, built with the same defaults as the real commands (Kryo + ND4J registrator, zstd).
 */
public abstract class SparkTestBase {
    private static SparkSession shared;

    protected static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = session();
    }

    public static synchronized SparkSession session() {
        if (shared == null) {
            SparkConf conf = new SparkConf(false)
                    .setMaster("local[2]")
                    .setAppName("umsynth-tests")
                    .set("spark.ui.enabled", "false")
                    .set("spark.sql.shuffle.partitions", "4")
                    .set("spark.driver.host", "127.0.0.1");
            Sessions.applyDefaults(conf);
            shared = SparkSession.builder().config(conf).getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    /** A fresh folder under the build's tmp dir (kept after the run for inspection). */
    protected static Path newFolder(String prefix) throws IOException {
        Path base = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix);
    }
}
