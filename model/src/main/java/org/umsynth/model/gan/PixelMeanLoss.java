package org.umsynth.model.gan;

import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * {@code weight * mean} of an element-wise loss over each example's pixels and channels, for a
 * {@code CnnLossLayer} (PyTorch's {@code L1Loss()} / {@code BCELoss()} with mean reduction). Stock DL4J
 * losses in a {@code CnnLossLayer} sum over pixels instead, which would weigh a 1024x1024 image a
 * million times more than the reference does. An optional {@code [N*H*W, 1]} mask multiplies each
 * pixel's term (the mean's denominator stays H*W*C).
 *
 * <p>{@link Kind#BCE} needs a sigmoid activation and is computed from the pre-activations
 * ({@code softplus(z) - y z}), so saturated outputs stay finite.
 */
public class PixelMeanLoss extends PixelLoss {
    public enum Kind { L1, BCE }

    /** False: always the ND4J ops (tests compare the two paths). */
    static volatile boolean javaLoops = true;

    private Kind kind = Kind.L1;

    public PixelMeanLoss() {}

    public PixelMeanLoss(Kind kind, int pixelsPerExample, double weight) {
        if (pixelsPerExample < 1) {
            throw new IllegalArgumentException("pixelsPerExample must be >= 1: " + pixelsPerExample);
        }
        this.kind = Objects.requireNonNull(kind);
        this.pixelsPerExample = pixelsPerExample;
        this.weight = weight;
    }

    /**
     * Whether the Java loops below compute this loss: the networks' cases (BCE on a sigmoid, L1 on tanh or identity)
     * on float or double {@code [rows, channels]} arrays. Each ND4J op costs 10-20 us of call overhead on these small
     * arrays, and the ND4J path below takes 5-9 of them per call; anything else still goes through it.
     */
    private boolean javaPath(INDArray preOutput, IActivation activationFn) {
        DataType t = preOutput.dataType();
        return javaLoops && preOutput.rank() == 2 && (t == DataType.FLOAT || t == DataType.DOUBLE) && (kind == Kind.BCE
                ? activationFn instanceof ActivationSigmoid
                : activationFn instanceof ActivationTanH || activationFn instanceof ActivationIdentity);
    }

    /** Per-row scores as {@link #rowScores} computes them, in Java (double arithmetic). */
    private double[] javaRowScores(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Values in = new Values(labels, preOutput, activationFn, mask);
        double[] scores = new double[in.rows];
        for (int r = 0; r < in.rows; r++) {
            double sum = 0;
            for (int c = 0, i = r * in.columns; c < in.columns; c++, i++) {
                double z = in.z[i];
                if (kind == Kind.BCE) { // softplus(z) - y z = max(z,0) - y z + log(1 + exp(-|z|))
                    sum += Math.max(z, 0) - in.y[i] * z + Math.log1p(Math.exp(-Math.abs(z)));
                } else {
                    sum += Math.abs((in.tanh ? Math.tanh(z) : z) - in.y[i]);
                }
            }
            scores[r] = sum * in.norm * in.mask(r);
        }
        return scores;
    }

    /** The gradient as {@link #gradient} computes it, in Java (double arithmetic, the input's data type out). */
    private INDArray javaGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Values in = new Values(labels, preOutput, activationFn, mask);
        double[] g = new double[in.z.length];
        for (int r = 0; r < in.rows; r++) {
            double scale = in.norm * in.mask(r);
            for (int c = 0, i = r * in.columns; c < in.columns; c++, i++) {
                double z = in.z[i];
                if (kind == Kind.BCE) {
                    g[i] = (1.0 / (1.0 + Math.exp(-z)) - in.y[i]) * scale;
                } else {
                    double out = in.tanh ? Math.tanh(z) : z;
                    g[i] = Math.signum(out - in.y[i]) * scale * (in.tanh ? 1.0 - out * out : 1.0);
                }
            }
        }
        return array(g, preOutput.dataType(), in.rows, in.columns);
    }

    /** The Java loops' inputs: {@code [rows, columns]} pre-outputs and labels, the per-row mask, the mean's norm. */
    private final class Values {
        final int rows;
        final int columns;
        final double norm;
        final double[] z;
        final double[] y;
        final double[] m;
        final boolean tanh;

        Values(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
            rows = Math.toIntExact(preOutput.size(0));
            columns = Math.toIntExact(preOutput.size(1));
            checkRows(rows);
            norm = weight / ((double) pixelsPerExample * columns);
            z = ConvBuffers.read(preOutput);
            y = ConvBuffers.read(labels);
            m = mask == null ? null : ConvBuffers.read(checkMask(mask, rows));
            tanh = activationFn instanceof ActivationTanH;
        }

        double mask(int row) {
            return m == null ? 1.0 : m[row];
        }
    }

    private static INDArray array(double[] v, DataType type, long... shape) {
        if (type == DataType.DOUBLE) {
            return Nd4j.createFromArray(v).reshape(shape);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return Nd4j.createFromArray(f).reshape(shape);
    }

    /** Per-row scores [rows, 1], each the row's share of its example's weighted mean. */
    private INDArray rowScores(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (javaPath(preOutput, activationFn)) {
            return array(javaRowScores(labels, preOutput, activationFn, mask), preOutput.dataType(),
                    preOutput.size(0), 1);
        }
        long rows = preOutput.size(0);
        checkRows(rows);
        double norm = weight / ((double) pixelsPerExample * preOutput.size(1));
        INDArray elementwise;
        if (kind == Kind.BCE) {
            requireSigmoid(activationFn);
            INDArray z = preOutput;
            // softplus(z) - y z = max(z,0) - y z + log(1 + exp(-|z|))
            INDArray negAbs = Transforms.abs(z, true).negi();
            INDArray softplus = Transforms.log1p(Transforms.exp(negAbs, false), false)
                    .addi(Transforms.max(z, 0.0, true));
            elementwise = softplus.subi(labels.mul(z));
        } else {
            INDArray out = activationFn.getActivation(preOutput.dup(), true);
            elementwise = Transforms.abs(out.subi(labels), false);
        }
        INDArray perRow = elementwise.sum(true, 1).muli(norm);
        if (mask != null) {
            perRow.muli(checkMask(mask, rows));
        }
        return perRow.reshape(rows, 1);
    }

    private INDArray gradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (javaPath(preOutput, activationFn)) {
            return javaGradient(labels, preOutput, activationFn, mask);
        }
        long rows = preOutput.size(0);
        checkRows(rows);
        double norm = weight / ((double) pixelsPerExample * preOutput.size(1));
        INDArray grad;
        if (kind == Kind.BCE) {
            requireSigmoid(activationFn);
            grad = Transforms.sigmoid(preOutput, true).subi(labels).muli(norm);
        } else {
            INDArray out = activationFn.getActivation(preOutput.dup(), true);
            INDArray dLdOut = Transforms.sign(out.subi(labels), false).muli(norm);
            grad = activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
        }
        if (mask != null) {
            grad.muliColumnVector(checkMask(mask, rows).castTo(grad.dataType()));
        }
        return grad;
    }

    private void checkRows(long rows) {
        if (rows % pixelsPerExample != 0) {
            throw new IllegalArgumentException(rows + " rows are not a multiple of pixelsPerExample "
                    + pixelsPerExample + " (a loss configured for another resolution?)");
        }
    }

    private static INDArray checkMask(INDArray mask, long rows) {
        if (mask.columns() != 1 || mask.size(0) != rows) {
            throw new IllegalArgumentException("PixelMeanLoss needs a per-pixel mask [rows, 1], got "
                    + java.util.Arrays.toString(mask.shape()));
        }
        return mask.reshape(rows, 1);
    }

    private static void requireSigmoid(IActivation activationFn) {
        if (!(activationFn instanceof ActivationSigmoid)) {
            throw new IllegalStateException("BCE PixelMeanLoss needs a sigmoid CnnLossLayer, got " + activationFn);
        }
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        if (javaPath(preOutput, activationFn)) {
            double total = 0;
            for (double v : javaRowScores(labels, preOutput, activationFn, mask)) {
                total += v;
            }
            return average ? total / (preOutput.size(0) / pixelsPerExample) : total;
        }
        INDArray rows = rowScores(labels, preOutput, activationFn, mask);
        double total = rows.sumNumber().doubleValue();
        return average ? total / (rows.size(0) / pixelsPerExample) : total;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return rowScores(labels, preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return gradient(labels, preOutput, activationFn, mask);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
            IActivation activationFn, INDArray mask, boolean average) {
        return Pair.of(computeScore(labels, preOutput, activationFn, mask, average),
                gradient(labels, preOutput, activationFn, mask));
    }

    @Override
    public String name() {
        return "PixelMeanLoss(" + kind + ", pixelsPerExample=" + pixelsPerExample + ", weight=" + weight + ")";
    }

    public Kind getKind() {
        return kind;
    }

    public void setKind(Kind kind) {
        this.kind = kind;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PixelMeanLoss l && l.kind == kind && l.pixelsPerExample == pixelsPerExample
                && l.weight == weight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, pixelsPerExample, weight);
    }
}
