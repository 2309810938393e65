package org.umsynth.launch;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Spark standalone cluster on 127.0.0.1: a Master and one Worker, each its own JVM started
 * with {@code java -cp} from the test's classpath, and a SPARK_HOME (empty {@code jars/}, a
 * {@code bin/spark-submit} that runs {@code SparkSubmit} from the same classpath) for the launchers.
 * The umsynth spark-jobs classes are left off that classpath: they reach the driver and the
 * executors only inside the application jar, as on a real cluster.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    final Path home;
    final Path sparkHome;
    final String masterUrl;
    /** Everything a driver or an executor needs except the application jar (Spark, Hadoop, DL4J, umsynth io/model). */
    final String classpath;
    private final List<Process> daemons = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    /** The environment every Spark JVM of the cluster runs with (STACK.md: needed without a Spark distribution). */
    Map<String, String> sparkEnvironment() {
        return Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.12",
                "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_LOCAL_HOSTNAME", "127.0.0.1", "OMP_WAIT_POLICY", "PASSIVE");
    }

    StandaloneCluster(Path home, int workerCores, String workerMemory) throws Exception {
        this.home = home;
        this.sparkHome = Files.createDirectories(home.resolve("spark-home"));
        Files.createDirectories(sparkHome.resolve("jars"));
        this.classpath = withoutOwnClasses(testClasspath());
        writeSparkSubmitShim();
        int masterPort = freePort();
        int masterUi = freePort();
        this.masterUrl = "spark://127.0.0.1:" + masterPort;
        start("master", "org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", String.valueOf(masterUi));
        start("worker", "org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()),
                "--cores", String.valueOf(workerCores), "--memory", workerMemory,
                "--work-dir", Files.createDirectories(home.resolve("worker-work")).toString(), masterUrl);
        awaitWorker(masterUi, Duration.ofSeconds(60));
    }

    /** The java command line prefix every cluster JVM uses: Spark's Java 17 module openings. */
    static List<String> javaWithOpens(String heap) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        for (String pkg : List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
                "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch",
                "sun.nio.cs", "sun.security.action", "sun.util.calendar")) {
            cmd.add("--add-opens=java.base/" + pkg + "=ALL-UNNAMED");
        }
        cmd.add("-Djdk.reflect.useDirectMethodHandle=false");
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.add("-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
        cmd.add("-Dlog4j2.configurationFile=" + Scripts.REPO.resolve("conf/log4j2.properties"));
        return cmd;
    }

    private void writeSparkSubmitShim() throws IOException {
        Path bin = Files.createDirectories(sparkHome.resolve("bin"));
        String java = javaWithOpens("1g").stream().map(StandaloneCluster::shellQuote).collect(Collectors.joining(" "));
        Path shim = Files.writeString(bin.resolve("spark-submit"), "#!/usr/bin/env bash\n"
                + "# spark-submit of a SPARK_HOME without a distribution: SparkSubmit from the test's classpath\n"
                + "exec " + java + " -cp " + shellQuote(classpath) + " org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        if (!shim.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + shim + " executable");
        }
    }

    private void start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = javaWithOpens("512m");
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        Path log = home.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(sparkEnvironment());
        daemons.add(pb.start());
        logs.add(log);
    }

    private void awaitWorker(int masterUi, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a cluster daemon exited with " + p.exitValue() + "\n" + logTails());
                }
            }
            try {
                String json = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUi + "/json/"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = ALIVE_WORKERS.matcher(json);
                if (m.find() && Integer.parseInt(m.group(1)) >= 1) {
                    return;
                }
            } catch (IOException notUpYet) {
                // the master's UI is not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no worker registered with " + masterUrl + " in " + timeout + "\n" + logTails());
    }

    String logTails() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path log : logs) {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            sb.append("--- ").append(log.getFileName()).append('\n')
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        // the worker first: its shutdown hook stops the executors it started
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process p = daemons.get(i);
            List<ProcessHandle> children = p.descendants().toList();
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The real test classpath: surefire may hide it behind a manifest-only booter jar. */
    private static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** Drops spark-jobs' own classes and test classes: the application jar carries them. */
    private static String withoutOwnClasses(String cp) {
        Path ownClasses = Scripts.REPO.resolve("spark-jobs/target/classes").toAbsolutePath().normalize();
        Path ownTestClasses = Scripts.REPO.resolve("spark-jobs/target/test-classes").toAbsolutePath().normalize();
        return Arrays.stream(cp.split(File.pathSeparator))
                .filter(e -> !e.isBlank())
                .filter(e -> {
                    Path p = Path.of(e).toAbsolutePath().normalize();
                    return !p.equals(ownClasses) && !p.equals(ownTestClasses) && !p.getFileName().toString().startsWith("umsynth-spark-jobs");
                })
                .collect(Collectors.joining(File.pathSeparator));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
