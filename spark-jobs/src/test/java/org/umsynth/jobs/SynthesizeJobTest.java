package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.config.IngestConfig;
import org.umsynth.config.MasksConfig;
import org.umsynth.config.PhantomConfig;
import org.umsynth.config.SynthesizeConfig;
import org.umsynth.config.TrainConfig;
import org.umsynth.io.nifti.NiftiReader;
import org.umsynth.io.volume.PixelCodec;
import org.umsynth.io.volume.Volume;
import org.umsynth.testing.SparkTestBase;

/** Phantoms -> ingest -> masks -> a very short training -> synthesis, exports and determinism. */
class SynthesizeJobTest extends SparkTestBase {
    private static final int SIDE = 32;
    private static Path root;
    private static String data;

    @BeforeAll
    static void trainTinyGenerator() throws IOException {
        root = newFolder("synth");
        PhantomConfig phantom = new PhantomConfig();
        phantom.size = 64;
        phantom.slices = 32;
        PhantomJob.run(spark, 4, 3, root.resolve("phantoms").toString(), phantom);
        data = root.resolve("data").toString();
        IngestJob.run(spark, root.resolve("phantoms/images").toString(), root.resolve("phantoms/labels").toString(), data,
                new IngestConfig(), false);
        MasksConfig masks = new MasksConfig();
        masks.resolution = SIDE;
        masks.nSegments = 32;
        MasksJob.run(spark, data, masks, false, null);
        TrainJob.run(spark, data, microTraining(), "tiny", false, false, 2);
    }

    static TrainConfig microTraining() {
        TrainConfig c = TrainJobTest.micro();
        c.decayEpochs = 0;
        c.checkpointEvery = 1;
        c.samples = 1;
        return c;
    }

    @Test
    void perturbedSamplesAreDeterministicAndCarryProvenance() throws IOException {
        SynthesizeConfig c = new SynthesizeConfig();
        c.samplesPerMask = 2;
        c.lesions = 1;
        c.jitterSteps = 1;
        c.seed = 5;
        SynthesizeJob.Summary first = SynthesizeJob.run(spark, data, "tiny", null, "a", null, null, c, false);
        SynthesizeJob.Summary again = SynthesizeJob.run(spark, data, "tiny", null, "b", null, null, c, false);
        long masks = spark.read().parquet(data + "/masks").count();
        assertEquals(2 * masks, first.samples());
        Map<String, Row> a = byId(data + "/synthetic/a");
        Map<String, Row> b = byId(data + "/synthetic/b");
        assertEquals(a.keySet(), b.keySet());
        for (String id : a.keySet()) {
            assertArrayEquals((byte[]) a.get(id).getAs("image"), (byte[]) b.get(id).getAs("image"), "same seed, same bytes: " + id);
            assertArrayEquals((byte[]) a.get(id).getAs("seg"), (byte[]) b.get(id).getAs("seg"));
        }
        Row any = a.values().iterator().next();
        assertEquals(SIDE * SIDE * 2, ((byte[]) any.getAs("image")).length);
        assertTrue(((String) any.getAs("model_id")).startsWith("tiny/"), (String) any.getAs("model_id"));
        assertTrue(((String) any.getAs("perturbation")).contains("\"random\""), (String) any.getAs("perturbation"));
        for (float hu : PixelCodec.decodeHu(any.getAs("image"))) {
            assertTrue(hu >= -1500 && hu <= 100, "HU inside the training window: " + hu);
        }
        // The two samples of one UM differ: their perturbations have their own seeds.
        Row k0 = a.get(any.getAs("case_id") + "_z" + String.format("%03d", (int) any.getAs("slice_index")) + "_000");
        Row k1 = a.get(any.getAs("case_id") + "_z" + String.format("%03d", (int) any.getAs("slice_index")) + "_001");
        assertTrue(!java.util.Arrays.equals((byte[]) k0.getAs("um"), (byte[]) k1.getAs("um")));
        assertTrue(first.slicesPerSecond() > 0 && again.samples() == first.samples());
    }

    @Test
    void niftiExportIsAnNnUnetDataset() throws IOException {
        SynthesizeConfig c = new SynthesizeConfig();
        c.count = 3;
        c.export = SynthesizeConfig.Export.NIFTI;
        Path out = root.resolve("export");
        SynthesizeJob.run(spark, data, "tiny", null, "exported", null, out.toString(), c, false);
        String json = Files.readString(out.resolve("dataset.json"));
        assertTrue(json.contains("\"numTraining\": 3") && json.contains("\"lesion\": 2"), json);
        try (var images = Files.list(out.resolve("imagesTr")); var labels = Files.list(out.resolve("labelsTr"))) {
            List<Path> imageFiles = images.sorted().toList();
            assertEquals(3, imageFiles.size());
            assertEquals(3, labels.count());
            Path image = imageFiles.get(0);
            assertTrue(image.getFileName().toString().endsWith("_0000.nii.gz"));
            Path label = out.resolve("labelsTr").resolve(image.getFileName().toString().replace("_0000.nii.gz", ".nii.gz"));
            Volume iv;
            Volume lv;
            try (InputStream in = Files.newInputStream(image)) {
                iv = NiftiReader.read(in, "image").volume();
            }
            try (InputStream in = Files.newInputStream(label)) {
                lv = NiftiReader.read(in, "label").volume();
            }
            assertTrue(iv.sameGrid(lv), "image and label on the same grid");
            assertEquals(SIDE, iv.cols());
        }
    }

    @Test
    void repeatsWithoutPerturbationAndWrongRunsAreRefused() {
        SynthesizeConfig c = new SynthesizeConfig();
        c.samplesPerMask = 3;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SynthesizeJob.run(spark, data, "tiny", null, "dup", null, null, c, false));
        assertTrue(e.getMessage().contains("identical samples"), e.getMessage());
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> SynthesizeJob.run(spark, data, "nosuchrun", null, null, null, null, new SynthesizeConfig(), false));
        assertTrue(missing.getMessage().contains("train the run first"), missing.getMessage());
    }

    private static Map<String, Row> byId(String table) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : spark.read().parquet(table).collectAsList()) {
            m.put(r.getAs("sample_id"), r);
        }
        return m;
    }
}
