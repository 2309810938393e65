package org.umsynth.model.gan;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * {@code weight * (softDice + CE)} of a per-pixel softmax segmentation, for a {@code CnnLossLayer}
 * with softmax activation. The layer passes {@code [N*H*W, C]} pre-activations and one-hot labels and
 * an {@code [N*H*W, 1]} pixel mask, never N, H or W: hence {@link #getPixelsPerExample()}.
 *
 * <p>Per example: {@code CE = sum_i m_i * -sum_c y_ic log p_ic / sum_i m_i} and
 * {@code Dice = mean_c (1 - (2 sum_i m_i p_ic y_ic + s) / (sum_i m_i p_ic + sum_i m_i y_ic + s))}
 * with smoothing {@code s}. A pixel with mask 0 contributes exactly 0 (it is not background); a fully
 * masked example adds 0. Softmax is applied once, here, from the pre-activations (log-sum-exp).
 * The score array spreads each example's loss evenly over its rows, so the layer's per-example sum
 * and its minibatch mean are the usual ones.
 */
public class DiceCeLoss extends PixelLoss {
    private double smooth = 1.0;

    public DiceCeLoss() {}

    public DiceCeLoss(int pixelsPerExample, double weight, double smooth) {
        if (pixelsPerExample < 1) {
            throw new IllegalArgumentException("pixelsPerExample must be >= 1: " + pixelsPerExample);
        }
        this.pixelsPerExample = pixelsPerExample;
        this.weight = weight;
        this.smooth = smooth;
    }

    /** Unweighted per-example terms and the gradient of the weighted sum w.r.t. the pre-activations. */
    public record Evaluation(double[] dice, double[] crossEntropy, double[] gradient) {
        public double meanDice() {
            return mean(dice);
        }

        public double meanCrossEntropy() {
            return mean(crossEntropy);
        }

        private static double mean(double[] v) {
            double s = 0;
            for (double x : v) {
                s += x;
            }
            return v.length == 0 ? 0 : s / v.length;
        }
    }

    /**
     * Evaluates the loss on row-major {@code [rows, classes]} arrays ({@code mask} may be null: all 1).
     * Rows are grouped by example, {@code pixelsPerExample} consecutive rows each.
     */
    public Evaluation evaluate(double[] labels, double[] preOutput, double[] mask, int classes, boolean withGradient) {
        int rows = preOutput.length / classes;
        if (rows * classes != preOutput.length || labels.length != preOutput.length) {
            throw new IllegalArgumentException("labels/pre-output sizes do not match " + classes + " classes");
        }
        if (rows % pixelsPerExample != 0) {
            throw new IllegalArgumentException(rows + " rows are not a multiple of pixelsPerExample "
                    + pixelsPerExample + " (a loss configured for another resolution?)");
        }
        if (mask != null && mask.length != rows) {
            throw new IllegalArgumentException("mask must have one value per pixel: " + mask.length + " vs " + rows);
        }
        int examples = rows / pixelsPerExample;
        double[] logSums = new double[rows];
        double[] p = softmax(preOutput, rows, classes, logSums);
        double[] dice = new double[examples];
        double[] ce = new double[examples];
        double[] grad = withGradient ? new double[preOutput.length] : null;
        double[] inter = new double[classes];
        double[] union = new double[classes];
        double[] dLdp = new double[classes];
        for (int n = 0; n < examples; n++) {
            int r0 = n * pixelsPerExample;
            int r1 = r0 + pixelsPerExample;
            java.util.Arrays.fill(inter, 0);
            java.util.Arrays.fill(union, 0);
            double count = 0;
            double ceSum = 0;
            for (int r = r0; r < r1; r++) {
                double m = mask == null ? 1.0 : mask[r];
                if (m == 0) {
                    continue;
                }
                count += m;
                double logSum = logSums[r];
                for (int c = 0; c < classes; c++) {
                    int i = r * classes + c;
                    inter[c] += m * p[i] * labels[i];
                    union[c] += m * (p[i] + labels[i]);
                    if (labels[i] != 0) {
                        ceSum -= m * labels[i] * (preOutput[i] - logSum);
                    }
                }
            }
            double diceLoss = 0;
            for (int c = 0; c < classes; c++) {
                diceLoss += 1.0 - (2 * inter[c] + smooth) / (union[c] + smooth);
            }
            dice[n] = diceLoss / classes;
            ce[n] = count > 0 ? ceSum / count : 0.0;
            if (!withGradient || count == 0) {
                continue;
            }
            for (int r = r0; r < r1; r++) {
                double m = mask == null ? 1.0 : mask[r];
                if (m == 0) {
                    continue;
                }
                int base = r * classes;
                double labelSum = 0;
                double dot = 0;
                for (int c = 0; c < classes; c++) {
                    double u = union[c] + smooth;
                    double dDice = m * (2 * labels[base + c] * u - (2 * inter[c] + smooth)) / (u * u);
                    dLdp[c] = -dDice / classes;
                    dot += dLdp[c] * p[base + c];
                    labelSum += labels[base + c];
                }
                for (int c = 0; c < classes; c++) {
                    int i = base + c;
                    double diceGrad = p[i] * (dLdp[c] - dot);
                    double ceGrad = m * (p[i] * labelSum - labels[i]) / count;
                    grad[i] = weight * (diceGrad + ceGrad);
                }
            }
        }
        return new Evaluation(dice, ce, grad);
    }

    /** Row-wise softmax of {@code z}; each row's log-sum-exp (for the cross-entropy) into {@code logSums}. */
    private static double[] softmax(double[] z, int rows, int classes, double[] logSums) {
        double[] p = new double[z.length];
        for (int r = 0; r < rows; r++) {
            int base = r * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, z[base + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                p[base + c] = Math.exp(z[base + c] - max);
                sum += p[base + c];
            }
            for (int c = 0; c < classes; c++) {
                p[base + c] /= sum;
            }
            logSums[r] = max + Math.log(sum);
        }
        return p;
    }

    private Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean withGradient) {
        if (!(activationFn instanceof ActivationSoftmax)) {
            throw new IllegalStateException("DiceCeLoss needs a softmax CnnLossLayer, got " + activationFn);
        }
        if (mask != null && mask.columns() != 1) {
            throw new IllegalArgumentException("DiceCeLoss needs a per-pixel mask [N*H*W, 1], got "
                    + java.util.Arrays.toString(mask.shape()));
        }
        int classes = (int) preOutput.size(1);
        return evaluate(rowMajor(labels), rowMajor(preOutput), mask == null ? null : rowMajor(mask), classes,
                withGradient);
    }

    private static double[] rowMajor(INDArray a) {
        // a bulk read and a widening loop: ND4J's asDouble() reads element by element (~0.1 ms per call here)
        return ConvBuffers.read(a);
    }

    private INDArray scoreArray(Evaluation e, INDArray like) {
        int examples = e.dice().length;
        double[] rows = new double[examples * pixelsPerExample];
        for (int n = 0; n < examples; n++) {
            double perRow = weight * (e.dice()[n] + e.crossEntropy()[n]) / pixelsPerExample;
            java.util.Arrays.fill(rows, n * pixelsPerExample, (n + 1) * pixelsPerExample, perRow);
        }
        return Nd4j.createFromArray(rows).reshape(rows.length, 1).castTo(like.dataType());
    }

    private double total(Evaluation e, boolean average) {
        double s = 0;
        for (int n = 0; n < e.dice().length; n++) {
            s += weight * (e.dice()[n] + e.crossEntropy()[n]);
        }
        return average && e.dice().length > 0 ? s / e.dice().length : s;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
            boolean average) {
        return total(evaluate(labels, preOutput, activationFn, mask, false), average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return scoreArray(evaluate(labels, preOutput, activationFn, mask, false), preOutput);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Evaluation e = evaluate(labels, preOutput, activationFn, mask, true);
        return Nd4j.createFromArray(e.gradient()).reshape('c', preOutput.shape()).castTo(preOutput.dataType());
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
            INDArray mask, boolean average) {
        Evaluation e = evaluate(labels, preOutput, activationFn, mask, true);
        INDArray g = Nd4j.createFromArray(e.gradient()).reshape('c', preOutput.shape()).castTo(preOutput.dataType());
        return Pair.of(total(e, average), g);
    }

    @Override
    public String name() {
        return "DiceCeLoss(pixelsPerExample=" + pixelsPerExample + ", weight=" + weight + ", smooth=" + smooth + ")";
    }

    public double getSmooth() {
        return smooth;
    }

    public void setSmooth(double smooth) {
        this.smooth = smooth;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DiceCeLoss d && d.pixelsPerExample == pixelsPerExample && d.weight == weight
                && d.smooth == smooth;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(pixelsPerExample, weight, smooth);
    }
}
