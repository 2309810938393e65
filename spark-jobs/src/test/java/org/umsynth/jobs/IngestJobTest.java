package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.cli.Umsynth;
import org.umsynth.config.IngestConfig;
import org.umsynth.io.nifti.NiftiReader;
import org.umsynth.io.volume.Volume;
import org.umsynth.tables.Tables;
import org.umsynth.testing.IngestCorpus;
import org.umsynth.testing.SparkTestBase;

/** Ingest end to end on the local file system, over a corpus of good and bad inputs. */
class IngestJobTest extends SparkTestBase {
    private static IngestCorpus corpus;
    private static Path data;
    private static IngestJob.Summary summary;
    private static Dataset<Row> slices;
    private static Map<String, String> quarantine;

    @BeforeAll
    static void ingestCorpus() throws IOException {
        Path root = newFolder("ingest");
        corpus = IngestCorpus.create(root.resolve("in"));
        data = root.resolve("data");
        summary = IngestJob.run(spark, corpus.images.toString(), corpus.labels.toString(), data.toString(),
                new IngestConfig(), false);
        slices = spark.read().parquet(data.resolve("slices").toString()).cache();
        quarantine = new HashMap<>();
        for (Row r : spark.read().parquet(data.resolve("quarantine").toString()).collectAsList()) {
            quarantine.put(r.getAs("source"), r.getAs("reason"));
            assertEquals("ingest", r.getAs("stage"));
        }
    }

    @Test
    void everyGoodInputIsIngestedWithAllItsSlices() {
        for (Map.Entry<String, Integer> e : corpus.expectedVolumes.entrySet()) {
            long n = slices.filter(slices.col("source").equalTo(e.getKey())).count();
            assertEquals(e.getValue().longValue(), n, "slices of " + e.getKey());
        }
        assertEquals(corpus.expectedVolumes.size(), slices.select("source").distinct().count());
        assertEquals(corpus.expectedVolumes.size(), summary.volumes());
    }

    @Test
    void everyBadInputIsQuarantinedWithItsReason() {
        for (Map.Entry<String, String> e : corpus.expectedReasons.entrySet()) {
            String reason = quarantine.get(e.getKey());
            assertNotNull(reason, "no quarantine row for " + e.getKey() + "; rows: " + quarantine);
            assertTrue(reason.contains(e.getValue()), e.getKey() + ": '" + reason + "' lacks '" + e.getValue() + "'");
        }
        assertEquals(corpus.expectedReasons.size(), quarantine.size(), "unexpected rows: " + quarantine);
        assertEquals(corpus.expectedReasons.size(), summary.quarantined());
        assertEquals(summary.units() + 1, summary.volumes() + summary.quarantined(),
                "inputs (+ the orphan label) = ingested + quarantined");
    }

    @Test
    void huAndLabelsAreStoredExactlyInCanonicalOrder() throws IOException {
        Volume image;
        Volume label;
        try (InputStream in = Files.newInputStream(corpus.images.resolve("good_a.nii.gz"))) {
            image = NiftiReader.read(in, "good_a").volume();
        }
        try (InputStream in = Files.newInputStream(corpus.labels.resolve("good_a.nii.gz"))) {
            label = NiftiReader.read(in, "good_a label").volume();
        }
        List<Row> rows = slices.filter(slices.col("source").equalTo("good_a.nii.gz")).orderBy("slice_index").collectAsList();
        for (Row r : rows) {
            int z = r.getAs("slice_index");
            assertEquals(image.rows(), (int) r.getAs("rows"));
            assertEquals(image.cols(), (int) r.getAs("cols"));
            assertEquals(image.spacingZ(), (double) r.getAs("spacing_z"), 1e-6);
            short[] hu = new short[image.sliceSize()];
            ByteBuffer.wrap(r.getAs("hu")).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(hu);
            float[] expected = image.slice(z);
            for (int i = 0; i < hu.length; i++) {
                assertEquals(Math.round(expected[i]), hu[i], "HU at slice " + z + " pixel " + i);
            }
            byte[] lab = r.getAs("label");
            float[] expectedLabel = label.slice(z);
            for (int i = 0; i < lab.length; i++) {
                assertEquals((int) expectedLabel[i], lab[i]);
            }
        }
        assertNull(slices.filter(slices.col("source").equalTo("good_b.nii")).first().getAs("label"), "unlabelled case");
        assertNotNull(slices.filter(slices.col("source").equalTo("dicom_series")).first().getAs("label"), "DICOM folder label");
    }

