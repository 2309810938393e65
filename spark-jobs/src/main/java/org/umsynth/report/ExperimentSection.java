package org.umsynth.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The "Experiment" section: per {@code ROOT/experiments/NAME/} the claims table (claim, figure um vs seg,
 * CI, p, verdict, reason) from {@code claims.json}, and from {@code sweep.csv} a plot of Dice against the
 * label fraction per arm and class, and of the joint MM-FID against the label fraction for um and seg.
 */
public final class ExperimentSection {
    private final FileSystem fs;
    private final Path root;
    private final ReportFolder folder;

    public ExperimentSection(FileSystem fs, Path root, ReportFolder folder) {
        this.fs = fs;
        this.root = root;
        this.folder = folder;
    }

    /** The experiments with a claims.json, by name. */
    public List<String> experiments() throws IOException {
        Path dir = new Path(root, "experiments");
        List<String> names = new ArrayList<>();
        if (!fs.exists(dir)) {
            return names;
        }
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && fs.exists(new Path(s.getPath(), "claims.json"))) {
                names.add(s.getPath().getName());
            }
        }
        names.sort(String::compareTo);
        return names;
    }

    public void render(Html html) throws IOException {
        html.section("experiment", "Experiment: UM-guided vs seg-guided synthesis");
        for (String name : experiments()) {
            Path dir = new Path(new Path(root, "experiments"), name);
            JsonNode claims;
            try (InputStream in = fs.open(new Path(dir, "claims.json"))) {
                claims = new ObjectMapper().readTree(in);
            }
            html.heading("Experiment " + name);
            html.paragraph(String.format(Locale.ROOT, "Claims decided at label fraction %s (%d of %d labelled training "
                            + "cases), %d synthetic samples per set, seed %d, alpha %s.",
                    claims.path("main_fraction").asText(), claims.path("labelled_cases").asInt(),
                    claims.path("labelled_training_cases").asInt(), claims.path("samples_per_set").asLong(),
                    claims.path("seed").asLong(), claims.path("alpha").asText()));
            List<List<?>> rows = new ArrayList<>();
            for (JsonNode c : claims.path("claims")) {
                String claim = c.path("claim").asText();
                if (c.path("classes").isArray() && c.path("classes").size() > 0) {
                    for (JsonNode k : c.path("classes")) {
                        rows.add(List.of(claim + " (" + k.path("class").asText() + ")", figure(k), interval(k.path("ci95")),
                                number(k.path("p")), k.path("verdict").asText(), k.path("reason").asText()));
                    }
                }
                rows.add(List.of(claim, figure(c), interval(c.path("ci95")), number(c.path("p")), c.path("verdict").asText(),
                        c.path("reason").asText()));
            }
            html.table(List.of("claim", "figure: um vs seg", "CI (um - seg)", "p", "verdict", "reason"), rows);
            for (JsonNode c : claims.path("claims")) {
                if (c.has("test")) {
                    html.note(c.path("claim").asText() + ": " + c.path("test").asText() + ".");
                }
            }
            Path sweepFile = new Path(dir, "sweep.csv");
            if (fs.exists(sweepFile)) {
                plots(html, name, readSweep(sweepFile));
            }
        }
    }

    private void plots(Html html, String name, List<Map<String, String>> sweep) throws IOException {
        Map<String, List<double[]>> dice = new LinkedHashMap<>();
        Map<String, List<double[]>> fid = new LinkedHashMap<>();
        for (Map<String, String> r : sweep) {
            double x = Double.parseDouble(r.get("fraction"));
            double y = r.get("value").isEmpty() ? Double.NaN : Double.parseDouble(r.get("value"));
            if (r.get("quantity").equals("dice")) {
                dice.computeIfAbsent(r.get("arm") + " / " + r.get("class"), k -> new ArrayList<>()).add(new double[]{x, y});
            } else if (r.get("quantity").equals("mm_fid")) {
                fid.computeIfAbsent(r.get("arm"), k -> new ArrayList<>()).add(new double[]{x, y});
            }
        }
        if (dice.isEmpty()) {
            html.note("No Dice figures in " + name + "/sweep.csv: the utility stage did not run.");
        } else {
            String file = folder.png("experiment_" + name + "_dice.png", Charts.lines("Dice vs label fraction (arm / class)",
                    "fraction of labelled training cases", "mean Dice over test cases", dice, 640, 380));
            html.figure(file, "Dice against label fraction per arm and class, experiment " + name,
                    "Mean Dice over held-out test cases per arm and class (intervals in sweep.csv).", 640, true);
        }
        if (!fid.isEmpty()) {
            String file = folder.png("experiment_" + name + "_mmfid.png", Charts.lines("MM-FID vs label fraction",
                    "fraction of labelled training cases", "MM-FID (joint normalisation; lower is better)", fid, 640, 380));
            html.figure(file, "MM-FID against label fraction for um and seg, experiment " + name,
                    "Jointly normalised within each fraction: compare um with seg at a fraction, not across fractions.",
                    640, true);
        }
    }

    private List<Map<String, String>> readSweep(Path file) throws IOException {
        String text;
        try (InputStream in = fs.open(file)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.isEmpty()) {
            return rows;
        }
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IllegalArgumentException(file + ": row '" + line + "' has " + cells.length + " fields, the header "
                        + Arrays.toString(header) + " has " + header.length);
            }
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], cells[i]);
            }
            rows.add(row);
        }
        return rows;
    }

    private static String figure(JsonNode n) {
        return number(n.path("um")) + " vs " + number(n.path("seg"));
    }

    private static String number(JsonNode n) {
        return n.isNumber() ? Html.format(n.asDouble()) : "-";
    }

    private static String interval(JsonNode n) {
        return n.isArray() && n.size() == 2 ? "[" + number(n.get(0)) + ", " + number(n.get(1)) + "]" : "-";
    }
}
