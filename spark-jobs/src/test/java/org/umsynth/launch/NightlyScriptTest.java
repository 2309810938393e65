package org.umsynth.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * umsynth-nightly: the command it runs, the dated root, the lock, the dated log and the exit status.
 * The launcher here is a recording script (its exit status and duration set by the test);
 * StandaloneSubmitTest runs the same script through submit-standalone on a real cluster.
 */
class NightlyScriptTest {
    @TempDir
    Path dir;
    Path launcher;
    Path recorded;
    Path started;

    @BeforeEach
    void recordingLauncher() throws Exception {
        recorded = dir.resolve("argv.txt");
        started = dir.resolve("started");
        launcher = Files.writeString(dir.resolve("launcher"), String.join("\n",
                "#!/usr/bin/env bash",
                "printf '%s\\n' \"$@\" > '" + recorded + "'",
                "echo \"launcher output for $3\"",
                "touch '" + started + "'",
                "sleep \"${LAUNCHER_SLEEP:-0}\"",
                "exit \"${LAUNCHER_EXIT:-0}\"", ""));
        assertTrue(launcher.toFile().setExecutable(true));
    }

    private List<String> nightly(String... extra) {
        List<String> cmd = new ArrayList<>(List.of(Scripts.script("nightly/umsynth-nightly").toString(),
                "--launcher", launcher.toString(), "--base", "hdfs:///lake/umsynth/nightly/", "--input", "hdfs:///lake/ct",
                "--labels", "hdfs:///lake/labels", "--conf", "/opt/umsynth/conf/paper.conf", "--log-dir", dir.resolve("logs").toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    @Test
    void runsPipelineIntoTheDatedRootAndPropagatesTheExitStatus() throws Exception {
        Scripts.Result r = Scripts.run(Map.of("LAUNCHER_EXIT", "1"), dir, 30, nightly("--date", "2024-05-01", "--keep", "5",
                "--", "--set", "pipeline.run=nightly").toArray(String[]::new));

        assertEquals(1, r.exitCode(), "the pipeline's failure is the nightly's");
        assertEquals(List.of("pipeline", "--data", "hdfs:///lake/umsynth/nightly/2024-05-01", "--keep", "5",
                "--input", "hdfs:///lake/ct", "--labels", "hdfs:///lake/labels", "--conf", "/opt/umsynth/conf/paper.conf",
                "--set", "pipeline.run=nightly"), Files.readAllLines(recorded));
        Path log = dir.resolve("logs/umsynth-nightly-2024-05-01.log");
        String text = Files.readString(log);
        assertTrue(text.contains("launcher output for hdfs:///lake/umsynth/nightly/2024-05-01"), text);
        assertTrue(text.contains("finished") && text.contains(" exit 1"), text);
        assertTrue(r.stderr().contains("failed with exit 1; see " + log), r.stderr());

        // a re-run the same day continues the same root and appends to the same log
        Scripts.Result again = Scripts.run(Map.of(), dir, 30, nightly("--date", "2024-05-01").toArray(String[]::new));
        assertEquals(0, again.exitCode(), again.stderr());
        assertEquals("hdfs:///lake/umsynth/nightly/2024-05-01", Files.readAllLines(recorded).get(2));
        assertEquals("7", Files.readAllLines(recorded).get(4), "default --keep");
        String both = Files.readString(log);
        assertEquals(2, both.split("=== umsynth-nightly finished", -1).length - 1, both);
        assertTrue(both.contains(" exit 0"), both);
    }

    @Test
    void todayIsTheDefaultDate() throws Exception {
        String before = java.time.LocalDate.now().toString();
        Scripts.Result r = Scripts.run(Map.of(), dir, 30, nightly().toArray(String[]::new));
        String after = java.time.LocalDate.now().toString();
        assertEquals(0, r.exitCode(), r.stderr());
        String root = Files.readAllLines(recorded).get(2);
        // the script and the test may straddle midnight
        assertTrue(root.equals("hdfs:///lake/umsynth/nightly/" + before) || root.equals("hdfs:///lake/umsynth/nightly/" + after),
                root);
        assertTrue(Files.exists(dir.resolve("logs/umsynth-nightly-" + root.substring(root.lastIndexOf('/') + 1) + ".log")));
    }

    @Test
    void aSecondRunWhileOneIsRunningDoesNothingAndExits75() throws Exception {
        ProcessBuilder first = new ProcessBuilder(nightly("--date", "2024-05-02")).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("first.out").toFile());
        first.environment().put("LAUNCHER_SLEEP", "20");
        Process running = first.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(started) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(started), "the first run started its launcher");
            Files.delete(recorded);

            Scripts.Result second = Scripts.run(Map.of(), dir, 30, nightly("--date", "2024-05-02").toArray(String[]::new));

            assertEquals(75, second.exitCode(), second.stderr());
            assertTrue(second.stderr().contains("another nightly run holds " + dir.resolve("logs/umsynth-nightly.lock")),
                    second.stderr());
            assertTrue(!Files.exists(recorded), "the second run did not start the launcher");
        } finally {
            running.descendants().forEach(ProcessHandle::destroyForcibly);
            running.destroyForcibly();
            running.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusesOptionsThatWouldBreakTheRerunSemantics() throws Exception {
        for (List<String> bad : List.of(List.of("--", "--overwrite"), List.of("--", "--data", "/x"),
                List.of("--keep", "0"), List.of("--date", "01.05.2024"), List.of("--launcher", "mesos"))) {
            Scripts.Result r = Scripts.run(Map.of(), dir, 30, nightlyWith(bad));
            assertEquals(2, r.exitCode(), bad + ": " + r.stderr());
            assertTrue(r.stderr().startsWith("umsynth-nightly: "), r.stderr());
        }
        Scripts.Result noBase = Scripts.run(Map.of(), dir, 30, Scripts.script("nightly/umsynth-nightly").toString(), "--input", "/x");
        assertEquals(2, noBase.exitCode());
        assertTrue(noBase.stderr().contains("--base is required"), noBase.stderr());
    }

    private String[] nightlyWith(List<String> extra) {
        List<String> cmd = nightly();
        // --launcher given twice: the last wins, as with every option
        cmd.addAll(extra);
        return cmd.toArray(String[]::new);
    }

    @Test
    void theAirflowDagCompiles() throws Exception {
        boolean python = Scripts.run(Map.of(), dir, 30, "bash", "-c", "command -v python3").exitCode() == 0;
        assumeTrue(python, "python3 is not installed");
        Path dag = Scripts.script("nightly/umsynth_nightly_dag.py");
        Scripts.Result r = Scripts.run(Map.of("PYTHONPYCACHEPREFIX", dir.resolve("pycache").toString()), dir, 60,
                "python3", "-m", "py_compile", dag.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        String text = Files.readString(dag);
        assertTrue(text.contains("submit-scripts/nightly/umsynth-nightly") && text.contains("\"retries\": 2")
                && text.contains("{{ data_interval_end | ds }}"), "the DAG calls the nightly script, with retries, for its date");
    }
}
