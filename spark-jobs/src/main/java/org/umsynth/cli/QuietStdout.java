package org.umsynth.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard output without the debug lines DL4J 1.0.0-M2.1 prints with {@code System.out.println}
 * while it builds SameDiff gradients ("Added differentiated op ..."), hundreds per training run.
 * Everything else passes through line by line.
 */
final class QuietStdout extends OutputStream {
    private static final String NOISE = "Added differentiated op ";

    private final PrintStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    private QuietStdout(PrintStream target) {
        this.target = target;
    }

    private static QuietStdout installed;

    static synchronized void install() {
        installed = new QuietStdout(System.out);
        System.setOut(new PrintStream(installed, true, StandardCharsets.UTF_8));
    }

    /** Writes out a last line that has no line end. */
    static synchronized void finish() {
        if (installed != null) {
            synchronized (installed) {
                if (installed.line.size() > 0) {
                    installed.flushLine();
                }
            }
        }
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
            flushLine();
        }
    }

    @Override
    public synchronized void flush() {
        // partial lines wait for their end, so a filtered line is never split
        target.flush();
    }

    private void flushLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (!text.startsWith(NOISE)) {
            target.print(text);
            target.flush();
        }
    }
}
