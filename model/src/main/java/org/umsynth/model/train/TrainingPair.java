package org.umsynth.model.train;

import java.io.Serializable;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.image.Resize;
import org.umsynth.model.um.HuWindow;
import org.umsynth.model.um.Montage;
import org.umsynth.model.um.UnsupervisedMask;

/**
 * One training example of the conditional GAN at the working resolution {@code size}: the
 * generator's input (channel-first), the real image it should produce (windowed CT in [-1, 1]) and,
 * for labelled cases, the manual label map (uint8 classes; null when unlabelled).
 */
public record TrainingPair(String caseId, int sliceIndex, int size, int channels, float[] input, float[] image,
                           byte[] label) implements Serializable {

    public boolean labelled() {
        return label != null;
    }

    /**
     * Builds a pair from a mask row and its slice(s).
     *
     * @param um        the UM ({@code size x size} uint8)
     * @param hu        the source slice(s) in HU, row-major {@code rows x cols}: one slice, or the 4
     *                  tiles of a montage in tile order
     * @param labels    the label slice(s) of the same grid, or null when unlabelled
     * @param mode      conditioning; {@link Conditioning#SEG} needs labels
     * @param classes   number of segmentation classes
     */
    public static TrainingPair of(String caseId, int sliceIndex, byte[] um, int size, float[][] hu, byte[][] labels,
                                  int rows, int cols, Conditioning mode, int classes) {
        if (um.length != size * size) {
            throw new IllegalArgumentException("UM of " + um.length + " pixels is not " + size + "x" + size);
        }
        if (hu.length != 1 && hu.length != 4) {
            throw new IllegalArgumentException("one slice or a 4-tile montage expected, got " + hu.length);
        }
        float[][] windowed = new float[hu.length][];
        for (int t = 0; t < hu.length; t++) {
            windowed[t] = HuWindow.apply(hu[t]);
        }
        float[] image = hu.length == 1
                ? Resize.resize(windowed[0], cols, rows, size, size)
                : Montage.tile(windowed, cols, rows, size / 2);
        for (int i = 0; i < image.length; i++) {
            image[i] = image[i] / 127.5f - 1f;
        }
        byte[] label = labels == null ? null : labelAt(labels, rows, cols, size);
        if (label != null) {
            for (byte b : label) {
                if ((b & 0xFF) >= classes) {
                    throw new IllegalArgumentException("case " + caseId + " slice " + sliceIndex + ": label value "
                            + (b & 0xFF) + " outside the " + classes + " classes");
                }
            }
        }
        float[] input;
        if (mode == Conditioning.UM) {
            input = UnsupervisedMask.generatorInput(um, size, size);
        } else {
            if (label == null) {
                throw new IllegalArgumentException("case " + caseId + ": seg conditioning needs a label");
            }
            input = segInput(label, size, classes);
        }
        return new TrainingPair(caseId, sliceIndex, size, mode.channels(classes), input, image, label);
    }

    /** One-hot label map (C channels) followed by its edge map, channel-first. */
    public static float[] segInput(byte[] label, int size, int classes) {
        int n = size * size;
        float[] input = java.util.Arrays.copyOf(GanInputs.oneHot(label, classes), (classes + 1) * n);
        byte[] edges = UnsupervisedMask.edges(label, size, size);
        for (int i = 0; i < n; i++) {
            input[classes * n + i] = edges[i];
        }
        return input;
    }

    private static byte[] labelAt(byte[][] labels, int rows, int cols, int size) {
        if (labels.length == 1) {
            return Resize.majorityLabels(labels[0], cols, rows, size, size);
        }
        int tile = size / 2;
        byte[] out = new byte[size * size];
        for (int t = 0; t < 4; t++) {
            byte[] small = Resize.majorityLabels(labels[t], cols, rows, tile, tile);
            int oy = (t / 2) * tile;
            int ox = (t % 2) * tile;
            for (int y = 0; y < tile; y++) {
                System.arraycopy(small, y * tile, out, (oy + y) * size + ox, tile);
            }
        }
        return out;
    }
}
