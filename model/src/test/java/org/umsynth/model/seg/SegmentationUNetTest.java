package org.umsynth.model.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.features.Extractors;
import org.umsynth.model.features.FeatureExtractor;

class SegmentationUNetTest {
    private static final UNetSpec SPEC = new UNetSpec(16, 2, 8, 3, 1e-2, 1.0);

    @Test
    void shapesOfSegmenterAndEncoder() throws Exception {
        ComputationGraph net = SegmentationUNet.create(SPEC, 1);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 16, 16).muli(2).subi(1);
        INDArray p = net.outputSingle(false, x);
        assertArrayEquals(new long[]{2, 3, 16, 16}, p.shape());
        INDArray sums = p.sum(1);
        assertEquals(1.0, sums.minNumber().doubleValue(), 1e-4, "softmax over classes per pixel");
        assertEquals(1.0, sums.maxNumber().doubleValue(), 1e-4);

        ComputationGraph encoder = SegmentationUNet.encoderOf(net, SPEC, 32);
        INDArray f = encoder.outputSingle(false, Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 1, 32, 32));
        assertArrayEquals(new long[]{3, SPEC.bottleneckChannels()}, f.shape(), "fully convolutional: any multiple of 4");
        assertEquals(32, SPEC.bottleneckChannels());

        assertEquals(SPEC, SegmentationUNet.specOf(net));
        assertThrows(IllegalArgumentException.class, () -> new UNetSpec(18, 2, 4, 3, 1e-3, 1));
        assertThrows(IllegalArgumentException.class, () -> SegmentationUNet.encoderConfiguration(SPEC, 30));
    }

    @Test
    void learnsATinySegmentationTask() {
        // bright discs (class 1) and a dark square (class 2) on a mid-grey background
        List<SegSample> samples = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 8; i++) {
            float[] img = new float[256];
            byte[] lab = new byte[256];
            java.util.Arrays.fill(img, 0f);
            int cx = 4 + r.nextInt(8);
            int cy = 4 + r.nextInt(8);
            int sx = r.nextInt(12);
            int sy = r.nextInt(12);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= 9) {
                        img[y * 16 + x] = 0.9f;
                        lab[y * 16 + x] = 1;
                    } else if (x >= sx && x < sx + 4 && y >= sy && y < sy + 4) {
                        img[y * 16 + x] = -0.9f;
                        lab[y * 16 + x] = 2;
                    }
                }
            }
            samples.add(new SegSample("c" + i, i, 16, img, lab));
        }
        DataSet batch = SegSample.dataSet(samples, 3);
        ComputationGraph net = SegmentationUNet.create(SPEC, 7);
        double before = net.score(batch);
        for (int i = 0; i < 40; i++) {
            net.fit(batch);
        }
        double after = net.score(batch);
        assertTrue(after < 0.25 * before, "loss " + before + " -> " + after);
        List<float[]> images = samples.stream().map(SegSample::image).toList();
        byte[][] predicted = DiceScores.predict(net, images, 16);
        long[] counts = new long[6];
        for (int i = 0; i < samples.size(); i++) {
            counts = DiceScores.add(counts, DiceScores.counts(predicted[i], samples.get(i).label(), 3));
        }
        assertTrue(DiceScores.dice(counts, 1) > 0.8, "disc Dice " + DiceScores.dice(counts, 1));
        assertTrue(DiceScores.dice(counts, 2) > 0.8, "square Dice " + DiceScores.dice(counts, 2));
    }

    @Test
    void savedSegmenterServesAsFeatureExtractor() throws Exception {
        ComputationGraph net = SegmentationUNet.create(SPEC, 5);
        java.nio.file.Path zip = java.nio.file.Files.createTempFile("segmenter", ".zip");
        ModelSerializer.writeModel(net, zip.toFile(), false);
        FeatureExtractor e = Extractors.load("segmenter:" + zip, null, 4);
        assertTrue(e.name().startsWith("segmenter_bottleneck_gap_"), e.name());
        assertEquals(32, e.dimension());
        float[][] images = new float[5][32 * 32];
        for (int i = 0; i < images.length; i++) {
            for (int k = 0; k < images[i].length; k++) {
                images[i][k] = (float) Math.sin(0.01 * (i + 1) * k);
            }
        }
        double[][] f = e.extract(images, 32);
        assertEquals(5, f.length);
        assertEquals(32, f[0].length);
        assertNotEquals(f[0][0] + f[0][1], f[1][0] + f[1][1], "different images, different features");
        // the batch size must not change the features
        double[][] single = Extractors.load("segmenter:" + zip, null, 1).extract(images, 32);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(f[i], single[i], 1e-5);
        }
        // same parameters as the segmenter's encoder
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes(net)), false);
        assertEquals(net.params(), restored.params());
    }

    private static byte[] bytes(ComputationGraph net) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, false);
        return out.toByteArray();
    }
}
