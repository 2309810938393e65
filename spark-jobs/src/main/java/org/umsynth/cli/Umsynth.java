package org.umsynth.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigException;
import org.umsynth.config.StageConfig;
import org.umsynth.config.StageConfigs;
import org.umsynth.jobs.ExperimentJob;
import org.umsynth.jobs.IngestJob;
import org.umsynth.jobs.InspectJob;
import org.umsynth.jobs.MetricsJob;
import org.umsynth.jobs.MasksJob;
import org.umsynth.jobs.PhantomJob;
import org.umsynth.jobs.PipelineJob;
import org.umsynth.jobs.ReportJob;
import org.umsynth.jobs.SynthesizeJob;
import org.umsynth.jobs.TrainJob;
import org.umsynth.jobs.UtilityJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code umsynth} command line: one subcommand per job. */
@Command(name = "umsynth", mixinStandardHelpOptions = true, version = "umsynth 0.1.0",
        description = "Unsupervised mask-guided annotated CT image synthesis on Apache Spark.",
        subcommands = {PhantomJob.class, IngestJob.class, MasksJob.class, TrainJob.class, SynthesizeJob.class,
                MetricsJob.class, UtilityJob.class, ExperimentJob.class, ReportJob.class, PipelineJob.class,
                InspectJob.class})
public final class Umsynth implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        QuietStdout.install();
        int code = execute(args);
        QuietStdout.finish();
        System.exit(code);
    }

    /** Runs a command line and returns its exit code: 0 done, 1 failed, 2 bad usage or config. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /**
     * Runs one stage of a composite command (pipeline, experiment) exactly as its own command line, printing
     * {@code "<label> <stage> ..."} before and {@code "<label> <stage> done in S s"} after; returns its exit code.
     */
    public static int runStage(String label, List<String> args) {
        System.out.printf("%s %s%n", label, String.join(" ", args.subList(0, Math.min(3, args.size()))));
        long start = System.nanoTime();
        int code = commandLine().execute(args.toArray(String[]::new));
        if (code == 0) {
            System.out.printf("%s %s done in %.1f s%n", label, args.get(0), (System.nanoTime() - start) / 1e9);
        }
        return code;
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Umsynth());
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            Supplier<? extends StageConfig> stage = StageConfigs.ALL.get(sub.getKey());
            if (stage != null) {
                List<String> footer = new ArrayList<>();
                footer.add("");
                footer.add("Config keys (in --conf files or as --set key=value):");
                footer.addAll(ConfigBinder.describe(stage.get()));
                sub.getValue().getCommandSpec().usageMessage().footer(footer.toArray(String[]::new));
            }
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String command = commandLine.getCommandName();
            if (e instanceof ConfigException) {
                commandLine.getErr().println("umsynth " + command + ": config error: " + e.getMessage());
                return 2;
            }
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                commandLine.getErr().println("umsynth " + command + ": error: " + e.getMessage());
                return 1;
            }
            commandLine.getErr().println("umsynth " + command + ": failed: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli;
    }
}
