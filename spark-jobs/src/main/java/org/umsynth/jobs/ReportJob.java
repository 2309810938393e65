package org.umsynth.jobs;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.umsynth.cli.CommonOptions;
import org.umsynth.config.ReportConfig;
import org.umsynth.report.DatasetSections;
import org.umsynth.report.ExperimentSection;
import org.umsynth.report.Html;
import org.umsynth.report.ReportFolder;
import org.umsynth.report.RunSections;
import org.umsynth.tables.TableStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code report}: a static HTML report of whatever exists under a dataset root: table counts, image
 * grids (UM | synthetic image | segmentation | source slice), training loss curves and samples,
 * MM-FID / MM-STD heat maps with aggregates and CIs, run parameters. One folder, {@code index.html}
 * and PNGs next to it, no script and no external asset, so it opens from disk. A section whose input
 * is absent says so in one line.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a static HTML report (index.html + PNGs) of everything under ROOT.")
public final class ReportJob implements Callable<Integer> {
    public static final String INDEX = "index.html";

    @Mixin
    CommonOptions common;

    @Option(names = "--out", paramLabel = "DIR", description = "report folder (default: ROOT/report)")
    String out;

    /** What was written: the index file, the images next to it, and the time taken. */
    public record Summary(Path index, Set<String> images, double seconds) {}

    @Override
    public Integer call() throws Exception {
        return common.run("report", new ReportConfig(), config -> spark -> run(spark, common.data, out, config));
    }

    public static Summary run(SparkSession spark, String data, String out, ReportConfig config) throws IOException {
        long start = System.nanoTime();
        TableStore store = new TableStore(spark, data);
        String outLocation = out != null ? out : new Path(store.root(), "report").toString();
        ReportFolder folder = new ReportFolder(outLocation, spark.sparkContext().hadoopConfiguration());
        DatasetSections tables = new DatasetSections(spark, store, folder, config);
        RunSections runs = new RunSections(store.fileSystem(), store.root(), folder, config.trainingSamples);

        Html html = new Html();
        tables.counts(html);
        tables.imageGrids(html);
        runs.training(html);
        runs.metrics(html);
        ExperimentSection experiments = new ExperimentSection(store.fileSystem(), store.root(), folder);
        boolean experiment = !experiments.experiments().isEmpty();
        if (experiment) { // a section only when ROOT/experiments holds one
            experiments.render(html);
        }
        runs.parameters(html, tables.maskParams());
        double seconds = (System.nanoTime() - start) / 1e9;
        String generated = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0));
        html.paragraph(String.format(java.util.Locale.ROOT, "Report generated %s UTC in %.1f s.", generated, seconds));
        List<String[]> toc = new java.util.ArrayList<>(List.of(new String[]{"tables", "Tables"},
                new String[]{"images", "Images"}, new String[]{"training", "Training"}, new String[]{"metrics", "Metrics"}));
        if (experiment) {
            toc.add(new String[]{"experiment", "Experiment"});
        }
        toc.add(new String[]{"parameters", "Parameters"});
        String page = html.page("umsynth report", "Dataset root " + store.root() + " | generated " + generated + " UTC", toc);
        Path index = folder.text(INDEX, page);
        System.out.printf("report: %d images; %.1f s%nreport: wrote %s%n", folder.images().size(), seconds, index);
        return new Summary(index, folder.images(), seconds);
    }
}
