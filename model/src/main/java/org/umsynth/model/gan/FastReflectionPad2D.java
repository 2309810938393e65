package org.umsynth.model.gan;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link ReflectionPad2D}'s function (PyTorch {@code ReflectionPad2d(p)}: row/column {@code -k} mirrors row
 * {@code k}, the border itself not repeated) as a plain Java layer: a gather forward, the matching
 * scatter-add backward. No SameDiff graph per call; no parameters.
 */
public class FastReflectionPad2D extends PlaneLayer {
    private int padding;

    public FastReflectionPad2D() {}

    public FastReflectionPad2D(int padding) {
        if (padding < 1) {
            throw new IllegalArgumentException("padding must be >= 1: " + padding);
        }
        this.padding = padding;
    }

    @Override
    protected Impl create(NeuralNetConfiguration conf, DataType dataType) {
        return new Layer(conf, dataType);
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

    public int getPadding() {
        return padding;
    }

    public void setPadding(int padding) {
        this.padding = padding;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FastReflectionPad2D f && super.equals(o) && f.padding == padding;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + padding;
    }

    /** Index of padded coordinate {@code i} (0-based in the padded axis) in an axis of {@code size}. */
    static int source(int i, int padding, int size) {
        int k = i - padding;
        return k < 0 ? -k : k >= size ? 2 * (size - 1) - k : k;
    }

    /** The layer. */
    public static class Layer extends Impl {
        public Layer(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private int pad() {
            return ((FastReflectionPad2D) conf().getLayer()).getPadding();
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            assertInputSet(false);
            checkRank4();
            int p = pad();
            int h = Math.toIntExact(input.size(2));
            int w = Math.toIntExact(input.size(3));
            if (h <= p || w <= p) {
                throw new IllegalArgumentException(layerId() + ": reflection padding " + p + " of " + h + "x" + w);
            }
            int planes = Math.toIntExact(input.size(0) * input.size(1));
            int ph = h + 2 * p;
            int pw = w + 2 * p;
            int[] cols = new int[pw];
            for (int j = 0; j < pw; j++) {
                cols[j] = source(j, p, w);
            }
            INDArray out = newArray(mgr, ArrayType.ACTIVATIONS, input.size(0), input.size(1), ph, pw);
            if (floatPath()) {
                float[] x = ConvBuffers.floatValues(input, Scratch.IN);
                int n = planes * ph * pw;
                float[] y = Scratch.floats(Scratch.OUT, n); // every element written below
                for (int plane = 0; plane < planes; plane++) {
                    for (int i = 0; i < ph; i++) {
                        int from = (plane * h + source(i, p, h)) * w;
                        int to = (plane * ph + i) * pw;
                        // the interior is a plain copy; only the p mirrored columns each side are gathered
                        System.arraycopy(x, from, y, to + p, w);
                        for (int j = 0; j < p; j++) {
                            y[to + j] = x[from + cols[j]];
                            y[to + pw - 1 - j] = x[from + cols[pw - 1 - j]];
                        }
                    }
                }
                ConvBuffers.floats(out).put(0, y, 0, n);
                return out;
            }
            double[] x = inputValues();
            double[] y = new double[planes * ph * pw];
            for (int plane = 0; plane < planes; plane++) {
                for (int i = 0; i < ph; i++) {
                    int from = (plane * h + source(i, p, h)) * w;
                    int to = (plane * ph + i) * pw;
                    for (int j = 0; j < pw; j++) {
                        y[to + j] = x[from + cols[j]];
                    }
                }
            }
            ConvBuffers.write(y, out);
            return out;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            checkRank4();
            int p = pad();
            int h = Math.toIntExact(input.size(2));
            int w = Math.toIntExact(input.size(3));
            int planes = Math.toIntExact(input.size(0) * input.size(1));
            int ph = h + 2 * p;
            int pw = w + 2 * p;
            int[] cols = new int[pw];
            for (int j = 0; j < pw; j++) {
                cols[j] = source(j, p, w);
            }
            if (floatPath() && epsilon.dataType() == DataType.FLOAT) {
                float[] dy = ConvBuffers.floatValues(epsilon, Scratch.GRAD);
                int n = planes * h * w;
                float[] dx = Scratch.floats(Scratch.INPUT_GRAD, n);
                java.util.Arrays.fill(dx, 0, n, 0f);
                for (int plane = 0; plane < planes; plane++) {
                    for (int i = 0; i < ph; i++) {
                        int to = (plane * h + source(i, p, h)) * w;
                        int from = (plane * ph + i) * pw;
                        for (int j = 0; j < w; j++) {
                            dx[to + j] += dy[from + p + j];
                        }
                        for (int j = 0; j < p; j++) {
                            dx[to + cols[j]] += dy[from + j];
                            dx[to + cols[pw - 1 - j]] += dy[from + pw - 1 - j];
                        }
                    }
                }
                INDArray out = newArray(mgr, ArrayType.ACTIVATION_GRAD, input.shape());
                ConvBuffers.floats(out).put(0, dx, 0, n);
                return new Pair<>(new DefaultGradient(), out);
            }
            double[] dy = ConvBuffers.read(epsilon);
            double[] dx = new double[planes * h * w];
            for (int plane = 0; plane < planes; plane++) {
                for (int i = 0; i < ph; i++) {
                    int to = (plane * h + source(i, p, h)) * w;
                    int from = (plane * ph + i) * pw;
                    for (int j = 0; j < pw; j++) {
                        dx[to + cols[j]] += dy[from + j];
                    }
                }
            }
            INDArray out = newArray(mgr, ArrayType.ACTIVATION_GRAD, input.shape());
            ConvBuffers.write(dx, out);
            return new Pair<>(new DefaultGradient(), out);
        }

        @Override
        public Layer clone() {
            return new Layer(conf.clone(), dataType);
        }
    }
}
