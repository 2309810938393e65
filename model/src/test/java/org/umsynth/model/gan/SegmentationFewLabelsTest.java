package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.model.train.Conditioning;
import org.umsynth.model.train.TrainingPair;

/**
 * Issue #4 (segmentation head with few labels), the fast part: the segmentation loss reaches the head end to end
 * on phantom pairs made like the demo's (phantom, SLIC UM, pair), in the right channel order: labelled steps
 * separate lung from the rest. The budget question itself (held-out lung Dice at the demo budget) is
 * {@link SegmentationBudgetBenchmarkTest}, opt-in.
 */
class SegmentationFewLabelsTest {
    private static final GanProfile MICRO = new GanProfile(32, 8, 8, 2, 1, 2, 2, 3, Conditioning.UM, 2, 1e-3, 0.5, 1,
            0, 10.0, 10.0, 0.5, 0.02, 1.0);

    @Test
    void labelledStepsRaiseTheLungProbabilityAtLungPixelsAndLowerItElsewhere() {
        SegmentationHarness.Data data = SegmentationHarness.phantomData(7, 2, 2, 0, 128, 32);
        List<TrainingPair> pairs = data.labelled().subList(0, 2);
        GanTrainer.Batch b = SegmentationHarness.batchOf(MICRO, pairs, true);
        GanTrainer t = new GanTrainer(MICRO, 3);
        double[] before = lungProbability(t, b, pairs);
        for (int i = 0; i < 8; i++) {
            t.step(b);
        }
        double[] after = lungProbability(t, b, pairs);
        // the first steps mostly learn the class prior (lung is ~1/6 of the pixels, not 1/3): p(lung) falls
        // everywhere, and must fall far more where the label is not lung
        String trace = "mean p(lung) at lung pixels " + before[0] + " -> " + after[0] + ", elsewhere " + before[1]
                + " -> " + after[1];
        assertTrue(after[1] < before[1] - 0.05, trace);
        assertTrue(after[0] - after[1] > before[0] - before[1] + 0.05, "lung/background contrast grows: " + trace);

    }

    @Test
    void heldOutScoreIsTheLungDiceOfTheArgmax() {
        SegmentationHarness.Data data = SegmentationHarness.phantomData(7, 1, 0, 1, 128, 32);
        GanTrainer t = new GanTrainer(MICRO, 4);
        // a head whose bias makes lung the argmax everywhere: Dice = 2|L| / (|L| + all pixels) per slice
        t.generator().getParam("g_seg_conv_b").assign(org.nd4j.linalg.factory.Nd4j.createFromArray(0f, 100f, 0f)
                .reshape(t.generator().getParam("g_seg_conv_b").shape()));
        SegmentationHarness.Score s = SegmentationHarness.score(MICRO, t.generator(), data.test());
        double sum = 0;
        for (TrainingPair p : data.test()) {
            long lung = 0;
            for (byte v : p.label()) {
                lung += v == 1 ? 1 : 0;
            }
            sum += 2.0 * lung / (lung + 32 * 32);
        }
        assertEquals(sum / data.test().size(), s.meanLungDice(), 1e-9);
        assertEquals(1.0, s.lungFraction(), 0.0);
        assertTrue(s.meanLungDice() > 0.05 && s.meanLungDice() < 0.7, s.toString());
    }

    private static double[] lungProbability(GanTrainer t, GanTrainer.Batch b, List<TrainingPair> pairs) {
        INDArray seg = t.generate(b.condition())[1];
        int px = MICRO.resolution() * MICRO.resolution();
        double lung = 0;
        double rest = 0;
        long nLung = 0;
        long nRest = 0;
        for (int n = 0; n < pairs.size(); n++) {
            float[] p = seg.slice(n).slice(1).dup().data().asFloat();
            byte[] label = pairs.get(n).label();
            for (int i = 0; i < px; i++) {
                if (label[i] == 1) {
                    lung += p[i];
                    nLung++;
                } else if (label[i] == 0) {
                    rest += p[i];
                    nRest++;
                }
            }
        }
        assertTrue(nLung > 20, "the phantom slices have lung");
        return new double[] {lung / nLung, rest / nRest};
    }
}
