package org.umsynth.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.umsynth.config.ReportConfig;
import org.umsynth.jobs.ReportJob;
import org.umsynth.testing.SparkTestBase;

/** The report's Experiment section from a claims.json and sweep.csv written as the experiment writes them. */
class ExperimentSectionTest extends SparkTestBase {

    @Test
    void rendersTheClaimsTableAndTheSweepPlots() throws Exception {
        Path root = newFolder("experiment-report");
        Path dir = Files.createDirectories(root.resolve("experiments/demo"));
        for (String file : new String[]{"claims.json", "sweep.csv"}) {
            try (var in = getClass().getResourceAsStream("/experiment/root/experiments/demo/" + file)) {
                Files.copy(in, dir.resolve(file));
            }
        }
        ReportJob.Summary summary = ReportJob.run(spark, root.toString(), null, new ReportConfig());
        String page = Files.readString(Path.of(summary.index().toUri()));
        assertTrue(page.contains("<h2 id=\"experiment\">Experiment: UM-guided vs seg-guided synthesis</h2>"), page);
        assertTrue(page.contains("href=\"#experiment\""), "in the table of contents");
        assertTrue(page.contains("<td>fidelity</td><td>0.6212 vs 0.7837</td><td>-</td><td>1.0000</td><td>inconclusive</td>"), page);
        assertTrue(page.contains("<td>variety</td><td>0.8100 vs 0.5800</td><td>[0.2100, 0.3900]</td><td>0.0313</td><td>holds</td>"),
                page);
        assertTrue(page.contains("<td>utility (lung)</td><td>0.8800 vs 0.8300</td><td>[0.0200, 0.0800]</td><td>0.0156</td>"
                + "<td>holds</td>"), page);
        assertTrue(page.contains("<td>utility</td><td>- vs -</td><td>-</td><td>-</td><td>does not hold</td>"), page);
        assertTrue(page.contains("2 of 8 labelled training cases"), page);
        Set<String> images = summary.images();
        for (String chart : new String[]{"experiment_demo_dice.png", "experiment_demo_mmfid.png"}) {
            assertTrue(images.contains(chart), images.toString());
            BufferedImage png = ImageIO.read(root.resolve("report").resolve(chart).toFile());
            assertNotNull(png, chart);
            assertEquals(640, png.getWidth());
            assertTrue(page.contains("src=\"" + chart + "\""), chart);
        }
    }

    @Test
    void noExperimentsNoSection() throws Exception {
        Path root = newFolder("experiment-report-none");
        ReportJob.Summary summary = ReportJob.run(spark, root.toString(), null, new ReportConfig());
        String page = Files.readString(Path.of(summary.index().toUri()));
        assertFalse(page.contains("id=\"experiment\""));
        assertFalse(page.contains("#experiment"));
    }
}
