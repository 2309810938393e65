package org.umsynth.model.gan;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLambdaLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Reflection padding (PyTorch {@code ReflectionPad2d(p)}) of NCHW activations: row/column {@code -k}
 * mirrors row {@code k}, the border itself is not repeated. Built from single-row slices and
 * {@code concat}, because SameDiff's {@code pad(..., REFLECT)} has a wrong gradient in M2.1.
 * Needs the input height and width at graph definition time (set from the input type).
 */
public class ReflectionPad2D extends SameDiffLambdaLayer {
    private int padding;
    private long height;
    private long width;

    public ReflectionPad2D() {}

    public ReflectionPad2D(int padding) {
        if (padding < 1) {
            throw new IllegalArgumentException("padding must be >= 1: " + padding);
        }
        this.padding = padding;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (override || height == 0) {
            height = c.getHeight();
            width = c.getWidth();
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
        if (c.getHeight() <= padding || c.getWidth() <= padding) {
            throw new IllegalArgumentException("reflection padding " + padding + " needs an input larger than "
                    + padding + ": " + c.getHeight() + "x" + c.getWidth());
        }
        return InputType.convolutional(c.getHeight() + 2L * padding, c.getWidth() + 2L * padding, c.getChannels());
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x) {
        SDVariable rows = mirror(sd, x, 2, height);
        SDVariable out = mirror(sd, rows, 3, width);
        return SameDiffGradientFix.apply(sd, out);
    }

    private SDVariable mirror(SameDiff sd, SDVariable x, int axis, long size) {
        List<SDVariable> parts = new ArrayList<>(2 * padding + 1);
        for (int k = padding; k >= 1; k--) {
            parts.add(line(x, axis, k));
        }
        parts.add(x);
        for (int k = 1; k <= padding; k++) {
            parts.add(line(x, axis, size - 1 - k));
        }
        return sd.concat(axis, parts.toArray(new SDVariable[0]));
    }

    private static SDVariable line(SDVariable x, int axis, long index) {
        SDIndex one = SDIndex.interval(index, index + 1);
        return axis == 2
                ? x.get(SDIndex.all(), SDIndex.all(), one, SDIndex.all())
                : x.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), one);
    }

    public int getPadding() {
        return padding;
    }

    public void setPadding(int padding) {
        this.padding = padding;
    }

    public long getHeight() {
        return height;
    }

    public void setHeight(long height) {
        this.height = height;
    }

    public long getWidth() {
        return width;
    }

    public void setWidth(long width) {
        this.width = width;
    }
}
