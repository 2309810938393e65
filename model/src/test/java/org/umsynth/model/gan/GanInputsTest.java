package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class GanInputsTest {
    @Test
    void oneHotRejectsLabelsOutsideTheClasses() {
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, GanInputs.oneHot(new byte[] {0, 2}, 3));
        assertThrows(IllegalArgumentException.class, () -> GanInputs.oneHot(new byte[] {3}, 3));
    }

    @Test
    void imagesMapBackToHuAndBatchesStack() {
        assertArrayEquals(new float[] {-1500, -1500, -700, 100, 100},
                GanInputs.hu(new float[] {-2, -1, 0, 1, 1.5f}), 1e-3f);
        Random r = new Random(5);
        GanTrainerTest.Sample a = GanTrainerTest.phantom(16, r);
        GanTrainerTest.Sample b = GanTrainerTest.phantom(16, r);
        INDArray batch = GanInputs.batch(List.of(a.condition(), b.condition()), 2, 16, 16);
        assertArrayEquals(new long[] {2, 2, 16, 16}, batch.shape());
        assertEquals(b.condition()[300], batch.getFloat(1, 1, 2, 12), 0f);
        byte[] lab = new byte[256];
        for (int i = 0; i < 256; i++) {
            lab[i] = (byte) a.label()[i];
        }
        INDArray probs = GanInputs.batch(List.of(GanInputs.oneHot(lab, 3)), 3, 16, 16);
        assertArrayEquals(lab, GanInputs.labels(probs));
    }
}
