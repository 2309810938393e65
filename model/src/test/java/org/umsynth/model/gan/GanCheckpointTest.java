package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/** {@link GanCheckpoint}: checkpoints written before the fast layers existed still resume. */
class GanCheckpointTest {
    @TempDir
    java.nio.file.Path dir;

    /**
     * A checkpoint of the stock-layer networks whose state predates {@code GanProfile.stockLayers} (no such key in
     * {@code state.json}): the profile reads as the default (fast layers), the model zips restore the stock layers
     * they were saved with, and a trainer built from them has a generator with the fast layers that computes what
     * the saved one computed (same parameter keys and shapes), and trains on.
     */
    @Test
    void aCheckpointFromBeforeTheFastLayersResumes() throws Exception {
        GanProfile stock = GanTestProfiles.micro().withStockLayers(true);
        GanTrainer before = new GanTrainer(stock, 5);
        Random r = new Random(2);
        GanTrainer.Batch batch = GanTrainerTest.batch(stock,
                List.of(GanTrainerTest.phantom(32, r), GanTrainerTest.phantom(32, r)));
        before.step(batch);
        INDArray[] expected = before.generate(batch.condition());

        FileSystem fs = FileSystem.getLocal(new Configuration());
        Path checkpoints = new Path(dir.toUri());
        GanCheckpoint.State state = new GanCheckpoint.State(0, "labelled", 1, 1, 5, stock, Map.of());
        Path saved = GanCheckpoint.save(fs, checkpoints, state, before.generator(), before.discriminator(),
                before.combined(), null);
        // the state file as the sessions before the fast layers wrote it: no stockLayers flag
        ObjectMapper json = new ObjectMapper();
        Path stateFile = new Path(saved, GanCheckpoint.STATE);
        Map<String, Object> m;
        try (InputStream in = fs.open(stateFile)) {
            m = json.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() {});
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> profile = (Map<String, Object>) m.get("profile");
        assertNotNull(profile.remove("stockLayers"));
        try (OutputStream out = fs.create(stateFile, true)) {
            out.write(json.writeValueAsBytes(m));
        }

        GanCheckpoint.Loaded loaded = GanCheckpoint.load(fs, GanCheckpoint.latest(fs, checkpoints).orElseThrow());
        assertFalse(loaded.state().profile().stockLayers());
        assertEquals(stock.withStockLayers(false), loaded.state().profile());
        ComputationGraph combined = loaded.combined();
        assertEquals(ConvolutionLayer.class, combined.getLayer("g_conv0").conf().getLayer().getClass(),
                "the zip restores the layers it was saved with");
        assertEquals(before.combined().params(), combined.params());

        GanTrainer after = new GanTrainer(loaded.state().profile(), loaded.discriminator(), combined);
        assertInstanceOf(FastConvolution.class, after.generator().getLayer("g_conv0").conf().getLayer());
        INDArray[] actual = after.generate(batch.condition());
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1e-3, expected[i].amaxNumber().doubleValue());
            double diff = expected[i].sub(actual[i]).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-4 * scale, "generator output " + i + ": max |diff| " + diff);
        }
        GanTrainer.StepLosses losses = after.step(batch);
        assertTrue(Double.isFinite(losses.discriminator()) && Double.isFinite(losses.l1()), losses.toString());
    }
}
