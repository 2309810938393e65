package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MasksConfig;
import org.umsynth.config.PhantomConfig;
import org.umsynth.config.ReportConfig;
import org.umsynth.report.HeadlessChromium;
import org.umsynth.report.ReportFixtures;
import org.umsynth.testing.SparkTestBase;

/** The report on a small real dataset root: every section, only local valid images, and Chromium renders it. */
class ReportJobTest extends SparkTestBase {
    private static final Pattern IMG = Pattern.compile("<img\\b[^>]*>");
    private static final Pattern SRC = Pattern.compile("\\bsrc=\"([^\"]*)\"");
    private static final Pattern ALT = Pattern.compile("\\balt=\"([^\"]+)\"");
    private static Path data;
    private static long syntheticSamples;

    @BeforeAll
    static void buildDatasetRoot() throws IOException {
        Path root = newFolder("report");
        PhantomConfig phantom = new PhantomConfig();
        phantom.size = 64;
        phantom.slices = 16;
        PhantomJob.run(spark, 3, 11, root.resolve("phantoms").toString(), phantom);
        // An unreadable input, so the quarantine has a row; and one case without label.
        Files.writeString(root.resolve("phantoms/images/broken.nii.gz"), "not a NIfTI file");
        Files.delete(root.resolve("phantoms/labels/phantom_0002.nii.gz"));
        data = root.resolve("data");
        IngestJob.run(spark, root.resolve("phantoms/images").toString(), root.resolve("phantoms/labels").toString(),
                data.toString(), new IngestConfig(), false);
        MasksConfig masks = new MasksConfig();
        masks.resolution = 32;
        masks.nSegments = 16;
        MasksJob.run(spark, data.toString(), masks, false, null);
        syntheticSamples = ReportFixtures.syntheticSet(spark, data.toString(), "demo");
        ReportFixtures.trainingRun(data, "tiny", 30);
        ReportFixtures.metrics(data, "demo-vs-real", "demo");
    }

