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
 * {@link InstanceNorm}'s function (PyTorch {@code InstanceNorm2d(affine=False)}: per sample and channel,
 * {@code (x - mean) / sqrt(biased var + eps)} over H,W) as a plain Java layer: one pass per plane forward,
 * two backward ({@code dx = (dy - mean(dy) - x̂ mean(dy x̂)) / sqrt(var + eps)}), in double arithmetic.
 * No SameDiff graph per call and no {@link SameDiffGradientFix}; no parameters.
 */
public class FastInstanceNorm extends PlaneLayer {
    private double epsilon = 1e-5;

    public FastInstanceNorm() {}

    public FastInstanceNorm(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    protected Impl create(NeuralNetConfiguration conf, DataType dataType) {
        return new Layer(conf, dataType);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public void setEpsilon(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FastInstanceNorm f && super.equals(o) && f.epsilon == epsilon;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Double.hashCode(epsilon);
    }

    /** The layer. */
    public static class Layer extends Impl {
        public Layer(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private double eps() {
            return ((FastInstanceNorm) conf().getLayer()).getEpsilon();
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
            assertInputSet(false);
            checkRank4();
            if (floatPath()) {
                return activateFloat(mgr);
            }
            double[] x = inputValues();
            int plane = Math.toIntExact(input.size(2) * input.size(3));
            double eps = eps();
            for (int start = 0; start < x.length; start += plane) {
                double mean = 0;
                for (int i = start; i < start + plane; i++) {
                    mean += x[i];
                }
                mean /= plane;
                double var = 0;
                for (int i = start; i < start + plane; i++) {
                    double d = x[i] - mean;
                    var += d * d;
                }
                double inv = 1.0 / Math.sqrt(var / plane + eps);
                for (int i = start; i < start + plane; i++) {
                    x[i] = (x[i] - mean) * inv;
                }
            }
            INDArray out = newArray(mgr, ArrayType.ACTIVATIONS, input.shape());
            ConvBuffers.write(x, out);
            return out;
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            checkRank4();
            if (floatPath() && epsilon.dataType() == DataType.FLOAT) {
                return backpropFloat(epsilon, mgr);
            }
            double[] x = inputValues();
            double[] dy = ConvBuffers.read(epsilon);
            int plane = Math.toIntExact(input.size(2) * input.size(3));
            double eps = eps();
            for (int start = 0; start < x.length; start += plane) {
                double mean = 0;
                for (int i = start; i < start + plane; i++) {
                    mean += x[i];
                }
                mean /= plane;
                double var = 0;
                for (int i = start; i < start + plane; i++) {
                    double d = x[i] - mean;
                    var += d * d;
                }
                double inv = 1.0 / Math.sqrt(var / plane + eps);
                double meanDy = 0;
                double meanDyXhat = 0;
                for (int i = start; i < start + plane; i++) {
                    double xhat = (x[i] - mean) * inv;
                    x[i] = xhat;
                    meanDy += dy[i];
                    meanDyXhat += dy[i] * xhat;
                }
                meanDy /= plane;
                meanDyXhat /= plane;
                for (int i = start; i < start + plane; i++) {
                    dy[i] = inv * (dy[i] - meanDy - x[i] * meanDyXhat);
                }
            }
            INDArray dx = newArray(mgr, ArrayType.ACTIVATION_GRAD, input.shape());
            ConvBuffers.write(dy, dx);
            return new Pair<>(new DefaultGradient(), dx);
        }

        /** Mean and 1 / sqrt(var + eps) of {@code x[start, start + plane)}, sums in double. */
        private static double[] moments(float[] x, int start, int plane, double eps) {
            if (Simd.available()) {
                double mean = VectorReductions.sum(x, start, start + plane) / plane;
                double var = VectorReductions.sumOfSquares(x, start, start + plane, (float) mean);
                return new double[] {mean, 1.0 / Math.sqrt(var / plane + eps)};
            }
            double sum = 0;
            for (int i = start; i < start + plane; i++) {
                sum += x[i];
            }
            double mean = sum / plane;
            double var = 0;
            for (int i = start; i < start + plane; i++) {
                double d = x[i] - mean;
                var += d * d;
            }
            return new double[] {mean, 1.0 / Math.sqrt(var / plane + eps)};
        }

        // float arithmetic per element (vectorised by the JIT), sums per plane in double
        private INDArray activateFloat(LayerWorkspaceMgr mgr) {
            float[] x = ConvBuffers.floatValues(input, Scratch.IN);
            int n = Math.toIntExact(input.length());
            int plane = Math.toIntExact(input.size(2) * input.size(3));
            double eps = eps();
            for (int start = 0; start < n; start += plane) {
                double[] m = moments(x, start, plane, eps);
                float mean = (float) m[0];
                float inv = (float) m[1];
                for (int i = start; i < start + plane; i++) {
                    x[i] = (x[i] - mean) * inv;
                }
            }
            INDArray out = newArray(mgr, ArrayType.ACTIVATIONS, input.shape());
            ConvBuffers.floats(out).put(0, x, 0, n);
            return out;
        }

        private Pair<Gradient, INDArray> backpropFloat(INDArray epsilon, LayerWorkspaceMgr mgr) {
            float[] x = ConvBuffers.floatValues(input, Scratch.IN);
            float[] dy = ConvBuffers.floatValues(epsilon, Scratch.GRAD);
            int n = Math.toIntExact(input.length());
            int plane = Math.toIntExact(input.size(2) * input.size(3));
            double eps = eps();
            for (int start = 0; start < n; start += plane) {
                double[] m = moments(x, start, plane, eps);
                float mean = (float) m[0];
                float inv = (float) m[1];
                double sumDy = 0;
                double sumDyXhat = 0;
                if (Simd.available()) {
                    for (int i = start; i < start + plane; i++) {
                        x[i] = (x[i] - mean) * inv;
                    }
                    sumDy = VectorReductions.sum(dy, start, start + plane);
                    sumDyXhat = VectorReductions.dot(dy, x, start, start + plane);
                } else {
                    for (int i = start; i < start + plane; i++) {
                        float xhat = (x[i] - mean) * inv;
                        x[i] = xhat;
                        sumDy += dy[i];
                        sumDyXhat += dy[i] * xhat;
                    }
                }
                float meanDy = (float) (sumDy / plane);
                float meanDyXhat = (float) (sumDyXhat / plane);
                for (int i = start; i < start + plane; i++) {
                    dy[i] = inv * (dy[i] - meanDy - x[i] * meanDyXhat);
                }
            }
            INDArray dx = newArray(mgr, ArrayType.ACTIVATION_GRAD, input.shape());
            ConvBuffers.floats(dx).put(0, dy, 0, n);
            return new Pair<>(new DefaultGradient(), dx);
        }

        @Override
        public Layer clone() {
            return new Layer(conf.clone(), dataType);
        }
    }
}
