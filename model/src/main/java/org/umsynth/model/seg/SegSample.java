package org.umsynth.model.seg;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.umsynth.model.gan.GanInputs;
import org.umsynth.model.image.Resize;
import org.umsynth.model.um.HuWindow;

/**
 * One labelled slice for the segmenter at its working resolution {@code size}: the CT windowed to
 * [-1500, 100] HU and scaled to [-1, 1] (as the GAN's real images, {@link org.umsynth.model.train.TrainingPair}),
 * and its label map (uint8 classes). {@code caseId}/{@code sliceIndex} identify the source (a synthetic
 * sample's id for synthetic slices).
 */
public record SegSample(String caseId, int sliceIndex, int size, float[] image, byte[] label) implements Serializable {

    /**
     * From HU pixels and a label of the same {@code rows x cols} grid: the image resized with the
     * project's anti-aliased resize, the label by majority vote; fails naming {@code where} on a size
     * mismatch or a label value outside {@code [0, classes)}.
     */
    public static SegSample fromHu(String caseId, int sliceIndex, float[] hu, byte[] label, int rows, int cols, int size,
            int classes, String where) {
        if (hu.length != rows * cols) {
            throw new IllegalArgumentException(where + ": " + hu.length + " HU pixels, expected " + rows + "x" + cols);
        }
        if (label == null || label.length != rows * cols) {
            throw new IllegalArgumentException(where + ": label of " + (label == null ? 0 : label.length)
                    + " pixels, expected " + rows + "x" + cols);
        }
        for (byte b : label) {
            if ((b & 0xFF) >= classes) {
                throw new IllegalArgumentException(where + ": label value " + (b & 0xFF) + " outside the " + classes
                        + " classes");
            }
        }
        float[] windowed = HuWindow.apply(hu);
        float[] image = rows == size && cols == size ? windowed : Resize.resize(windowed, cols, rows, size, size);
        for (int i = 0; i < image.length; i++) {
            image[i] = image[i] / 127.5f - 1f;
        }
        byte[] resized = rows == size && cols == size ? label.clone() : Resize.majorityLabels(label, cols, rows, size, size);
        return new SegSample(caseId, sliceIndex, size, image, resized);
    }

    /** True when any pixel has a class other than background. */
    public boolean hasForeground() {
        for (byte b : label) {
            if (b != 0) {
                return true;
            }
        }
        return false;
    }

    /** A minibatch: features {@code [N, 1, H, W]}, one-hot labels {@code [N, C, H, W]}. */
    public static DataSet dataSet(List<SegSample> samples, int classes) {
        int size = samples.get(0).size();
        List<float[]> images = new ArrayList<>();
        List<float[]> labels = new ArrayList<>();
        for (SegSample s : samples) {
            if (s.size() != size) {
                throw new IllegalArgumentException("mixed sizes in a minibatch: " + s.size() + " vs " + size);
            }
            images.add(s.image());
            labels.add(GanInputs.oneHot(s.label(), classes));
        }
        INDArray x = GanInputs.batch(images, 1, size, size);
        INDArray y = GanInputs.batch(labels, classes, size, size);
        return new DataSet(x, y);
    }
}
