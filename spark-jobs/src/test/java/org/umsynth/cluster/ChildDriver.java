package org.umsynth.cluster;

import org.umsynth.cli.Umsynth;
import picocli.CommandLine;

/**
 * {@link Umsynth} as a child driver JVM of the cluster tests: the same command line and exit codes, plus the
 * stack trace of every failure in the child's log (the CLI prints only the message of a user error).
 */
public final class ChildDriver {
    private ChildDriver() {
    }

    public static void main(String[] args) {
        CommandLine cli = Umsynth.commandLine();
        CommandLine.IExecutionExceptionHandler handler = cli.getExecutionExceptionHandler();
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            e.printStackTrace();
            return handler.handleExecutionException(e, command, parsed);
        });
        System.exit(cli.execute(args));
    }
}
