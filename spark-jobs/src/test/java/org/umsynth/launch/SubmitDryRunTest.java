package org.umsynth.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exact spark-submit command lines that submit-standalone, submit-yarn and submit-k8s build, read
 * argument by argument from {@code --dry-run}, and the errors they stop with.
 */
class SubmitDryRunTest {
    private static final String OPENS = String.join(" ",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
            "-Djdk.reflect.useDirectMethodHandle=false",
            "--add-modules=jdk.incubator.vector",
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0");
    private static final List<String> KRYO_AND_OMP = List.of(
            "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
            "--conf", "spark.kryo.registrator=org.umsynth.spark.KryoRegistrator",
            "--conf", "spark.kryoserializer.buffer.max=512m",
            "--conf", "spark.executorEnv.OMP_WAIT_POLICY=PASSIVE",
            "--conf", "spark.executorEnv.OMP_NUM_THREADS=1");

    @TempDir
    Path dir;
    Path hadoopConf;
    Path paperConf;

    @BeforeEach
    void files() throws IOException {
        hadoopConf = Files.createDirectories(dir.resolve("hadoop-conf"));
        Files.createDirectories(dir.resolve("profiles"));
        paperConf = Files.writeString(dir.resolve("profiles/paper.conf"), "train.epochs = 3\n");
    }

    private Scripts.Result dryRun(String launcher, Path env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Scripts.script(launcher).toString(), "--env", env.toString()));
        command.addAll(Arrays.asList(args));
        return Scripts.run(Map.of(), dir, 30, command.toArray(String[]::new));
    }

    private List<String> ok(String launcher, Path env, String... args) throws Exception {
        Scripts.Result r = dryRun(launcher, env, args);
        assertEquals(0, r.exitCode(), () -> launcher + " failed: " + r.stderr());
        return r.lines();
    }

    private static List<String> javaOptions(String extraDriver, String extraExecutor) {
        return List.of("--conf", "spark.driver.extraJavaOptions=" + OPENS + extraDriver,
                "--conf", "spark.executor.extraJavaOptions=" + OPENS + extraExecutor);
    }

    private static List<String> concat(List<?>... parts) {
        List<String> all = new ArrayList<>();
        for (List<?> p : parts) {
            p.forEach(x -> all.add(x.toString()));
        }
        return all;
    }

    @Test
    void standaloneClientModeCapsCoresAndSizesOffHeap() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", "/opt/spark");
        env.put("UMSYNTH_APP_JAR", "/opt/umsynth/umsynth-app.jar");
        env.put("UMSYNTH_MASTER", "spark://master.example.org:7077");
        env.put("UMSYNTH_DRIVER_MEMORY", "6g");
        env.put("UMSYNTH_DRIVER_CORES", "2"); // a client-mode driver is this JVM: no --driver-cores
        env.put("UMSYNTH_EXECUTOR_MEMORY", "4g");
        env.put("UMSYNTH_EXECUTOR_CORES", "2");
        env.put("UMSYNTH_EXECUTOR_INSTANCES", "3");
        env.put("UMSYNTH_EXECUTOR_MEMORY_OVERHEAD", "3g");
        env.put("UMSYNTH_ND4J_OFFHEAP_MAX", "2g");
        env.put("UMSYNTH_ND4J_PHYSICAL_MAX", "12g");
        env.put("UMSYNTH_EXECUTOR_JAVA_OPTS", "-XX:+UseG1GC");
        Path envFile = Scripts.envFile(dir, env);

        List<String> line = ok("submit-standalone", envFile, "--dry-run", "ingest", "--input", "hdfs:///lake/ct",
                "--data", "hdfs:///lake/umsynth/run 1", "--conf", "profiles/paper.conf");

        // the physical-memory limit after the launcher's default 0: the later -D wins
        String offHeap = " -Dorg.bytedeco.javacpp.maxbytes=2g -Dorg.bytedeco.javacpp.maxPhysicalBytes=12g";
        assertEquals(concat(
                List.of("/opt/spark/bin/spark-submit", "--master", "spark://master.example.org:7077",
                        "--deploy-mode", "client", "--name", "umsynth-ingest", "--class", "org.umsynth.cli.Umsynth",
                        "--driver-memory", "6g", "--executor-memory", "4g", "--executor-cores", "2",
                        "--total-executor-cores", "6"),
                javaOptions(offHeap, offHeap + " -XX:+UseG1GC"),
                KRYO_AND_OMP,
                List.of("--conf", "spark.executor.memoryOverhead=3g",
                        "/opt/umsynth/umsynth-app.jar", "ingest", "--input", "hdfs:///lake/ct",
                        "--data", "hdfs:///lake/umsynth/run 1", "--conf", "profiles/paper.conf")),
                line);
    }

    @Test
    void yarnClientModeKeepsTheLocalConfigAndAppendsSiteSettingsLast() throws Exception {
        Path envFile = Scripts.envFile(dir, Map.of(
                        "SPARK_HOME", "/opt/spark",
                        "UMSYNTH_APP_JAR", "hdfs:///apps/umsynth/umsynth-app.jar",
                        "HADOOP_CONF_DIR", hadoopConf.toString(),
                        "UMSYNTH_YARN_QUEUE", "imaging",
                        "UMSYNTH_EXECUTOR_INSTANCES", "4",
                        "UMSYNTH_S3A_CREDENTIALS_PROVIDER", "com.amazonaws.auth.InstanceProfileCredentialsProvider"),
                "UMSYNTH_SPARK_CONF=(\"spark.yarn.archive=hdfs:///apps/spark/spark-jars.zip\" \"spark.executorEnv.OMP_NUM_THREADS=2\")");

        List<String> line = ok("submit-yarn", envFile, "--dry-run", "masks", "--data", "/lake/umsynth/run1",
                "--conf=profiles/paper.conf", "--overwrite");

        assertEquals(concat(
                List.of("/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "client",
                        "--name", "umsynth-masks", "--class", "org.umsynth.cli.Umsynth",
                        "--num-executors", "4", "--queue", "imaging"),
                javaOptions("", ""),
                KRYO_AND_OMP,
                List.of("--conf", "spark.hadoop.fs.s3a.aws.credentials.provider=com.amazonaws.auth.InstanceProfileCredentialsProvider",
                        "--conf", "spark.yarn.archive=hdfs:///apps/spark/spark-jars.zip",
                        "--conf", "spark.executorEnv.OMP_NUM_THREADS=2",
                        "hdfs:///apps/umsynth/umsynth-app.jar", "masks", "--data", "/lake/umsynth/run1",
                        "--conf", "profiles/paper.conf", "--overwrite")),
                line);
    }

    @Test
    void yarnClusterModeShipsTheConfigToTheDriverAndLogsInWithTheKeytab() throws Exception {
        Path envFile = Scripts.envFile(dir, Map.of(
                "SPARK_HOME", "/opt/spark",
                "UMSYNTH_APP_JAR", "hdfs:///apps/umsynth/umsynth-app.jar",
                "HADOOP_CONF_DIR", hadoopConf.toString(),
                "UMSYNTH_DEPLOY_MODE", "client", // --deploy-mode on the command line wins
                "UMSYNTH_DRIVER_MEMORY", "8g",
                "UMSYNTH_DRIVER_CORES", "2",
                "UMSYNTH_KERBEROS_PRINCIPAL", "umsynth@HOSPITAL.ORG",
                "UMSYNTH_KERBEROS_KEYTAB", "/etc/security/keytabs/umsynth.keytab",
                "UMSYNTH_KERBEROS_FILESYSTEMS", "hdfs://archive-nn.hospital.org:8020"));

        List<String> line = ok("submit-yarn", envFile, "--deploy-mode", "cluster", "--dry-run", "pipeline",
                "--data", "hdfs:///lake/umsynth/nightly/2024-05-01", "--input", "hdfs:///lake/ct",
                "--conf", "profiles/paper.conf", "--keep", "7");

        assertEquals(concat(
                List.of("/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "cluster",
                        "--name", "umsynth-pipeline", "--class", "org.umsynth.cli.Umsynth",
                        "--driver-memory", "8g", "--driver-cores", "2",
                        "--principal", "umsynth@HOSPITAL.ORG", "--keytab", "/etc/security/keytabs/umsynth.keytab",
                        "--files", paperConf.toRealPath().toString()),
                javaOptions("", ""),
                KRYO_AND_OMP,
                List.of("--conf", "spark.yarn.appMasterEnv.OMP_WAIT_POLICY=PASSIVE",
                        "--conf", "spark.kerberos.access.hadoopFileSystems=hdfs://archive-nn.hospital.org:8020",
                        "hdfs:///apps/umsynth/umsynth-app.jar", "pipeline",
                        "--data", "hdfs:///lake/umsynth/nightly/2024-05-01", "--input", "hdfs:///lake/ct",
                        // the driver runs in a YARN container: the shipped file is in its working directory
                        "--conf", "paper.conf", "--keep", "7")),
                line);
    }

    @Test
    void yarnClusterModeShipsAConfigFromHdfs() throws Exception {
        Path envFile = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark",
                "UMSYNTH_APP_JAR", "hdfs:///apps/umsynth/umsynth-app.jar", "HADOOP_CONF_DIR", hadoopConf.toString(),
                "UMSYNTH_DEPLOY_MODE", "cluster"));

        List<String> line = ok("submit-yarn", envFile, "--dry-run", "train", "--data", "/lake/r",
                "--conf", "hdfs:///apps/umsynth/conf/site.conf", "--resume");

        assertEquals(List.of("--files", "hdfs:///apps/umsynth/conf/site.conf"), line.subList(9, 11));
        assertEquals(List.of("hdfs:///apps/umsynth/umsynth-app.jar", "train", "--data", "/lake/r",
                "--conf", "site.conf", "--resume"), line.subList(line.size() - 7, line.size()));
    }

    @Test
    void kubernetesClusterModeUsesTheImagePodTemplatesAndNamespace() throws Exception {
        Path driverTemplate = Files.writeString(dir.resolve("driver.yaml"), "apiVersion: v1\nkind: Pod\n");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", "/opt/spark");
        env.put("UMSYNTH_MASTER", "k8s://https://k8s.hospital.org:6443");
        env.put("UMSYNTH_K8S_IMAGE", "registry.hospital.org/umsynth:0.1.0");
        env.put("UMSYNTH_K8S_NAMESPACE", "imaging");
        env.put("UMSYNTH_K8S_SERVICE_ACCOUNT", "spark");
        env.put("UMSYNTH_K8S_IMAGE_PULL_POLICY", "Always");
        env.put("UMSYNTH_K8S_DRIVER_POD_TEMPLATE", driverTemplate.toString());
        env.put("UMSYNTH_K8S_UPLOAD_PATH", "s3a://umsynth-staging/uploads");
        env.put("UMSYNTH_K8S_CASE_ID_SECRET_REF", "umsynth-keys:case-id");
        env.put("UMSYNTH_EXECUTOR_INSTANCES", "2");
        Path envFile = Scripts.envFile(dir, env);

        List<String> line = ok("submit-k8s", envFile, "--dry-run", "synthesize", "--data", "s3a://lake/umsynth",
                "--model", "demo", "--conf", paperConf.toString());

        String executorTemplate = Scripts.script("k8s/executor-pod-template.yaml").toString();
        assertEquals(concat(
                List.of("/opt/spark/bin/spark-submit", "--master", "k8s://https://k8s.hospital.org:6443",
                        "--deploy-mode", "cluster", "--name", "umsynth-synthesize", "--class", "org.umsynth.cli.Umsynth",
                        "--num-executors", "2", "--files", paperConf.toRealPath().toString()),
                javaOptions("", ""),
                KRYO_AND_OMP,
                List.of("--conf", "spark.kubernetes.driverEnv.OMP_WAIT_POLICY=PASSIVE",
                        "--conf", "spark.kubernetes.namespace=imaging",
                        "--conf", "spark.kubernetes.container.image=registry.hospital.org/umsynth:0.1.0",
                        "--conf", "spark.kubernetes.container.image.pullPolicy=Always",
                        "--conf", "spark.kubernetes.authenticate.driver.serviceAccountName=spark",
                        "--conf", "spark.kubernetes.driver.podTemplateFile=" + driverTemplate,
                        "--conf", "spark.kubernetes.executor.podTemplateFile=" + executorTemplate,
                        "--conf", "spark.kubernetes.file.upload.path=s3a://umsynth-staging/uploads",
                        "--conf", "spark.kubernetes.driver.secretKeyRef.UMSYNTH_CASE_ID_SECRET=umsynth-keys:case-id",
                        "local:///opt/umsynth/umsynth-app.jar", "synthesize", "--data", "s3a://lake/umsynth",
                        "--model", "demo", "--conf", "paper.conf")),
                line);
    }

    @Test
    void kubernetesReadsAConfigInsideTheImageInPlace() throws Exception {
        Path envFile = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark",
                "UMSYNTH_MASTER", "k8s://https://k8s:6443", "UMSYNTH_K8S_IMAGE", "umsynth:1"));
        List<String> line = ok("submit-k8s", envFile, "--dry-run", "masks", "--data", "/d",
                "--conf", "local:///opt/umsynth/conf/paper.conf");
        assertEquals(List.of("--data", "/d", "--conf", "/opt/umsynth/conf/paper.conf"), line.subList(line.size() - 4, line.size()));
        assertTrue(line.stream().noneMatch(a -> a.equals("--files")), () -> "nothing to ship: " + line);
    }

    @Test
    void gpuOnYarnShipsTheDiscoveryScriptAndRaisesTheOverhead() throws Exception {
        Path envFile = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark",
                "UMSYNTH_APP_JAR", "hdfs:///apps/umsynth/umsynth-app-cuda.jar", "HADOOP_CONF_DIR", hadoopConf.toString(),
                "UMSYNTH_GPU", "1", "UMSYNTH_GPU_PER_EXECUTOR", "2", "UMSYNTH_EXECUTOR_CORES", "2"));

        List<String> line = ok("submit-yarn", envFile, "--deploy-mode", "cluster", "--dry-run", "train",
                "--data", "/lake/r", "--conf", paperConf.toString());

        String script = Scripts.script("gpu/getGpusResources.sh").toString();
        assertEquals(concat(
                List.of("/opt/spark/bin/spark-submit", "--master", "yarn", "--deploy-mode", "cluster",
                        "--name", "umsynth-train", "--class", "org.umsynth.cli.Umsynth", "--executor-cores", "2",
                        "--files", paperConf.toRealPath() + "," + script),
                javaOptions("", ""),
                KRYO_AND_OMP,
                List.of("--conf", "spark.yarn.appMasterEnv.OMP_WAIT_POLICY=PASSIVE",
                        "--conf", "spark.executor.memoryOverhead=8g",
                        "--conf", "spark.executor.resource.gpu.amount=2",
                        "--conf", "spark.task.resource.gpu.amount=1",
                        "--conf", "spark.executor.resource.gpu.discoveryScript=./getGpusResources.sh",
                        "hdfs:///apps/umsynth/umsynth-app-cuda.jar", "train", "--data", "/lake/r", "--conf", "paper.conf")),
                line);
    }

    @Test
    void gpuOnKubernetesAndStandaloneUseTheirOwnScriptLocations() throws Exception {
        Path k8s = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark", "UMSYNTH_MASTER", "k8s://https://k8s:6443",
                "UMSYNTH_K8S_IMAGE", "umsynth:cuda", "UMSYNTH_GPU", "1", "UMSYNTH_EXECUTOR_MEMORY_OVERHEAD", "12g"));
        List<String> k8sLine = ok("submit-k8s", k8s, "--dry-run", "train", "--data", "/d");
        assertTrue(containsPair(k8sLine, "spark.executor.memoryOverhead=12g"), k8sLine::toString);
        assertTrue(containsPair(k8sLine, "spark.executor.resource.gpu.vendor=nvidia.com"), k8sLine::toString);
        assertTrue(containsPair(k8sLine, "spark.executor.resource.gpu.discoveryScript=/opt/umsynth/bin/getGpusResources.sh"),
                k8sLine::toString);

        Path standalone = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark", "UMSYNTH_APP_JAR", "/a.jar",
                "UMSYNTH_MASTER", "spark://m:7077", "UMSYNTH_GPU", "1"));
        List<String> standaloneLine = ok("submit-standalone", standalone, "--dry-run", "train", "--data", "/d");
        assertTrue(containsPair(standaloneLine, "spark.executor.resource.gpu.discoveryScript="
                + Scripts.script("gpu/getGpusResources.sh")), standaloneLine::toString);
        assertTrue(containsPair(standaloneLine, "spark.task.resource.gpu.amount=1"), standaloneLine::toString);
    }

    private static boolean containsPair(List<String> line, String conf) {
        for (int i = 0; i + 1 < line.size(); i++) {
            if (line.get(i).equals("--conf") && line.get(i + 1).equals(conf)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theDiscoveryScriptReportsTheVisibleDevicesInSparksFormat() throws Exception {
        Scripts.Result r = Scripts.run(Map.of("CUDA_VISIBLE_DEVICES", "0,3"), dir, 10,
                Scripts.script("gpu/getGpusResources.sh").toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\",\"3\"]}\n", r.stdout());
    }

    @Test
    void withoutDryRunTheSameArgumentsReachSparkSubmit() throws Exception {
        // a SPARK_HOME whose spark-submit records its arguments, one per line
        Path sparkHome = dir.resolve("spark");
        Path bin = Files.createDirectories(sparkHome.resolve("bin"));
        Path recorded = dir.resolve("recorded.txt");
        Path submit = Files.writeString(bin.resolve("spark-submit"),
                "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '" + recorded + "'\nexit 7\n");
        assertTrue(submit.toFile().setExecutable(true));
        Path jar = Files.writeString(dir.resolve("app.jar"), "jar");
        Path envFile = Scripts.envFile(dir, Map.of("SPARK_HOME", sparkHome.toString(), "UMSYNTH_APP_JAR", jar.toString(),
                "UMSYNTH_MASTER", "spark://127.0.0.1:7077", "UMSYNTH_DRIVER_JAVA_OPTS", "-Dx='a b'"));
        String[] args = {"report", "--data", "/d with space", "--conf", "profiles/paper.conf"};

        List<String> expected = ok("submit-standalone", envFile, concat(List.of("--dry-run"), List.of(args)).toArray(String[]::new));
        Scripts.Result real = dryRun("submit-standalone", envFile, args);

        assertEquals(7, real.exitCode(), "spark-submit's exit status is the launcher's");
        List<String> got = Files.readAllLines(recorded);
        assertEquals(expected.subList(1, expected.size()), got);
        assertEquals(submit.toString(), expected.get(0));
    }

    @Test
    void theEnvironmentTemplateLoadsAndSizesTheOffHeapMemory() throws Exception {
        Path template = Scripts.REPO.resolve("conf/cluster.env.example");
        List<String> line = ok("submit-standalone", template, "--dry-run", "masks", "--data", "/d");
        assertEquals(List.of("/opt/spark/bin/spark-submit", "--master", "spark://spark-master.example.org:7077",
                "--deploy-mode", "client", "--name", "umsynth-masks", "--class", "org.umsynth.cli.Umsynth",
                "--driver-memory", "8g", "--executor-memory", "8g", "--executor-cores", "4", "--total-executor-cores", "16"),
                line.subList(0, 17));
        assertTrue(containsPair(line, "spark.executor.extraJavaOptions=" + OPENS + " -Dorg.bytedeco.javacpp.maxbytes=6g"),
                line::toString);
        assertTrue(containsPair(line, "spark.executor.memoryOverhead=7g") && containsPair(line, "spark.driver.memoryOverhead=7g"),
                line::toString);
        assertEquals(List.of("/opt/umsynth/umsynth-app.jar", "masks", "--data", "/d"), line.subList(line.size() - 4, line.size()));
    }

    @Test
    void badSettingsStopWithTheReason() throws Exception {
        Path standalone = Scripts.envFile(dir, Map.of("SPARK_HOME", "/opt/spark", "UMSYNTH_APP_JAR", "/a.jar",
                "UMSYNTH_MASTER", "spark://m:7077"));
        assertError(dryRun("submit-standalone", dir.resolve("missing.env"), "--dry-run", "ingest"),
                "environment file " + dir.resolve("missing.env") + " not found");
        assertError(dryRun("submit-standalone", standalone, "--dry-run"), "no umsynth COMMAND");
        assertError(dryRun("submit-standalone", standalone, "--dry-run", "masks", "--data", "/d", "--master", "local[2]"),
                "do not pass --master");
        assertError(dryRun("submit-standalone", standalone, "--deploy-mode", "cluster", "--dry-run", "masks"),
                "client only");
        List<String> hdfsConf = ok("submit-standalone", standalone, "--dry-run", "masks", "--conf", "hdfs:///c/x.conf");
        assertEquals(List.of("masks", "--conf", "hdfs:///c/x.conf"), hdfsConf.subList(hdfsConf.size() - 3, hdfsConf.size()),
                "client mode: the driver reads an hdfs:// config through Hadoop");
        assertError(dryRun("submit-standalone", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar",
                        "UMSYNTH_MASTER", "spark://m:7077", "UMSYNTH_KERBEROS_PRINCIPAL", "p@R", "UMSYNTH_KERBEROS_KEYTAB", "/k")),
                "--dry-run", "masks"), "standalone manager does not support Kerberos");
        assertError(dryRun("submit-standalone", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar",
                "UMSYNTH_MASTER", "yarn")), "--dry-run", "masks"), "UMSYNTH_MASTER must be spark://HOST:PORT");
        assertError(dryRun("submit-standalone", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar",
                "UMSYNTH_MASTER", "spark://m:7077", "UMSYNTH_GPU", "yes")), "--dry-run", "masks"), "UMSYNTH_GPU must be 0 or 1");
        assertError(dryRun("submit-yarn", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar")),
                "--dry-run", "masks"), "YARN needs HADOOP_CONF_DIR");
        assertError(dryRun("submit-yarn", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar",
                "HADOOP_CONF_DIR", hadoopConf.toString(), "UMSYNTH_KERBEROS_PRINCIPAL", "p@R")), "--dry-run", "masks"),
                "UMSYNTH_KERBEROS_PRINCIPAL and UMSYNTH_KERBEROS_KEYTAB go together");
        assertError(dryRun("submit-yarn", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_APP_JAR", "/a.jar",
                "HADOOP_CONF_DIR", hadoopConf.toString())), "--deploy-mode", "cluster", "--dry-run", "masks",
                "--conf", "nope.conf"), "--conf nope.conf: no such file");
        assertError(dryRun("submit-k8s", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_MASTER", "k8s://https://k:6443",
                "UMSYNTH_K8S_IMAGE", "i")), "--dry-run", "masks", "--conf", paperConf.toString()),
                "reaches a Kubernetes driver only through UMSYNTH_K8S_UPLOAD_PATH");
        assertError(dryRun("submit-k8s", Scripts.envFile(dir, Map.of("SPARK_HOME", "/s", "UMSYNTH_MASTER", "k8s://https://k:6443")),
                "--dry-run", "masks"), "UMSYNTH_K8S_IMAGE is not set");
        // not a dry run: the jar and spark-submit must exist
        assertError(dryRun("submit-standalone", standalone, "masks"), "/opt/spark/bin/spark-submit is not executable");
    }

    private static void assertError(Scripts.Result r, String message) {
        assertEquals(2, r.exitCode(), () -> "expected a usage error, got " + r.exitCode() + ": " + r.stdout() + r.stderr());
        assertTrue(r.stderr().contains(message), () -> "stderr lacks '" + message + "': " + r.stderr());
        assertEquals("", r.stdout());
    }
}
