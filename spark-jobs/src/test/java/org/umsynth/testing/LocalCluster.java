package org.umsynth.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.umsynth.spark.Sessions;

/**
 * A real multi-process Spark cluster on 127.0.0.1 from the build's own jars: {@code local-cluster[2,1,1024]},
 * a standalone Master and two Workers inside the driver JVM that launch two executor JVMs (children of the
 * driver process, so tests can find and kill them). Also launches child JVMs (drivers of the CLI) with the
 * same classpath and Java 17 flags.
 *
 * <p>Needs the environment of the surefire execution {@code cluster} (spark-jobs/pom.xml): {@code SPARK_HOME}
 * (a folder whose empty {@code jars/} this class creates), {@code SPARK_SCALA_VERSION},
 * {@code SPARK_LOCAL_IP}/{@code SPARK_LOCAL_HOSTNAME}; executors get the test classpath through
 * {@code spark.executor.extraClassPath}. One SparkContext per JVM: hence a JVM of its own.
 */
public final class LocalCluster {
    public static final int EXECUTORS = 2;
    public static final String MASTER = "local-cluster[" + EXECUTORS + ",1,1024]";
    private static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

    private LocalCluster() {
    }

    /** The whole test classpath (surefire's manifest-only booter jar hides it from java.class.path). */
    public static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** Spark settings every driver of the cluster tests uses, in-process or in a child JVM. */
    public static Map<String, String> sparkSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("spark.ui.enabled", "false");
        s.put("spark.driver.host", "127.0.0.1");
        s.put("spark.sql.shuffle.partitions", "4");
        // MiniHdfs has one datanode: with the default 3 replicas an append cannot rebuild its pipeline
        s.put("spark.hadoop.dfs.replication", "1");
        s.put("spark.executor.extraClassPath", classPath());
        s.put("spark.executor.extraJavaOptions", "-Djdk.reflect.useDirectMethodHandle=false"
                + " --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Djava.io.tmpdir="
                + System.getProperty("java.io.tmpdir"));
        // one native thread per 1-core executor: fast on 2 cores, and the same arithmetic on every run
        s.put("spark.executorEnv.OMP_NUM_THREADS", "1");
        s.put("spark.executorEnv.OMP_WAIT_POLICY", "PASSIVE");
        return s;
    }

    /** Checks the environment and creates {@code $SPARK_HOME/jars} (an empty folder is enough). */
    public static void prepareEnvironment() throws IOException {
        for (String name : List.of("SPARK_HOME", "SPARK_SCALA_VERSION", "SPARK_LOCAL_IP")) {
            if (System.getenv(name) == null) {
                throw new IllegalStateException("environment variable " + name + " is not set: run the cluster "
                        + "tests through Maven (mvn -pl spark-jobs test -Dgroups=cluster), whose 'cluster' execution sets it");
            }
        }
        Files.createDirectories(Path.of(System.getenv("SPARK_HOME"), "jars"));
    }

    /** Starts the cluster with this JVM as its driver and waits until both executors have registered. */
    public static SparkSession start(String appName) throws IOException {
        if (SparkSession.getDefaultSession().isDefined() || SparkSession.getActiveSession().isDefined()) {
            throw new IllegalStateException("a SparkContext is already running in this JVM: the cluster tests need a "
                    + "JVM of their own (surefire execution 'cluster')");
        }
        prepareEnvironment();
        SparkConf conf = new SparkConf(false).setMaster(MASTER).setAppName(appName);
        sparkSettings().forEach(conf::set);
        Sessions.applyDefaults(conf);
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        awaitExecutors(spark.sparkContext(), EXECUTORS, 120_000);
        return spark;
    }

    /** Waits until {@code count} executors (not counting the driver) are registered. */
    public static void awaitExecutors(SparkContext sc, int count, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (sc.statusTracker().getExecutorInfos().length < count + 1) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("only " + (sc.statusTracker().getExecutorInfos().length - 1)
                        + " of " + count + " executors registered after " + timeoutMillis + " ms");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** Executor JVMs under {@code ancestor} (local-cluster: the driver's children). */
    public static List<ProcessHandle> executorProcesses(ProcessHandle ancestor) {
        return ancestor.descendants().filter(p -> arguments(p).contains(EXECUTOR_MAIN)).toList();
    }

    /** The executor JVM with Spark executor id {@code executorId} under {@code ancestor}. */
    public static Optional<ProcessHandle> executorProcess(ProcessHandle ancestor, String executorId) {
        return executorProcesses(ancestor).stream().filter(p -> {
            List<String> args = arguments(p);
            int i = args.indexOf("--executor-id");
            return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(executorId);
        }).findFirst();
    }

    /** A process's command line; from /proc on Linux, since ProcessHandle.Info drops long ones (a classpath). */
    private static List<String> arguments(ProcessHandle p) {
        Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
        try {
            if (Files.exists(cmdline)) {
                return Arrays.asList(new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).split("\0"));
            }
        } catch (IOException e) {
            return List.of(); // the process ended meanwhile
        }
        return p.info().arguments().map(Arrays::asList).orElse(List.of());
    }

    /** SIGKILLs a process and everything it started (children first collected, so none is orphaned). */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> children = root.descendants().toList();
        root.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * A child JVM running {@code mainClass} with this JVM's classpath and Java 17 flags, its standard output
     * and error both going to {@code log}.
     */
    public static ProcessBuilder javaProcess(String heap, Path log, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-Xmx" + heap);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("--add-modules")) {
                command.add(a);
            }
        }
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.add("-cp");
        command.add(classPath());
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        pb.directory(new File(System.getProperty("user.dir")));
        return pb;
    }

    /** {@code --set key=value} arguments for the cluster settings (and {@code extra}) of a child driver. */
    public static List<String> setArguments(Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(sparkSettings());
        all.putAll(extra);
        List<String> args = new ArrayList<>();
        all.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return args;
    }
}
