package org.umsynth.report;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.LocatedFileStatus;

/**
 * The sections read from run files rather than tables: training loss curves and samples
 * ({@code models/<run>/}), metric matrices ({@code metrics/<name>/metrics.json}), run parameters.
 */
public final class RunSections {
    /** The losses plotted, in this order. */
    public static final List<String> LOSSES = List.of("d", "gan", "l1", "dice", "ce");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final int MAX_JSON_CHARS = 6000;

    private final FileSystem fs;
    private final Path root;
    private final ReportFolder folder;
    private final int trainingSamples;

    public RunSections(FileSystem fs, Path root, ReportFolder folder, int trainingSamples) {
        this.fs = fs;
        this.root = root;
        this.folder = folder;
        this.trainingSamples = trainingSamples;
    }

    /** The runs under ROOT/models, sorted. */
    public List<String> runs() throws IOException {
        return subfolders(new Path(root, "models"));
    }

    public void training(Html html) throws IOException {
        html.section("training", "Training");
        List<String> runs = runs();
        if (runs.isEmpty()) {
            html.note("No training run under ROOT/models: run train.");
            return;
        }
        for (String run : runs) {
            Path runDir = new Path(new Path(root, "models"), run);
            html.heading("Run " + run);
            Path log = new Path(runDir, "log/losses.jsonl");
            if (fs.exists(log)) {
                List<JsonNode> lines = readLines(log);
                double[] iterations = new double[lines.size()];
                double seconds = 0;
                double samples = 0;
                for (int i = 0; i < lines.size(); i++) {
                    iterations[i] = number(lines.get(i), "iteration");
                    seconds += finiteOr0(number(lines.get(i), "seconds"));
                    samples += finiteOr0(number(lines.get(i), "samples"));
                }
                html.paragraph(String.format(Locale.ROOT, "%d logged rounds, iterations %s to %s; %.1f s of training logged, %.2f samples/s.",
                        lines.size(), lines.isEmpty() ? "-" : (long) iterations[0] + "",
                        lines.isEmpty() ? "-" : (long) iterations[lines.size() - 1] + "", seconds, seconds > 0 ? samples / seconds : 0));
                for (String loss : LOSSES) {
                    double[] values = new double[lines.size()];
                    boolean any = false;
                    for (int i = 0; i < lines.size(); i++) {
                        values[i] = number(lines.get(i), loss);
                        any |= Double.isFinite(values[i]);
                    }
                    if (!any) {
                        html.note("Loss " + loss + ": no finite values logged.");
                        continue;
                    }
                    String name = folder.png("loss_" + run + "_" + loss + ".png", Charts.lossCurve(loss, iterations, values, 380, 240));
                    html.figure(name, "Loss " + loss + " against iteration, run " + run, null, 380, true);
                }
            } else {
                html.note("No loss log (log/losses.jsonl) for this run.");
            }
            Path samplesDir = new Path(runDir, "samples");
            FileStatus[] pngs = fs.exists(samplesDir) ? fs.globStatus(new Path(samplesDir, "*.png")) : new FileStatus[0];
            if (pngs == null || pngs.length == 0) {
                html.note("No training samples (samples/*.png) for this run.");
            } else {
                java.util.Arrays.sort(pngs, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
                html.paragraph("Training samples written by the run (the last " + Math.min(trainingSamples, pngs.length)
                        + " of " + pngs.length + "):");
                for (int i = Math.max(0, pngs.length - trainingSamples); i < pngs.length; i++) {
                    String file = pngs[i].getPath().getName();
                    String name = folder.copy(fs, pngs[i].getPath(), "trainsample_" + run + "_" + file);
                    html.figure(name, "Training sample " + file + " of run " + run, file, displayWidth(pngs[i].getPath()), false);
                }
            }
        }
    }

    public void metrics(Html html) throws IOException {
        html.section("metrics", "Metrics (MM-FID / MM-STD)");
        List<String> names = subfolders(new Path(root, "metrics"));
        boolean any = false;
        for (String name : names) {
            Path json = new Path(new Path(new Path(root, "metrics"), name), "metrics.json");
            if (!fs.exists(json)) {
                continue;
            }
            any = true;
            JsonNode doc = read(json);
            html.heading("Metrics " + name);
            html.paragraph("Real set: " + doc.path("real").asText("?") + "; synthetic sets: " + join(doc.path("synthetic")) + ".");
            List<List<?>> extractorRows = new ArrayList<>();
            List<String> extractors = new ArrayList<>();
            for (JsonNode e : doc.path("extractors")) {
                extractors.add(e.path("name").asText());
            }
            List<String> nonStandard = new ArrayList<>();
            for (JsonNode c : doc.path("cells")) {
                String e = c.path("extractor").asText();
                if (!c.path("standard_extractor").asBoolean(false) && !nonStandard.contains(e)) {
                    nonStandard.add(e);
                }
            }
            for (JsonNode e : doc.path("extractors")) {
                String en = e.path("name").asText();
                extractorRows.add(List.of(en, nonStandard.contains(en) ? "NON-STANDARD" : "standard", e.path("description").asText("")));
            }
            html.table(List.of("extractor", "kind", "description"), extractorRows);
            if (!nonStandard.isEmpty()) {
                html.warning("Non-standard extractor(s): " + String.join(", ", nonStandard) + ". Their FID values are not "
                        + "comparable with published FIDs (which use the standard InceptionV3 weights); compare only within this report.");
            }
            List<Integer> resolutions = new ArrayList<>();
            for (JsonNode r : doc.path("resolutions")) {
                resolutions.add(r.asInt());
            }
            List<String> columns = resolutions.stream().map(String::valueOf).toList();
            List<String> rowLabels = extractors.stream().map(e -> nonStandard.contains(e) ? e + " (non-standard)" : e).toList();
            for (JsonNode setNode : doc.path("synthetic")) {
                String set = setNode.asText();
                for (String metric : List.of("fid", "std")) {
                    double[][] values = new double[extractors.size()][resolutions.size()];
                    for (double[] row : values) {
                        java.util.Arrays.fill(row, Double.NaN);
                    }
                    for (JsonNode c : doc.path("cells")) {
                        int e = extractors.indexOf(c.path("extractor").asText());
                        int r = resolutions.indexOf(c.path("resolution").asInt());
                        if (set.equals(c.path("set").asText()) && e >= 0 && r >= 0) {
                            values[e][r] = number(c, metric);
                        }
                    }
                    String title = metric.toUpperCase(Locale.ROOT) + " of " + set + " (rows: extractor, columns: resolution r)";
                    int height = 110 + 46 * extractors.size();
                    String file = folder.png("heat_" + name + "_" + set + "_" + metric + ".png", Charts.heatMap(title, rowLabels,
                            columns, values, "extractor", "resolution r", 560, height));
                    html.figure(file, "Heat map of " + metric.toUpperCase(Locale.ROOT) + " for set " + set + ", metrics " + name,
                            null, 560, true);
                }
            }
            html.paragraph("Every cell, with bootstrap confidence intervals and the sample counts N (FID is biased by N: "
                    + "compare cells only at equal N).");
            List<List<?>> cells = new ArrayList<>();
            for (JsonNode c : doc.path("cells")) {
                boolean standard = c.path("standard_extractor").asBoolean(false);
                cells.add(List.of(c.path("set").asText(), c.path("extractor").asText() + (standard ? "" : " (non-standard)"),
                        c.path("resolution").asInt(), c.path("n_real").asLong(), c.path("n_synthetic").asLong(),
                        number(c, "fid"), interval(c.path("fid_ci")), number(c, "std"), interval(c.path("std_ci")),
                        c.path("rank_deficient").asBoolean(false) ? "yes (N < d)" : "no"));
            }
            html.table(List.of("set", "extractor", "r", "N real", "N synthetic", "FID", "FID CI", "STD", "STD CI", "rank deficient"), cells);
            JsonNode aggregates = doc.path("aggregates");
            if (aggregates.isObject() && aggregates.size() > 0) {
                List<List<?>> rows = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = aggregates.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> agg = it.next();
                    JsonNode fid = agg.getValue().path("mm_fid");
                    JsonNode std = agg.getValue().path("mm_std");
                    for (Iterator<String> sets = fid.fieldNames(); sets.hasNext(); ) {
                        String set = sets.next();
                        rows.add(List.of(agg.getKey(), set, meanStd(fid.path(set)), meanStd(std.path(set)),
                                agg.getValue().path("definition").asText("")));
                    }
                }
                html.table(List.of("aggregate", "set", "MM-FID (mean ± std)", "MM-STD (mean ± std)", "definition"), rows);
            } else {
                html.note("No aggregates in metrics.json.");
            }
        }
        if (!any) {
            html.note("No metrics under ROOT/metrics: run metrics.");
        }
    }

