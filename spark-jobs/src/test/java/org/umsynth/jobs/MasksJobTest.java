package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MasksConfig;
import org.umsynth.io.deid.CaseIds;
import org.umsynth.io.nifti.NiftiDataType;
import org.umsynth.io.nifti.NiftiWriter;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomCase;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.model.um.SliceMode;
import org.umsynth.model.um.SliceSelection;
import org.umsynth.testing.SparkTestBase;

/** The masks stage on ingested phantoms: slice choice, UM properties, quarantine, modes, determinism. */
class MasksJobTest extends SparkTestBase {
    private static final PhantomOptions OPTIONS = PhantomOptions.forGrid(64, 32);
    private static Path root;
    private static String data;
    private static Map<String, PhantomCase> phantomsByCaseId = new HashMap<>();
    private static String labelledCase;
    private static String unlabelledCase;
    private static String airCase;
    private static String flatCase;

    @BeforeAll
    static void ingestPhantoms() throws IOException {
        root = newFolder("masks");
        Path images = root.resolve("in/images");
        Path labels = root.resolve("in/labels");
        Files.createDirectories(images);
        Files.createDirectories(labels);
        PhantomCase a = ChestPhantom.generate(5, 0, OPTIONS);
        PhantomCase b = ChestPhantom.generate(5, 1, OPTIONS);
        write(images.resolve("labelled.nii.gz"), a.image(), NiftiDataType.INT16);
        write(labels.resolve("labelled.nii.gz"), a.label(), NiftiDataType.UINT8);
        write(images.resolve("unlabelled.nii.gz"), b.image(), NiftiDataType.INT16);
        float[] air = new float[a.image().voxels().length];
        Arrays.fill(air, -1000f);
        Volume airVolume = new Volume(64, 64, 32, a.image().spacingX(), a.image().spacingY(), a.image().spacingZ(), air);
        write(images.resolve("air.nii.gz"), airVolume, NiftiDataType.INT16);
        // A flat image with a lung label: the slice is chosen but SLIC has nothing to segment.
        write(images.resolve("flat.nii.gz"), airVolume, NiftiDataType.INT16);
        write(labels.resolve("flat.nii.gz"), a.label(), NiftiDataType.UINT8);

        String secret = CaseIds.DEMO_SECRET;
        labelledCase = CaseIds.caseId(secret, "labelled.nii.gz");
        unlabelledCase = CaseIds.caseId(secret, "unlabelled.nii.gz");
        airCase = CaseIds.caseId(secret, "air.nii.gz");
        flatCase = CaseIds.caseId(secret, "flat.nii.gz");
        phantomsByCaseId.put(labelledCase, a);
        phantomsByCaseId.put(unlabelledCase, b);
        data = root.resolve("data").toString();
        IngestJob.run(spark, images.toString(), labels.toString(), data, new IngestConfig(), false);
    }

    private static MasksConfig config(SliceMode mode, int resolution) {
        MasksConfig c = new MasksConfig();
        c.mode = mode;
        c.resolution = resolution;
        c.nSegments = 64;
        return c;
    }

