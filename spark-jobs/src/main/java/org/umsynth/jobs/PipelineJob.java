package org.umsynth.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.umsynth.cli.CommonOptions;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.ConfigBinder;
import org.umsynth.config.ConfigSource;
import org.umsynth.config.PipelineConfig;
import org.umsynth.model.gan.GanCheckpoint;
import org.umsynth.spark.Sessions;
import org.umsynth.tables.TableStore;
import org.umsynth.tables.Tables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pipeline}: every stage in order in one Spark application (the nightly job). Each stage runs
 * exactly as its own command would, with the same config. Restartable: a stage whose output is
 * already complete is skipped, a training run with checkpoints is resumed, and once a stage has
 * (re)made its output every later stage remakes its own, so a re-run after a crash finishes the work
 * without redoing what is done and never mixes old and new outputs. {@code --overwrite} redoes all.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Run ingest, masks, train, synthesize, metrics and report in order (restartable; the nightly job).")
public final class PipelineJob implements Callable<Integer> {
    private static final Pattern ISO_DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    @Mixin
    CommonOptions common;

    @Option(names = "--input", paramLabel = "DIR_OR_URI", description = "CT volumes for ingest (needed unless ROOT/slices is complete)")
    String input;

    @Option(names = "--labels", paramLabel = "DIR_OR_URI", description = "label volumes for ingest")
    String labels;

    @Option(names = "--labels-manifest", paramLabel = "CSV", description = "pairs image,label for ingest")
    String manifest;

    @Option(names = "--report", paramLabel = "DIR", description = "report folder (default: ROOT/report)")
    String report;

    @Option(names = "--keep", paramLabel = "N", description = "after success, keep only the newest N dated roots: "
            + "ROOT must be named YYYY-MM-DD, and older YYYY-MM-DD siblings beyond N are deleted")
    Integer keep;

    @Override
    public Integer call() throws Exception {
        ConfigSource source = common.configSource();
        PipelineConfig config = ConfigBinder.bind(new PipelineConfig(), source);
        ConfigBinder.bindAll(source); // every stage's values checked before the first stage starts
        if (keep != null && keep < 1) {
            throw new IllegalArgumentException("--keep must be at least 1");
        }
        if (keep != null && !ISO_DATE.matcher(new Path(common.data).getName()).matches()) {
            throw new IllegalArgumentException("--keep needs a dated ROOT (.../YYYY-MM-DD), not " + common.data);
        }
        boolean owned = !Sessions.isShared();
        SparkSession spark = Sessions.create("umsynth pipeline", common.master, source);
        try {
            int code = Sessions.sharing(spark, () -> runStages(spark, config));
            if (code == 0 && keep != null) {
                prune(new TableStore(spark, common.data), keep);
            }
            return code;
        } finally {
            if (owned) {
                spark.stop();
            }
        }
    }

    private int runStages(SparkSession spark, PipelineConfig config) throws IOException {
        TableStore store = new TableStore(spark, common.data);
        FileSystem fs = store.fileSystem();
        List<String> stages = config.stageList();
        String run = config.run;
        boolean remake = common.overwrite;
        Path checkpoints = new Path(store.root(), "models/" + run + "/checkpoints");
        long start = System.nanoTime();
        for (String stage : PipelineConfig.STAGES) {
            if (!stages.contains(stage)) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of(stage));
            String done = null;
            Optional<Path> checkpointBefore = Optional.empty();
            switch (stage) {
                case "ingest" -> {
                    if (!remake && store.exists(Tables.SLICES)) {
                        done = "ROOT/" + Tables.SLICES + " is complete";
                    } else if (input == null) {
                        throw new IllegalArgumentException("pipeline: ingest needs --input (ROOT/slices is not complete)");
                    } else {
                        args.addAll(List.of("--input", input));
                        if (labels != null) {
                            args.addAll(List.of("--labels", labels));
                        }
                        if (manifest != null) {
                            args.addAll(List.of("--labels-manifest", manifest));
                        }
                    }
                }
                case "masks" -> {
                    if (!remake && store.exists(Tables.MASKS)) {
                        done = "ROOT/" + Tables.MASKS + " is complete";
                    }
                }
                case "train" -> {
                    args.addAll(List.of("--run", run));
                    checkpointBefore = GanCheckpoint.latest(fs, checkpoints);
                    if (!remake && checkpointBefore.isPresent()) {
                        args.add("--resume"); // finishes an interrupted run; a finished one does no rounds
                    }
                }
                case "synthesize" -> {
                    if (!remake && store.exists("synthetic/" + run)) {
                        done = "ROOT/synthetic/" + run + " is complete";
                    }
                    args.addAll(List.of("--model", run, "--name", run));
                }
                case "metrics" -> {
                    if (!remake && fs.exists(store.path("metrics/" + run + "/metrics.json"))) {
                        done = "ROOT/metrics/" + run + " is complete";
                    }
                    args.addAll(List.of("--real", config.metricsReal, "--synthetic", "synthetic/" + run, "--name", run));
                }
                case "report" -> {
                    if (report != null) {
                        args.addAll(List.of("--out", report));
                    }
                }
                default -> throw new IllegalStateException("unknown stage " + stage);
            }
            if (done != null) {
                System.out.printf("pipeline: %s skipped (%s)%n", stage, done);
                continue;
            }
            args.addAll(common.stageOptions(common.overrides));
            boolean resuming = args.contains("--resume");
            if (remake || (!resuming && !stage.equals("report"))) {
                args.add("--overwrite"); // an output made before an upstream stage was remade is stale
            }
            int code = Umsynth.runStage("pipeline:", args);
            if (code != 0) {
                System.out.printf("pipeline: stopped at %s (exit code %d); re-run the same command to continue%n",
                        stage, code);
                return code;
            }
            boolean changed = !resuming || !checkpointBefore.equals(GanCheckpoint.latest(fs, checkpoints));
            remake |= changed && !stage.equals("report");
        }
        System.out.printf("pipeline: done in %.1f s%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Deletes dated siblings of ROOT beyond the newest {@code keep}; never ROOT itself. */
    private void prune(TableStore store, int keep) throws IOException {
        FileSystem fs = store.fileSystem();
        Path root = store.root();
        Path parent = root.getParent();
        List<FileStatus> dated = new ArrayList<>();
        for (FileStatus status : fs.listStatus(parent)) {
            if (status.isDirectory() && ISO_DATE.matcher(status.getPath().getName()).matches()) {
                dated.add(status);
            }
        }
        dated.sort(Comparator.comparing((FileStatus s) -> s.getPath().getName()).reversed());
        for (int i = keep; i < dated.size(); i++) {
            Path old = dated.get(i).getPath();
            if (old.getName().equals(root.getName())) {
                continue;
            }
            if (fs.delete(old, true)) {
                System.out.printf("pipeline: removed the old run %s (keeping %d)%n", old, keep);
            }
        }
    }
}