    @Test
    void reportShowsEverySectionWithLocalValidImagesAndRendersInChromium() throws Exception {
        ReportConfig config = new ReportConfig();
        config.samples = 4;
        ReportJob.Summary summary = ReportJob.run(spark, data.toString(), null, config);
        Path dir = data.resolve("report");
        Path index = dir.resolve(ReportJob.INDEX);
        assertTrue(Files.isRegularFile(index));
        String html = Files.readString(index);

        List<String> sources = checkImages(dir, html);
        assertEquals(new HashSet<>(sources), summary.images(), "the page shows exactly the images written");
        assertEquals(Set.copyOf(sources).size(), sources.size(), "no image shown twice");
        assertEquals(Math.min(4, syntheticSamples), sources.stream().filter(s -> s.startsWith("synthetic_demo_")).count());
        assertEquals(5, sources.stream().filter(s -> s.startsWith("loss_tiny_")).count(), "d, gan, l1, dice, ce");
        assertEquals(2, sources.stream().filter(s -> s.startsWith("heat_demo-vs-real_demo_")).count(), "FID and STD");
        assertEquals(2, sources.stream().filter(s -> s.startsWith("trainsample_tiny_")).count());
        // A grid row is 4 pictures of 192 px with titles above.
        BufferedImage row = ImageIO.read(dir.resolve(sources.stream().filter(s -> s.startsWith("synthetic_")).findFirst().get()).toFile());
        assertEquals(4 * 192 + 3 * 6, row.getWidth());
        assertEquals(192 + 18, row.getHeight());
        assertTrue(colouredPixels(row, 2 * (192 + 6), 3 * (192 + 6) - 6) > 100, "segmentation overlaid in colour");
        assertEquals(0, colouredPixels(row, 3 * (192 + 6), row.getWidth()), "the source slice is grey");
        BufferedImage copied = ImageIO.read(dir.resolve("trainsample_tiny_epoch_001.png").toFile());
        assertEquals(64, copied.getWidth(), "training samples are copied as they are");

        // Counts: 3 phantom cases (2 labelled), the broken file quarantined by ingest.
        assertTrue(html.contains("<td>all</td><td class=\"num\">3</td>"), "3 cases in all");
        assertTrue(html.contains("<td class=\"num\">2</td></tr>"), "2 labelled cases");
        assertTrue(html.contains("<td>ingest</td>"), "quarantine grouped by stage");
        assertTrue(html.contains("NON-STANDARD") && html.contains("inception_v3_nsfwjs (non-standard)"));
        assertTrue(html.contains("0.4931 ± 0.0823"), "MM-FID aggregate with its std");
        assertTrue(html.contains("[8.5000, 12.5000]"), "FID CI of the first cell");
        assertTrue(html.contains("<td>n/a</td>"), "null STD CI shown as n/a");
        assertTrue(html.contains("iteration&quot;: 20") || html.contains("<td>20</td>"), "latest checkpoint's iteration");
        assertTrue(html.contains("run.json"), "the run's JSON files are listed");
        // Text from the data is escaped, never markup.
        assertTrue(html.contains("run-&lt;b&gt;&amp;co&lt;/b&gt;") && !html.contains("<b>&co</b>"));
        assertTrue(html.contains("&lt;not FID weights&gt;"));
        assertFalse(html.contains("<script"), "no script");
        assertFalse(html.matches("(?s).*(src|href)=\"(https?:|//).*"), "no external asset");

        if (Boolean.getBoolean("umsynth.report.skipBrowser")) {
            return;
        }
        HeadlessChromium.ensureInstalled();
        Path screenshot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        HeadlessChromium.Run run = HeadlessChromium.screenshot(index, screenshot, 2000);
        assertEquals(0, run.exitCode(), "chromium failed:\n" + run.log());
        // Broken images are caught by the file checks above (Chromium does not log them); script errors it logs.
        assertFalse(run.log().contains(":CONSOLE"), "console output (a script error?):\n" + run.log());
        List<String> domImages = new ArrayList<>();
        Matcher m = IMG.matcher(run.dom());
        while (m.find()) {
            domImages.add(m.group());
        }
        assertEquals(sources.size(), domImages.size(), "Chromium's DOM holds every image");
        BufferedImage shot = ImageIO.read(screenshot.toFile());
        assertNotNull(shot, "screenshot is a PNG");
        assertEquals(1200, shot.getWidth());
        assertTrue(distinctColours(shot) > 200, "the screenshot shows pictures, not a blank page");
        Files.copy(index, Path.of("target", "report-index.html"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void emptyRootGivesOneNotePerSectionAndNoImages() throws IOException {
        Path empty = newFolder("report-empty");
        Path out = newFolder("report-empty-out");
        Files.writeString(out.resolve("loss_old_d.png"), "an earlier report's chart");
        Files.writeString(out.resolve("keep.png"), "not the report's");
        ReportJob.Summary summary = ReportJob.run(spark, empty.toString(), out.toString(), new ReportConfig());
        String html = Files.readString(out.resolve(ReportJob.INDEX));
        assertTrue(summary.images().isEmpty());
        assertFalse(html.contains("<img"));
        for (String note : List.of("No slices table", "No quarantine table", "No masks table: run masks.",
                "No synthetic set under ROOT/synthetic", "No training run under ROOT/models: run train.",
                "No metrics under ROOT/metrics", "No masks table: no mask parameters.")) {
            assertTrue(html.contains(note), note);
        }
        assertFalse(Files.exists(empty.resolve("report")), "--out was honoured");
        assertFalse(Files.exists(out.resolve("loss_old_d.png")), "an earlier report's image is removed");
        assertTrue(Files.exists(out.resolve("keep.png")), "other files in the folder are left alone");
    }

    /** Every img has alt text and a local src naming a valid PNG in the report folder; returns the srcs. */
    private static List<String> checkImages(Path dir, String html) throws IOException {
        List<String> sources = new ArrayList<>();
        Matcher m = IMG.matcher(html);
        while (m.find()) {
            String tag = m.group();
            Matcher src = SRC.matcher(tag);
            assertTrue(src.find(), tag);
            assertTrue(ALT.matcher(tag).find(), "alt text: " + tag);
            String name = src.group(1).replace("&amp;", "&");
            assertFalse(name.contains("/") || name.contains(":"), "a file next to index.html: " + name);
            Path file = dir.resolve(name);
            assertTrue(Files.isRegularFile(file), "missing image " + name);
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, "not a readable PNG: " + name);
            assertTrue(image.getWidth() > 16 && image.getHeight() > 16, name);
            sources.add(name);
        }
        assertFalse(sources.isEmpty());
        return sources;
    }

    /** Pixels in columns [x0, x1) whose red, green and blue differ by more than 20. */
    private static int colouredPixels(BufferedImage image, int x0, int x1) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xFF;
                int g = (rgb >> 8) & 0xFF;
                int b = rgb & 0xFF;
                n += Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 20 ? 1 : 0;
            }
        }
        return n;
    }

    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
