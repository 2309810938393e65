package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.IngestConfig;
import org.umsynth.testing.IngestCorpus;
import org.umsynth.testing.SparkTestBase;
import picocli.CommandLine;

/** {@code inspect} summaries, and the help every command prints. */
class InspectJobTest extends SparkTestBase {

    @Test
    @SuppressWarnings("unchecked")
    void summarisesSlicesAndQuarantine() throws IOException {
        Path root = newFolder("inspect");
        IngestCorpus corpus = IngestCorpus.create(root.resolve("in"));
        String data = root.resolve("data").toString();
        IngestJob.run(spark, corpus.images.toString(), corpus.labels.toString(), data, new IngestConfig(), false);

        Map<String, Object> slices = InspectJob.inspect(spark, data + "/slices");
        long expectedSlices = corpus.expectedVolumes.values().stream().mapToLong(Integer::longValue).sum();
        assertEquals(expectedSlices, slices.get("rows"));
        assertEquals(true, slices.get("complete"));
        Map<String, Map<String, Long>> splits = (Map<String, Map<String, Long>>) slices.get("splits");
        assertEquals(corpus.expectedVolumes.size(),
                splits.values().stream().mapToLong(m -> m.get("cases")).sum());
        assertEquals(2L, slices.get("labelledCases"), "good_a and the DICOM series have labels");
        Map<String, Object> rows = ((List<Map<String, Object>>) slices.get("columns")).stream()
                .filter(c -> c.get("name").equals("rows")).findFirst().orElseThrow();
        assertEquals(64, rows.get("min"), "the phantoms");
        assertEquals(512, rows.get("max"), "rle.dcm");

        Map<String, Object> quarantine = InspectJob.inspect(spark, data + "/quarantine");
        assertEquals((long) corpus.expectedReasons.size(), quarantine.get("rows"));
        List<Map<String, Object>> reasons = (List<Map<String, Object>>) quarantine.get("reasons");
        assertTrue(reasons.stream().allMatch(r -> "ingest".equals(r.get("stage"))), reasons.toString());
    }

    @Test
    void everyCommandHasHelpListingItsConfigKeys() {
        for (String command : List.of("phantom", "ingest", "masks", "inspect")) {
            CommandLine cli = Umsynth.commandLine();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            cli.setOut(new PrintWriter(out, true));
            assertEquals(0, cli.execute(command, "--help"), command);
            String help = out.toString();
            assertTrue(help.contains("Usage: umsynth " + command), help);
            if (!command.equals("inspect")) {
                assertTrue(help.contains(command + "."), "config keys listed for " + command + ":\n" + help);
            }
        }
    }
}
