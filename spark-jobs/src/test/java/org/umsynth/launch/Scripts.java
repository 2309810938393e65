package org.umsynth.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the repository's shell scripts as processes and captures what they print. */
final class Scripts {
    /** The repository root (the folder holding submit-scripts/), found upwards from the working directory. */
    static final Path REPO = findRepo();

    private Scripts() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        List<String> lines() {
            return stdout.lines().toList();
        }
    }

    static Path script(String relative) {
        return REPO.resolve("submit-scripts").resolve(relative);
    }

    static Result run(Map<String, String> env, Path workDir, long timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        // a clean environment: only what a user's shell would have, plus the test's settings
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("UMSYNTH_") || k.startsWith("SPARK_") || k.startsWith("HADOOP_")
                || k.startsWith("YARN_"));
        e.putAll(env);
        Path out = Files.createTempFile(workDir, "stdout", ".txt");
        Path err = Files.createTempFile(workDir, "stderr", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; stderr: "
                    + Files.readString(err));
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** Writes an environment file for the launchers: {@code KEY=VALUE} lines, values single-quoted. */
    static Path envFile(Path dir, Map<String, String> values, String... rawLines) throws IOException {
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + "='" + v.replace("'", "'\\''") + "'"));
        lines.addAll(List.of(rawLines));
        Path file = Files.createTempFile(dir, "cluster", ".env");
        Files.write(file, lines);
        return file;
    }

    private static Path findRepo() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("submit-scripts"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no submit-scripts/ above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
