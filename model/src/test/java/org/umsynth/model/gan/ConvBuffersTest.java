package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The float copies between ND4J arrays and Java arrays that the fast layers rely on. */
class ConvBuffersTest {
    @Test
    void aCroppedViewIsReadRowByRowInCOrder() {
        INDArray full = Nd4j.rand(DataType.FLOAT, 2, 3, 7, 6);
        // as Cropping2D returns it: a view, not contiguous, unit stride along rows
        INDArray crop = full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(1, 6),
                NDArrayIndex.interval(0, 5));
        assertFalse(ConvBuffers.isContiguousC(crop));
        float[] expected = crop.dup('c').data().asFloat();
        float[] read = ConvBuffers.floatValues(crop, Scratch.IN);
        assertArrayEquals(expected, java.util.Arrays.copyOf(read, expected.length));

        // a view along the first axes only, and one with a stride along the rows (not covered: falls back to dup)
        INDArray images = full.get(NDArrayIndex.interval(1, 2), NDArrayIndex.interval(1, 3), NDArrayIndex.all(),
                NDArrayIndex.all());
        assertArrayEquals(images.dup('c').data().asFloat(),
                java.util.Arrays.copyOf(ConvBuffers.floatValues(images, Scratch.IN), (int) images.length()));
        INDArray strided = full.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.interval(0, 2, 6));
        assertFalse(ConvBuffers.rowsOfView(strided, new float[(int) strided.length()]));
        assertArrayEquals(strided.dup('c').data().asFloat(),
                java.util.Arrays.copyOf(ConvBuffers.floatValues(strided, Scratch.IN), (int) strided.length()));
    }

    @Test
    void channelRowsRoundTrip() {
        int n = 3;
        int channels = 4;
        int pixels = 5;
        INDArray images = Nd4j.rand(DataType.FLOAT, n, channels, pixels);
        INDArray rows = Nd4j.create(DataType.FLOAT, channels, 2L * pixels);
        ConvBuffers.toChannelRows(images, 1, 2, channels, pixels, rows);
        for (int j = 0; j < 2; j++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < pixels; p++) {
                    assertEquals(images.getFloat(1 + j, c, p), rows.getFloat(c, j * pixels + p), "image " + j);
                }
            }
        }
        INDArray back = Nd4j.zeros(DataType.FLOAT, n, channels, pixels);
        ConvBuffers.fromChannelRows(rows, 2, channels, pixels, back, 1);
        assertEquals(images.get(NDArrayIndex.interval(1, 3)), back.get(NDArrayIndex.interval(1, 3)));
        assertTrue(back.get(NDArrayIndex.point(0)).amaxNumber().doubleValue() == 0.0, "image 0 untouched");
    }
}
