package org.umsynth.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.umsynth.testing.SparkTestBase;

/**
 * PROOF of submit-standalone on a real standalone cluster (a Master and a Worker JVM on 127.0.0.1,
 * two executor JVMs per application): {@code phantom} through submit-standalone, then the nightly job
 * (umsynth-nightly -> submit-standalone -> {@code pipeline} with ingest and masks into a dated root,
 * {@code --keep 2}), with umsynth's classes only in the application jar. The tables are complete, the
 * oldest dated run is pruned, and the Spark event logs show every task ran in the cluster's executors.
 */
@Tag("cluster")
class StandaloneSubmitTest {
    private static final int CASES = 3;
    private static final int SLICES = 16;
    private static StandaloneCluster cluster;
    private static Path home;

    @BeforeAll
    static void startCluster() throws Exception {
        home = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "standalone");
        cluster = new StandaloneCluster(home, 2, "3g");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The application jar: spark-jobs' compiled classes (the CLI and the jobs) with the main class in
     * its manifest. The shaded umsynth-app.jar would carry DL4J too; here those come from the cluster's
     * classpath, so the test needs no 155 MB build.
     */
    private static Path applicationJar() throws IOException {
        Path classes = Scripts.REPO.resolve("spark-jobs/target/classes");
        assertTrue(Files.isRegularFile(classes.resolve("org/umsynth/cli/Umsynth.class")), "compile spark-jobs first");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.umsynth.cli.Umsynth");
        Path jar = home.resolve("umsynth-app-test.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                try (var in = Files.newInputStream(f)) {
                    in.transferTo((OutputStream) out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void phantomIngestAndMasksRunOnTheClusterThroughSubmitStandalone() throws Exception {
        Path events = Files.createDirectories(home.resolve("events"));
        Path conf = Files.writeString(home.resolve("cluster-test.conf"), String.join("\n",
                "phantom.size = 96", "phantom.slices = " + SLICES, "ingest.testFraction = 0.34", "masks.resolution = 64", ""));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", cluster.sparkHome.toString());
        env.put("UMSYNTH_MASTER", cluster.masterUrl);
        env.put("UMSYNTH_APP_JAR", applicationJar().toString());
        env.put("UMSYNTH_EXECUTOR_MEMORY", "1g");
        env.put("UMSYNTH_EXECUTOR_CORES", "1");
        env.put("UMSYNTH_EXECUTOR_INSTANCES", "2");
        Path envFile = Scripts.envFile(home, env,
                "UMSYNTH_SPARK_CONF=(",
                "  \"spark.executor.extraClassPath=" + cluster.classpath + "\"",
                "  \"spark.driver.host=127.0.0.1\"",
                "  \"spark.ui.enabled=false\"",
                "  \"spark.eventLog.enabled=true\"",
                "  \"spark.eventLog.dir=" + events.toUri() + "\"",
                "  \"spark.sql.shuffle.partitions=4\"",
                // jobs start once both executors are up, so both get tasks
                "  \"spark.scheduler.minRegisteredResourcesRatio=1.0\"",
                "  \"spark.scheduler.maxRegisteredResourcesWaitingTime=120s\"",
                ")");
        Path phantoms = home.resolve("phantoms");
        Path base = home.resolve("nightly");
        Path older = Files.createDirectories(base.resolve("2024-04-29"));
        Path previous = Files.createDirectories(base.resolve("2024-04-30"));
        Path notes = Files.createDirectories(base.resolve("notes"));
        Path logs = home.resolve("nightly-logs");
        Map<String, String> processEnv = new HashMap<>(cluster.sparkEnvironment());
        processEnv.put("UMSYNTH_CASE_ID_SECRET", "cluster-test-key");

        submit(processEnv, envFile, "phantom", "--cases", String.valueOf(CASES), "--seed", "11",
                "--out", phantoms.toString(), "--conf", conf.toString());
        // the nightly job through the same launcher: pipeline (ingest + masks) into base/2024-05-01, keep 2
        Scripts.Result nightly = Scripts.run(processEnv, home, 240, Scripts.script("nightly/umsynth-nightly").toString(),
                "--launcher", "standalone", "--env", envFile.toString(), "--base", base.toString(),
                "--input", phantoms.resolve("images").toString(), "--labels", phantoms.resolve("labels").toString(),
                "--conf", conf.toString(), "--keep", "2", "--date", "2024-05-01", "--log-dir", logs.toString(),
                "--", "--set", "pipeline.stages=ingest,masks");
        Path nightlyLog = logs.resolve("umsynth-nightly-2024-05-01.log");
        String nightlyLogText = readOrEmpty(nightlyLog);
        assertEquals(0, nightly.exitCode(), () -> "nightly failed: " + nightly.stderr() + "\n" + tail(nightlyLogText)
                + "\n" + logTails());
        assertTrue(nightlyLogText.contains("pipeline --data " + base.resolve("2024-05-01") + " --keep 2"), nightlyLogText);
        assertTrue(nightlyLogText.contains("=== umsynth-nightly finished") && nightlyLogText.contains(" exit 0"),
                "the run's log records the exit status: " + tail(nightlyLogText));
        Path data = base.resolve("2024-05-01");
        assertFalse(Files.exists(older), "the third-newest dated run is pruned by --keep 2");
        assertTrue(Files.isDirectory(previous) && Files.isDirectory(notes), "the newer run and undated folders stay");

        SparkSession spark = SparkTestBase.session();
        assertTrue(Files.exists(data.resolve("slices/_SUCCESS")) && Files.exists(data.resolve("masks/_SUCCESS")));
        Dataset<Row> slices = spark.read().parquet(data.resolve("slices").toString());
        assertEquals(CASES * SLICES, slices.count(), "every slice of every phantom volume");
        assertEquals(CASES, slices.select("case_id").distinct().count());
        assertEquals(0, slices.filter("label is null").count(), "every phantom came with its label volume");
        assertEquals(0, slices.filter("length(hu) <> rows * cols * 2").count(), "int16 pixels, rows x cols");
        assertEquals(0, spark.read().parquet(data.resolve("quarantine/stage=ingest").toString()).count());
        Dataset<Row> masks = spark.read().parquet(data.resolve("masks").toString());
        assertEquals(4 * CASES, masks.count(), "four chosen slices per case (masks.mode FOUR)");
        assertEquals(0, masks.filter("length(um) <> 64 * 64").count(), "UMs at masks.resolution");

        // The event logs: each Spark stage command was an application of this cluster, its tasks ran in
        // the two executor JVMs (never in the driver)
        Map<String, Set<String>> executorsByApp = new HashMap<>();
        Map<String, String> masterByApp = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> eventLogs = Files.list(events)) {
            for (Path log : eventLogs.toList()) {
                String app = null;
                Set<String> taskExecutors = new HashSet<>();
                for (String line : Files.readAllLines(log)) {
                    JsonNode event = json.readTree(line);
                    switch (event.path("Event").asText()) {
                        case "SparkListenerApplicationStart" -> app = event.path("App Name").asText();
                        case "SparkListenerEnvironmentUpdate" ->
                                masterByApp.put(log.getFileName().toString(), event.path("Spark Properties").path("spark.master").asText());
                        case "SparkListenerTaskEnd" -> taskExecutors.add(event.path("Task Info").path("Executor ID").asText());
                        default -> { }
                    }
                }
                executorsByApp.put(app, taskExecutors);
                assertEquals(cluster.masterUrl, masterByApp.get(log.getFileName().toString()), "master of " + app);
            }
        }
        assertEquals(Set.of("umsynth phantom", "umsynth pipeline"), executorsByApp.keySet());
        Set<String> phantomExecutors = executorsByApp.get("umsynth phantom");
        assertTrue(!phantomExecutors.isEmpty() && Set.of("0", "1").containsAll(phantomExecutors),
                "phantom ran its tasks in the executors: " + phantomExecutors);
        assertEquals(Set.of("0", "1"), executorsByApp.get("umsynth pipeline"), "pipeline ran its tasks on both executors");
    }

    private static void submit(Map<String, String> env, Path envFile, String... args) throws Exception {
        String[] command = Stream.concat(Stream.of(Scripts.script("submit-standalone").toString(), "--env", envFile.toString()),
                Stream.of(args)).toArray(String[]::new);
        Scripts.Result r = Scripts.run(env, home, 120, command);
        assertEquals(0, r.exitCode(), () -> String.join(" ", args) + " failed on the cluster:\n" + tail(r.stderr()) + "\n"
                + tail(r.stdout()) + "\n" + logTails());
    }

    private static String logTails() {
        try {
            return cluster.logTails();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String readOrEmpty(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
