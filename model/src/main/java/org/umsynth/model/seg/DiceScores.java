package org.umsynth.model.seg;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.umsynth.model.gan.GanInputs;

/**
 * Dice per class over all evaluated slices of a case together (volume Dice of those slices): per slice the
 * counts {@code |P & T|, |P|, |T|} of each foreground class are summed per case, then
 * {@code Dice = 2 |P & T| / (|P| + |T|)}.
 *
 * <p>Empty classes follow the BraTS convention: when neither prediction nor truth has the class in a case,
 * Dice is 1 (the segmenter correctly found nothing); when only one of them has it, Dice is 0. A case
 * without a lesion therefore scores 1 for lesion unless the segmenter hallucinates one.
 */
public final class DiceScores {
    private DiceScores() {}

    /**
     * Counts of one slice: for foreground class {@code c = 1..classes-1}, entries {@code 3(c-1)}..
     * {@code 3(c-1)+2} are intersection, predicted and true pixel counts.
     */
    public static long[] counts(byte[] predicted, byte[] truth, int classes) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("prediction and truth differ in size: " + predicted.length + " vs "
                    + truth.length);
        }
        long[] out = new long[3 * (classes - 1)];
        for (int i = 0; i < truth.length; i++) {
            int p = predicted[i] & 0xFF;
            int t = truth[i] & 0xFF;
            if (p > 0) {
                out[3 * (p - 1) + 1]++;
            }
            if (t > 0) {
                out[3 * (t - 1) + 2]++;
                if (p == t) {
                    out[3 * (t - 1)]++;
                }
            }
        }
        return out;
    }

    /** Element-wise sum (for merging slices of a case). */
    public static long[] add(long[] a, long[] b) {
        long[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += b[i];
        }
        return out;
    }

    /** Dice of foreground class {@code c} (1-based) from summed counts, with the empty-class convention. */
    public static double dice(long[] counts, int c) {
        long inter = counts[3 * (c - 1)];
        long sum = counts[3 * (c - 1) + 1] + counts[3 * (c - 1) + 2];
        return sum == 0 ? 1.0 : 2.0 * inter / sum;
    }

    /** Argmax label maps of a batch of [-1, 1] images of one size. */
    public static byte[][] predict(ComputationGraph segmenter, List<float[]> images, int size) {
        INDArray x = GanInputs.batch(images, 1, size, size);
        INDArray probabilities = segmenter.outputSingle(false, x);
        byte[][] out = new byte[images.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = GanInputs.labels(probabilities.slice(i));
        }
        return out;
    }
}
