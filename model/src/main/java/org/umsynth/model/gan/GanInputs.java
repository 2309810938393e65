package org.umsynth.model.gan;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.um.HuWindow;

/**
 * Minibatches for the networks from per-sample channel-first arrays (conditioning, images and labels
 * come from {@link org.umsynth.model.train.TrainingPair}), and network outputs back to table pixels.
 */
public final class GanInputs {
    private GanInputs() {}

    /** One-hot {@code float[C*H*W]} of a label map; fails on a value outside [0, classes). */
    public static float[] oneHot(byte[] label, int classes) {
        int n = label.length;
        float[] out = new float[classes * n];
        for (int i = 0; i < n; i++) {
            int c = label[i] & 0xFF;
            if (c >= classes) {
                throw new IllegalArgumentException("label value " + c + " at pixel " + i + " is not below the class count "
                        + classes);
            }
            out[c * n + i] = 1f;
        }
        return out;
    }

    /**
     * A generated [-1, 1] image back to HU (inside the window): the inverse of
     * {@link org.umsynth.model.train.TrainingPair}'s {@code windowed / 127.5 - 1}.
     */
    public static float[] hu(float[] image) {
        float[] out = new float[image.length];
        for (int i = 0; i < image.length; i++) {
            double v = Math.max(-1.0, Math.min(1.0, image[i]));
            out[i] = (float) HuWindow.toHu((v + 1.0) * 127.5);
        }
        return out;
    }

    /** Argmax class per pixel of one sample's probabilities {@code [C, H, W]} (or {@code [1, C, H, W]}). */
    public static byte[] labels(INDArray probabilities) {
        INDArray p = probabilities.rank() == 4 ? probabilities.slice(0) : probabilities;
        INDArray argmax = p.argMax(0);
        long n = argmax.length();
        byte[] out = new byte[(int) n];
        INDArray flat = argmax.reshape(n);
        for (int i = 0; i < n; i++) {
            out[i] = (byte) flat.getInt(i);
        }
        return out;
    }

    /** Stacks per-sample channel-first arrays into an NCHW float minibatch. */
    public static INDArray batch(List<float[]> samples, int channels, int height, int width) {
        int per = channels * height * width;
        float[] all = new float[samples.size() * per];
        for (int i = 0; i < samples.size(); i++) {
            float[] s = samples.get(i);
            if (s.length != per) {
                throw new IllegalArgumentException("sample " + i + " has " + s.length + " values, expected " + per
                        + " (" + channels + "x" + height + "x" + width + ")");
            }
            System.arraycopy(s, 0, all, i * per, per);
        }
        return Nd4j.createFromArray(all).reshape(samples.size(), channels, height, width);
    }
}