    @Test
    void dicomSeriesIsOrderedBySlicePositionNotFileName() {
        List<Row> rows = slices.filter(slices.col("source").equalTo("dicom_series")).orderBy("slice_index").collectAsList();
        // The phantom's slices differ; the series was written with shuffled file names: each stored
        // slice must equal the phantom slice of the same index (checked through the label pairing).
        assertEquals(5, rows.size());
        for (int z = 0; z < 5; z++) {
            assertEquals(z, (int) rows.get(z).getAs("slice_index"));
        }
        // z spacing comes from the positions
        assertEquals(IngestCorpus.smallPhantom().spacingZ(), (double) rows.get(0).getAs("spacing_z"), 1e-6);
    }

    @Test
    void noPatientOrInstitutionNameIsStoredAnywhere() throws IOException {
        List<String> forbidden = List.of(IngestCorpus.PATIENT_NAME, IngestCorpus.PATIENT_ID, IngestCorpus.INSTITUTION, "2.25.424242");
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String s : forbidden) {
                    assertFalse(content.contains(s), s + " found in " + f);
                }
            }
        }
        for (Row r : slices.select("case_id", "source").distinct().collectAsList()) {
            assertTrue(r.getString(0).matches("c[0-9a-f]{24}"), r.getString(0));
        }
    }

    @Test
    void casesAreSplitByCaseNeverBySlice() {
        assertEquals(slices.select("case_id").distinct().count(), slices.select("case_id", "split").distinct().count());
        assertEquals(corpus.expectedVolumes.size(), slices.select("case_id").distinct().count());
    }

    @Test
    void rerunRefusesExistingOutputAndOverwriteReplacesIt() throws IOException {
        Path root = newFolder("rerun");
        IngestCorpus small = IngestCorpus.createGoodOnly(root.resolve("in"));
        String out = root.resolve("data").toString();
        IngestJob.run(spark, small.images.toString(), null, out, new IngestConfig(), false);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> IngestJob.run(spark, small.images.toString(), null, out, new IngestConfig(), false));
        assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
        IngestConfig allTest = new IngestConfig();
        allTest.testFraction = 1.0;
        IngestJob.run(spark, small.images.toString(), null, out, allTest, true);
        Dataset<Row> replaced = spark.read().parquet(out + "/slices");
        assertEquals(List.of("test"), replaced.select("split").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        assertFalse(Files.exists(root.resolve("data/_staging")), "staging cleaned up");
        assertTrue(Files.exists(root.resolve("data/slices/_SUCCESS")));
    }

    @Test
    void configErrorsExitWithCode2BeforeAnySparkWork() {
        int code = Umsynth.execute("ingest", "--input", corpus.images.toString(), "--data", "unused",
                "--set", "ingest.testFractoin=0.1");
        assertEquals(2, code);
        assertEquals(2, Umsynth.execute("ingest", "--data", "x"), "missing --input is a usage error");
    }

    @Test
    void quarantineTableIsReadableAsOneTableWithAStageColumn() {
        Dataset<Row> q = spark.read().parquet(data.resolve(Tables.QUARANTINE).toString());
        assertTrue(List.of(q.columns()).contains("stage"));
        assertEquals(quarantine.size(), q.count());
    }

    @Test
    void huIsStoredAsLittleEndianInt16OfTheRightSize() {
        Row r = slices.filter(slices.col("source").equalTo("rle")).first();
        byte[] hu = r.getAs("hu");
        assertEquals(2 * 512 * 512, hu.length);
        assertArrayEquals(new int[]{512, 512}, new int[]{r.getAs("rows"), r.getAs("cols")});
    }
}
