package org.umsynth.model.gan;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.um.HuWindow;
import org.umsynth.model.um.UnsupervisedMask;

/**
 * Conversions between table pixels (SPEC section 2: HU slices, uint8 UM and label maps) and the
 * channel-first float arrays the networks see.
 */
public final class GanInputs {
    private GanInputs() {}

    /** {@code um} conditioning: UM scaled to [-1, 1] and its edge map, {@code float[2*H*W]}. */
    public static float[] umCondition(byte[] um, int width, int height) {
        return UnsupervisedMask.generatorInput(um, width, height);
    }

    /**
     * {@code seg} conditioning (the baseline): the one-hot label map (C channels) and the label map's edge
     * map (1 where a 4-neighbour has another class), {@code float[(C+1)*H*W]}.
     */
    public static float[] segCondition(byte[] label, int classes, int width, int height) {
        float[] oneHot = oneHot(label, classes);
        byte[] edges = UnsupervisedMask.edges(label, width, height);
        float[] out = new float[(classes + 1) * label.length];
        System.arraycopy(oneHot, 0, out, 0, oneHot.length);
        for (int i = 0; i < edges.length; i++) {
            out[oneHot.length + i] = edges[i];
        }
        return out;
    }

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

    /** The real image for the networks: HU windowed to [-1500, 100], then mapped to [-1, 1]. */
    public static float[] image(float[] hu) {
        float[] w = HuWindow.apply(hu);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (w[i] / 127.5 - 1.0);
        }
        return w;
    }

    /** Inverse of {@link #image}: a generated [-1, 1] image back to HU (inside the window). */
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