    /** Mask parameters come from the tables; here the training state and every JSON file of the runs. */
    public void parameters(Html html, List<String> maskParams) throws IOException {
        html.section("parameters", "Run parameters and timings");
        html.heading("Masks");
        if (maskParams.isEmpty()) {
            html.note("No masks table: no mask parameters.");
        } else {
            for (String p : maskParams) {
                html.raw("<p><code>" + Html.escape(p) + "</code></p>");
            }
        }
        List<String> runs = runs();
        if (runs.isEmpty()) {
            html.heading("Training");
            html.note("No training run under ROOT/models.");
        }
        for (String run : runs) {
            Path runDir = new Path(new Path(root, "models"), run);
            html.heading("Training run " + run);
            Path checkpoints = new Path(runDir, "checkpoints");
            Path latest = new Path(checkpoints, "latest");
            if (fs.exists(latest) && fs.isFile(latest)) {
                String target;
                try (InputStream in = fs.open(latest)) {
                    target = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                }
                Path state = new Path(new Path(checkpoints, target), "state.json");
                if (fs.exists(state)) {
                    JsonNode s = read(state);
                    html.table(List.of("latest checkpoint", "epoch", "pass", "round", "iteration", "seed"),
                            List.of(List.of(target, s.path("epoch").asText(), s.path("pass").asText(), s.path("round").asText(),
                                    s.path("iteration").asText(), s.path("seed").asText())));
                    if (!s.path("profile").isMissingNode()) {
                        html.paragraph("Profile:");
                        html.pre(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s.path("profile")));
                    }
                } else {
                    html.note("checkpoints/latest names " + target + ", which has no state.json.");
                }
            } else {
                html.note("No checkpoints/latest for this run.");
            }
            for (Path json : jsonFiles(runDir)) {
                String relative = runDir.toUri().relativize(json.toUri()).getPath();
                String text = new String(readBytes(json), StandardCharsets.UTF_8);
                try {
                    text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(text));
                } catch (IOException notJson) {
                    // shown as it is
                }
                html.paragraph(relative + (text.length() > MAX_JSON_CHARS ? " (first " + MAX_JSON_CHARS + " characters)" : "") + ":");
                html.pre(text.length() > MAX_JSON_CHARS ? text.substring(0, MAX_JSON_CHARS) + "\n..." : text);
            }
        }
    }

    /** *.json files of a run, except those of checkpoints other than the latest (shown above). */
    private List<Path> jsonFiles(Path runDir) throws IOException {
        List<Path> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(runDir, true);
        while (it.hasNext()) {
            Path p = it.next().getPath();
            String rel = runDir.toUri().relativize(p.toUri()).getPath();
            if (p.getName().endsWith(".json") && !rel.startsWith("checkpoints/") && !p.getName().startsWith(".")) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    /** Small samples (demo resolution) are shown enlarged, pixel for pixel, to at least 256 px wide. */
    private int displayWidth(Path png) throws IOException {
        try (InputStream in = fs.open(png)) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(in);
            if (image == null || image.getWidth() >= 256) {
                return 0;
            }
            return image.getWidth() * (int) Math.ceil(256.0 / image.getWidth());
        }
    }

    private List<String> subfolders(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (fs.exists(dir)) {
            for (FileStatus s : fs.listStatus(dir)) {
                String n = s.getPath().getName();
                if (s.isDirectory() && !n.startsWith("_") && !n.startsWith(".")) {
                    out.add(n);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        return lines;
    }

    private JsonNode read(Path file) throws IOException {
        return JSON.readTree(readBytes(file));
    }

    private byte[] readBytes(Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    /** A numeric field, NaN when missing, null or not a number. */
    static double number(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private static double finiteOr0(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static String interval(JsonNode ci) {
        if (!ci.isArray() || ci.size() != 2 || !ci.get(0).isNumber() || !ci.get(1).isNumber()) {
            return "n/a";
        }
        return "[" + Html.format(ci.get(0).asDouble()) + ", " + Html.format(ci.get(1).asDouble()) + "]";
    }

    private static String meanStd(JsonNode node) {
        double mean = number(node, "mean");
        double std = number(node, "std");
        return Double.isFinite(mean) ? Html.format(mean) + " ± " + Html.format(std) : "n/a";
    }

    private static String join(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
