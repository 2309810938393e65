package org.umsynth.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code chromium} run headless on a local page: a screenshot and the DOM after load.
 * Console messages (script errors among them) go to the log as {@code INFO:CONSOLE} lines.
 * Installs it with the committed {@code report/install-chromium.sh} when missing (root + apt).
 */
public final class HeadlessChromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium");

    /** Chromium's exit code, its output, and the DOM it dumped. */
    public record Run(int exitCode, String dom, String log) {}

    private HeadlessChromium() {
    }

    /** Installs Chromium if missing; fails with the installer's output when it cannot. */
    public static void ensureInstalled() throws IOException, InterruptedException {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        Path script = Files.createTempFile("install-chromium", ".sh");
        try (InputStream in = HeadlessChromium.class.getResourceAsStream("/report/install-chromium.sh")) {
            if (in == null) {
                throw new IllegalStateException("test resource report/install-chromium.sh missing");
            }
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.isExecutable(BINARY)) {
            throw new IllegalStateException("Chromium is not installed and install-chromium.sh failed (needs root and apt; "
                    + "set -Dumsynth.report.skipBrowser=true to skip the browser check on such machines):\n" + out);
        }
    }

    /** Loads {@code page}, writes a {@code 1200 x height} screenshot, and dumps the DOM (two runs). */
    public static Run screenshot(Path page, Path screenshot, int height) throws IOException, InterruptedException {
        Run shot = run(page, "--screenshot=" + screenshot.toAbsolutePath(), "--window-size=1200," + height);
        if (shot.exitCode != 0) {
            return shot;
        }
        Run dom = run(page, "--dump-dom");
        return new Run(dom.exitCode, dom.dom, shot.log + dom.log);
    }

    private static Run run(Path page, String... extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr", "--v=0", "--user-data-dir=" + profile));
        command.addAll(List.of(extra));
        command.add(page.toAbsolutePath().toUri().toString());
        Path stdout = Files.createTempFile("chromium", ".out");
        Path stderr = Files.createTempFile("chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 120 s: " + command);
        }
        return new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }
}
