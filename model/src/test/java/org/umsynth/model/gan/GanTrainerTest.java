package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.umsynth.model.gan.GanTrainer.Batch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;
import org.umsynth.model.um.UnsupervisedMask;

class GanTrainerTest {
    private static final Logger LOG = LoggerFactory.getLogger(GanTrainerTest.class);

    /** A chest-like slice: body ellipse, two lungs, a lesion disc; image in [-1, 1], labels 0/1/2, its UM. */
    record Sample(float[] condition, float[] image, int[] label) {}

    static Sample phantom(int side, Random r) {
        float[] image = new float[side * side];
        int[] label = new int[side * side];
        byte[] um = new byte[side * side];
        double c = (side - 1) / 2.0;
        double bodyA = side * (0.42 + 0.05 * r.nextDouble());
        double bodyB = side * (0.32 + 0.05 * r.nextDouble());
        double lungA = side * (0.13 + 0.04 * r.nextDouble());
        double lungB = side * (0.2 + 0.04 * r.nextDouble());
        double lungX = side * (0.2 + 0.03 * r.nextDouble());
        double lesionX = c + (r.nextBoolean() ? -lungX : lungX) + side * 0.03 * r.nextGaussian();
        double lesionY = c + side * 0.05 * r.nextGaussian();
        double lesionR = side * (0.04 + 0.03 * r.nextDouble());
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x - c;
                double dy = y - c;
                double hu = -1000;
                int cls = 0;
                if (sq(dx / bodyA) + sq(dy / bodyB) <= 1) {
                    hu = 40;
                }
                if (sq((Math.abs(dx) - lungX) / lungA) + sq(dy / lungB) <= 1) {
                    hu = -850;
                    cls = 1;
                    if (sq(x - lesionX) + sq(y - lesionY) <= sq(lesionR)) {
                        hu = -300;
                        cls = 2;
                    }
                }
                double windowed = Math.min(255, Math.max(0, (hu + 1500) / 1600.0 * 255));
                int i = y * side + x;
                um[i] = (byte) ((int) (windowed / 10) * 10);
                image[i] = (float) Math.max(-1, Math.min(1, windowed / 127.5 - 1 + 0.03 * r.nextGaussian()));
                label[i] = cls;
            }
        }
        return new Sample(UnsupervisedMask.generatorInput(um, side, side), image, label);
    }

    private static double sq(double v) {
        return v * v;
    }

    static GanTrainer.Batch batch(GanProfile p, List<Sample> samples) {
        int n = samples.size();
        int side = p.resolution();
        int px = side * side;
        float[] cond = new float[n * 2 * px];
        float[] img = new float[n * px];
        float[] seg = new float[n * p.classes() * px];
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            System.arraycopy(s.condition(), 0, cond, i * 2 * px, 2 * px);
            System.arraycopy(s.image(), 0, img, i * px, px);
            for (int j = 0; j < px; j++) {
                seg[(i * p.classes() + s.label()[j]) * px + j] = 1f;
            }
        }
        return GanTrainer.Batch.labelled(p,
                Nd4j.createFromArray(cond).reshape(n, 2, side, side),
                Nd4j.createFromArray(img).reshape(n, 1, side, side),
                Nd4j.createFromArray(seg).reshape(n, p.classes(), side, side));
    }

    private static Map<String, INDArray> snapshot(ComputationGraph g, boolean generator) {
        Map<String, INDArray> out = new HashMap<>();
        g.paramTable().forEach((k, v) -> {
            if (k.startsWith("g_") == generator) {
                out.put(k, v.dup());
            }
        });
        return out;
    }

    @Test
    void discriminatorStaysFrozenInTheGeneratorPhaseWhileGeneratorMoves() {
        GanProfile micro = GanTestProfiles.micro();
        GanTrainer t = new GanTrainer(micro, 11);
        Random r = new Random(1);
        GanTrainer.Batch b = batch(micro, List.of(phantom(32, r), phantom(32, r)));
        Map<String, INDArray> dBefore = snapshot(t.discriminator(), false);
        INDArray[] fake = t.generate(b.condition());
        // L_D = 0.5 (BCE(D(real), 1) + BCE(D(fake), 0)), means over patches, summed over the two scales
        INDArray[] onReal = t.discriminator().output(Nd4j.concat(1, b.condition(), b.realImage()));
        INDArray[] onFake = t.discriminator().output(Nd4j.concat(1, b.condition(), fake[0]));
        double expectedD = 0;
        for (int s = 0; s < 2; s++) {
            expectedD += 0.5 * (bce(onReal[s], 1) + bce(onFake[s], 0));
        }
        t.setLearningRate(1e-4);
        assertEquals(1e-4, t.combined().getLearningRate("g_conv0"), 1e-12);
        assertEquals(1e-4, t.discriminator().getLearningRate("d0_conv0"), 1e-12);
        double lossD = t.discriminatorPhase(b, fake[0]);
        assertEquals(expectedD, lossD, 1e-4);
        assertTrue(lossD > 0 && Double.isFinite(lossD));
        Map<String, INDArray> dAfterD = snapshot(t.discriminator(), false);
        assertEquals(20, dAfterD.size());
        assertNotEquals(dBefore, dAfterD, "the D phase must train D");
        assertEquals(dAfterD, snapshot(t.combined(), false), "D copied into the combined graph");

        Map<String, INDArray> gBefore = snapshot(t.combined(), true);
        // G's GAN term: BCE(D(fake), 1) with the D just trained, summed over scales
        INDArray[] judged = t.discriminator().output(Nd4j.concat(1, b.condition(), fake[0]));
        double expectedGan = bce(judged[0], 1) + bce(judged[1], 1);
        GanTrainer.StepLosses losses = t.generatorPhase(b, fake);
        assertEquals(expectedGan, losses.gan(), 1e-3);
        assertEquals(fake[0].sub(b.realImage()).norm1Number().doubleValue() / (2 * 32 * 32), losses.l1(), 1e-6);
        assertEquals(dAfterD, snapshot(t.combined(), false), "frozen D moved in the G phase");
        assertEquals(dAfterD, snapshot(t.discriminator(), false));
        Map<String, INDArray> gAfter = snapshot(t.combined(), true);
        // every weight array moves (a bias right before an instance norm has an exactly-zero gradient in
        // theory, as in the reference, so biases are not required to move, except the heads')
        for (Map.Entry<String, INDArray> e : gBefore.entrySet()) {
            String key = e.getKey();
            if (key.endsWith("_W") || key.startsWith("g_image_conv") || key.startsWith("g_seg_conv")) {
                assertNotEquals(e.getValue(), gAfter.get(key), key + " did not move");
            }
        }
        assertEquals(gAfter, snapshot(t.generator(), true), "G copied back by key");
        assertTrue(losses.gan() > 0 && losses.l1() > 0 && losses.dice() > 0 && losses.crossEntropy() > 0,
                losses.toString());
        assertEquals(losses.generatorTotal(), losses.gan() + 10 * losses.l1()
                + 10 * (losses.dice() + losses.crossEntropy()), 1e-4);
    }

    @Test
    void discriminatorDataPairsTheConditionWithRealThenFakeImages() {
        GanProfile p = GanProfile.demo().withResolution(32);
        Random r = new Random(21);
        Batch b = batch(p, List.of(phantom(32, r), phantom(32, r)));
        INDArray fake = b.realImage().mul(-0.5);
        org.nd4j.linalg.dataset.api.MultiDataSet data = GanTrainer.discriminatorData(p, b, fake);
        INDArray expected = Nd4j.concat(0, Nd4j.concat(1, b.condition(), b.realImage()),
                Nd4j.concat(1, b.condition(), fake));
        assertEquals(expected, data.getFeatures(0));
        // a non-contiguous condition (a view) takes the concat path and gives the same
        INDArray wide = Nd4j.concat(1, b.condition(), b.condition());
        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, b.condition().size(1)));
        Batch viewBatch = new Batch(view, b.realImage(), null, null, 0.0);
        assertEquals(expected, GanTrainer.discriminatorData(p, viewBatch, fake).getFeatures(0));
        for (int s = 0; s < p.discriminatorScales(); s++) {
            INDArray labels = data.getLabels(s);
            int side = p.discriminatorOutputSide(s);
            assertArrayEquals(new long[] {4, 1, side, side}, labels.shape());
            assertEquals(2.0 * side * side, labels.get(NDArrayIndex.interval(0, 2)).sumNumber().doubleValue(), 0.0);
            assertEquals(0.0, labels.get(NDArrayIndex.interval(2, 4)).sumNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void unlabelledBatchWithEmptyMaskHasNoSegmentationLoss() {
        GanProfile micro = GanTestProfiles.micro();
        GanTrainer t = new GanTrainer(micro, 12);
        Random r = new Random(2);
        GanTrainer.Batch labelled = batch(micro, List.of(phantom(32, r), phantom(32, r)));
        INDArray[] fake = t.generate(labelled.condition());
        INDArray pseudo = GanTrainer.pseudoLabels(fake[1]);
        assertArrayEquals(fake[1].shape(), pseudo.shape());
        assertEquals(2 * 32 * 32, pseudo.sumNumber().doubleValue(), 0.0);
        INDArray mask = t.confidenceMask(labelled.condition(), fake[0], 2.0); // never above 2: all masked out
        assertEquals(0.0, mask.sumNumber().doubleValue(), 0.0);
        GanTrainer.StepLosses s = t.step(new GanTrainer.Batch(labelled.condition(), labelled.realImage(), pseudo,
                mask, micro.segWeightPseudo()));
        assertEquals(0.0, s.dice(), 0.0);
        assertEquals(0.0, s.crossEntropy(), 0.0);
        assertEquals(s.generatorTotal(), s.gan() + 10 * s.l1(), 1e-4);
        assertTrue(Double.isFinite(s.discriminator()));
        INDArray everywhere = t.confidenceMask(labelled.condition(), fake[0], -1.0);
        assertEquals(2 * 32 * 32, everywhere.sumNumber().doubleValue(), 0.0);
    }

    @Test
    void resumingFromSavedGraphsContinuesTheSameLossCurve() throws Exception {
        GanProfile micro = GanTestProfiles.micro();
        Random r = new Random(4);
        List<GanTrainer.Batch> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batches.add(batch(micro, List.of(phantom(32, r), phantom(32, r))));
        }
        GanTrainer first = new GanTrainer(micro, 14);
        first.step(batches.get(0));
        first.step(batches.get(1));
        java.io.ByteArrayOutputStream combined = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream discriminator = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(first.combined(), combined, true);
        org.deeplearning4j.util.ModelSerializer.writeModel(first.discriminator(), discriminator, true);
        GanTrainer.StepLosses a3 = first.step(batches.get(2));
        GanTrainer.StepLosses a4 = first.step(batches.get(3));

        GanTrainer resumed = new GanTrainer(micro,
                org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                        new java.io.ByteArrayInputStream(discriminator.toByteArray()), true),
                org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                        new java.io.ByteArrayInputStream(combined.toByteArray()), true));
        assertEquals(a3, resumed.step(batches.get(2)));
        assertEquals(a4, resumed.step(batches.get(3)));
    }

    @Test
    void segConditionedBaselineTrainsWithTheSameNetworks() {
        GanProfile seg = GanTestProfiles.micro().withConditioning(Conditioning.SEG);
        GanTrainer t = new GanTrainer(seg, 15);
        Random r = new Random(5);
        List<float[]> cond = new ArrayList<>();
        List<float[]> img = new ArrayList<>();
        List<float[]> oneHot = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Sample s = phantom(32, r);
            byte[] label = new byte[s.label().length];
            for (int j = 0; j < label.length; j++) {
                label[j] = (byte) s.label()[j];
            }
            cond.add(TrainingPair.segInput(label, 32, 3));
            img.add(s.image());
            oneHot.add(GanInputs.oneHot(label, 3));
        }
        GanTrainer.Batch b = GanTrainer.Batch.labelled(seg, GanInputs.batch(cond, 4, 32, 32),
                GanInputs.batch(img, 1, 32, 32), GanInputs.batch(oneHot, 3, 32, 32));
        GanTrainer.StepLosses first = t.step(b);
        GanTrainer.StepLosses second = t.step(b);
        assertTrue(Double.isFinite(first.discriminator()) && Double.isFinite(second.generatorTotal()));
        // one-hot (3) + edges in G; plus the image in D
        assertArrayEquals(new long[] {4, 4, 7, 7}, t.generator().getParam("g_conv0_W").shape());
        assertArrayEquals(new long[] {4, 5, 4, 4}, t.discriminator().getParam("d0_conv0_W").shape());
    }

    @Test
    void bilinearUpsamplingMatchesPyTorchHalfPixelCentres() {
        INDArray in = Nd4j.createFromArray(0f, 1f, 2f, 3f).reshape(1, 1, 2, 2);
        INDArray up = GanTrainer.upsampleBilinear(in, 4, 4);
        float[] expected = {0f, .25f, .75f, 1f, .5f, .75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2f, 2.25f, 2.75f, 3f};
        assertArrayEquals(expected, up.data().asFloat(), 1e-6f);
    }

    @Test
    void shortTrainingReducesImageL1AndSegmentationLoss() {
        GanProfile micro = GanTestProfiles.micro().withLearningRate(1e-3); // the reference 2e-4 needs more steps
        GanTrainer t = new GanTrainer(micro, 13);
        Random r = new Random(3);
        List<Sample> data = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            data.add(phantom(32, r));
        }
        List<GanTrainer.StepLosses> log = new ArrayList<>();
        long start = System.nanoTime();
        for (int epoch = 0; epoch < 4; epoch++) {
            for (int i = 0; i < 16; i += 2) {
                log.add(t.step(batch(micro, data.subList(i, i + 2))));
            }
        }
        double ms = (System.nanoTime() - start) / 1e6 / log.size();
        double first = meanL1(log.subList(0, 8));
        double last = meanL1(log.subList(log.size() - 8, log.size()));
        LOG.info("micro 32x32: {} steps, {} ms/step, L1 {} -> {}, last {}", log.size(), Math.round(ms), first, last,
                log.get(log.size() - 1));
        assertTrue(last < 0.6 * first, "L1 " + first + " -> " + last);
        double segFirst = log.subList(0, 8).stream().mapToDouble(l -> l.dice() + l.crossEntropy()).average()
                .orElseThrow();
        double segLast = log.subList(log.size() - 8, log.size()).stream()
                .mapToDouble(l -> l.dice() + l.crossEntropy()).average().orElseThrow();
        assertTrue(segLast < 0.8 * segFirst, "Dice+CE " + segFirst + " -> " + segLast);
    }

    /** Mean binary cross-entropy of probabilities against a constant target. */
    private static double bce(INDArray p, double target) {
        double sum = 0;
        double[] v = p.dup().data().asDouble();
        for (double x : v) {
            sum -= target * Math.log(x) + (1 - target) * Math.log(1 - x);
        }
        return sum / v.length;
    }

    private static double meanL1(List<GanTrainer.StepLosses> steps) {
        return steps.stream().mapToDouble(GanTrainer.StepLosses::l1).average().orElseThrow();
    }
}