    @Test
    void fourSlicesPerCaseAtTheReferencePositionsWithQuantisedUms() throws IOException {
        MasksJob.Summary s = MasksJob.run(spark, data, config(SliceMode.FOUR, 64), true, root.resolve("png").toString());
        Dataset<Row> masks = spark.read().parquet(data + "/masks");
        Map<String, List<Integer>> slicesByCase = masks.collectAsList().stream().collect(Collectors.groupingBy(
                r -> r.getAs("case_id"), Collectors.mapping(r -> (Integer) r.getAs("slice_index"), Collectors.toList())));
        assertEquals(2, slicesByCase.size(), "labelled and unlabelled phantoms; air and flat cases quarantined: " + slicesByCase.keySet());
        assertEquals(8, s.masks());

        // Labelled case: exactly the reference arithmetic on the label's lung extent.
        PhantomCase a = phantomsByCaseId.get(labelledCase);
        boolean[] hasLung = new boolean[OPTIONS.slices()];
        for (int z = a.info().lungFirstSlice(); z <= a.info().lungLastSlice(); z++) {
            hasLung[z] = true;
        }
        int[] expected = SliceSelection.fromExtent(hasLung, SliceMode.FOUR, "label").indices();
        assertEquals(Arrays.stream(expected).boxed().sorted().toList(), slicesByCase.get(labelledCase).stream().sorted().toList());

        // Unlabelled case: the HU lung mask finds slices inside the true lung extent.
        PhantomCase b = phantomsByCaseId.get(unlabelledCase);
        for (int z : slicesByCase.get(unlabelledCase)) {
            assertTrue(z >= b.info().lungFirstSlice() && z <= b.info().lungLastSlice(), "slice " + z + " outside the lungs");
        }

        for (Row r : masks.collectAsList()) {
            byte[] um = r.getAs("um");
            assertEquals(64 * 64, um.length);
            assertEquals(64, (int) r.getAs("rows"));
            int distinct = 0;
            boolean[] seen = new boolean[256];
            for (byte v : um) {
                assertEquals(0, (v & 0xFF) % 10, "UM values are multiples of tr=10");
                if (!seen[v & 0xFF]) {
                    seen[v & 0xFF] = true;
                    distinct++;
                }
            }
            assertTrue(distinct >= 4, "piecewise-flat, but not flat: " + distinct + " levels");
            assertTrue(((String) r.getAs("params")).contains("\"n_segments\":64"), (String) r.getAs("params"));
            assertTrue((int) r.getAs("segments") > 20, "segments: " + r.getAs("segments"));
        }

        Map<String, String> reasons = spark.read().parquet(data + "/quarantine").filter("stage = 'masks'").collectAsList()
                .stream().collect(Collectors.toMap(r -> (String) r.getAs("source"), r -> (String) r.getAs("reason")));
        assertTrue(reasons.get("case " + airCase).contains("no lung found"), reasons.toString());
        assertEquals(5, reasons.size(), "air case + the 4 flat slices: " + reasons);
        assertTrue(reasons.keySet().stream().filter(k -> k.startsWith("case " + flatCase + " slice")).count() == 4, reasons.toString());
        try (var pictures = Files.list(root.resolve("png"))) {
            assertEquals(8, pictures.filter(p -> p.toString().endsWith(".png")).count());
        }
    }

    @Test
    void masksAreDeterministic() throws IOException {
        String other = root.resolve("data-copy").toString();
        MasksJob.run(spark, data, config(SliceMode.FOUR, 64), true, null);
        Map<String, byte[]> first = umBySlice(data);
        MasksJob.run(spark, data, config(SliceMode.FOUR, 64), true, null);
        Map<String, byte[]> second = umBySlice(data);
        assertEquals(first.keySet(), second.keySet());
        first.forEach((k, v) -> assertArrayEquals(v, second.get(k), k));
        assertTrue(other.length() > 0);
    }

    @Test
    void allModeCoversTheTrimmedLungExtentAndMontageTilesFour() throws IOException {
        MasksJob.run(spark, data, config(SliceMode.ALL, 64), true, null);
        PhantomCase a = phantomsByCaseId.get(labelledCase);
        boolean[] hasLung = new boolean[OPTIONS.slices()];
        for (int z = a.info().lungFirstSlice(); z <= a.info().lungLastSlice(); z++) {
            hasLung[z] = true;
        }
        SliceSelection all = SliceSelection.fromExtent(hasLung, SliceMode.ALL, "label");
        Dataset<Row> masks = spark.read().parquet(data + "/masks");
        assertEquals(all.zMax() - all.zMin() + 1, masks.filter(masks.col("case_id").equalTo(labelledCase)).count());

        MasksJob.run(spark, data, config(SliceMode.MONTAGE, 128), true, null);
        List<Row> montages = spark.read().parquet(data + "/masks").collectAsList();
        assertEquals(2, montages.size(), "one montage per usable case");
        for (Row r : montages) {
            assertEquals(128, (int) r.getAs("rows"));
            assertEquals(128 * 128, ((byte[]) r.getAs("um")).length);
            assertEquals(4, r.getList(r.fieldIndex("montage_slices")).size());
        }
    }

    private static Map<String, byte[]> umBySlice(String data) {
        Map<String, byte[]> map = new HashMap<>();
        for (Row r : spark.read().parquet(data + "/masks").collectAsList()) {
            map.put(r.getAs("case_id") + "/" + r.getAs("slice_index"), r.getAs("um"));
        }
        return map;
    }

    private static void write(Path path, Volume v, NiftiDataType type) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            NiftiWriter.write(v, type, out, true);
        }
    }
}
