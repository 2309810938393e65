package org.umsynth.model.gan;

import java.util.Objects;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One process's alternating GAN training (no Spark): a D phase on real vs generated pairs, then a G phase
 * through the combined graph, whose copy of D is frozen ({@link FrozenWithInputGradient}, a
 * {@code FrozenLayerWithBackprop} whose fast layers skip the discarded parameter gradients) so the GAN loss
 * reaches G while D's weights stay put.
 *
 * <p>Ownership of parameters: D's live in {@link #discriminator()}; G's (and G's Adam state) live in
 * {@link #combined()}; {@link #generator()} is a copy refreshed after every G phase, used to generate.
 * A checkpoint therefore needs the combined graph (with its updater) and the discriminator (with its
 * updater); {@link #GanTrainer(GanProfile, ComputationGraph, ComputationGraph)} rebuilds the rest.
 *
 * <p>Arrays are NCHW floats: condition {@code [N, inputChannels, H, W]}, real image {@code [N, 1, H, W]} in
 * [-1, 1], segmentation labels one-hot {@code [N, C, H, W]}, segmentation mask {@code [N, 1, H, W]} (1 where
 * the label counts; 0 pixels add exactly nothing).
 */
public final class GanTrainer {
    private final GanProfile profile;
    private final ComputationGraph generator;
    private final ComputationGraph discriminator;
    private final ComputationGraph combined;

    /** One minibatch; {@code segLabels}/{@code segMask} null means no segmentation supervision. */
    public record Batch(INDArray condition, INDArray realImage, INDArray segLabels, INDArray segMask,
            double segWeight) {
        public Batch {
            Objects.requireNonNull(condition, "condition");
            Objects.requireNonNull(realImage, "realImage");
            if (segMask != null && segLabels == null) {
                throw new IllegalArgumentException("a segmentation mask without labels");
            }
        }

        /** A manually labelled batch: every pixel counts, weight {@code profile.segWeightLabelled()}. */
        public static Batch labelled(GanProfile p, INDArray condition, INDArray realImage, INDArray segLabels) {
            return new Batch(condition, realImage, segLabels, null, p.segWeightLabelled());
        }

        /**
         * A pseudo-labelled (unlabelled) batch: the frozen G snapshot's one-hot argmax as labels, counted only
         * under {@code confidence} (from {@link GanTrainer#confidenceMask}), weight {@code profile.segWeightPseudo()}.
         */
        public static Batch pseudoLabelled(GanProfile p, INDArray condition, INDArray realImage,
                INDArray pseudoLabels, INDArray confidence) {
            return new Batch(condition, realImage, pseudoLabels, Objects.requireNonNull(confidence, "confidence"),
                    p.segWeightPseudo());
        }

        /** No segmentation supervision at all (image GAN + L1 only). */
        public static Batch imageOnly(INDArray condition, INDArray realImage) {
            return new Batch(condition, realImage, null, null, 0.0);
        }

        public int size() {
            return (int) condition.size(0);
        }
    }

    /**
     * Losses of one step, before its updates. {@code gan} sums the BCE of every D scale, {@code l1} is
     * the mean absolute image error, {@code dice}/{@code crossEntropy} are unweighted means over the batch;
     * {@code generatorTotal} is the weighted sum G minimised; {@code discriminator} is L_D.
     */
    public record StepLosses(double discriminator, double gan, double l1, double dice, double crossEntropy,
            double generatorTotal) {}

    public GanTrainer(GanProfile profile, long seed) {
        this(profile, GanNetworks.discriminator(profile, seed + 1), GanNetworks.combined(profile, seed));
    }

    /** From a (restored) discriminator and combined graph, e.g. a checkpoint. */
    public GanTrainer(GanProfile profile, ComputationGraph discriminator, ComputationGraph combined) {
        this.profile = Objects.requireNonNull(profile);
        this.discriminator = discriminator;
        this.combined = combined;
        this.generator = new ComputationGraph(GanNetworks.generatorConfiguration(profile,
                combined.getConfiguration().getDataType(), 0));
        generator.init();
        GanNetworks.copyParameters(combined, generator, GanNetworks::isGeneratorLayer);
        GanNetworks.copyParameters(discriminator, combined, GanNetworks::isDiscriminatorLayer);
        GanNetworks.prepareForTraining(discriminator);
        GanNetworks.prepareForTraining(combined);
    }

    public GanProfile profile() {
        return profile;
    }

    public ComputationGraph generator() {
        return generator;
    }

    public ComputationGraph discriminator() {
        return discriminator;
    }

    public ComputationGraph combined() {
        return combined;
    }

    /** Adam learning rate of both phases (for the linear decay). */
    public void setLearningRate(double learningRate) {
        discriminator.setLearningRate(learningRate);
        combined.setLearningRate(learningRate);
        // DL4J rebuilds a plain updater (same state) when the learning rate changes
        FastGraphUpdater.install(discriminator);
        FastGraphUpdater.install(combined);
    }

    /** Generated {image [N,1,H,W] in [-1,1], segmentation probabilities [N,C,H,W]}. */
    public INDArray[] generate(INDArray condition) {
        return generator.output(false, condition);
    }

    /** One alternating step: {@link #discriminatorPhase}, then {@link #generatorPhase}. */
    public StepLosses step(Batch batch) {
        INDArray[] fake = generate(batch.condition());
        double dLoss = discriminatorPhase(batch, fake[0]);
        return generatorPhase(batch, fake, dLoss);
    }

    /**
     * Fits D once on the real pairs (label 1) and the given generated images (label 0) in one minibatch,
     * which is {@code L_D = 0.5 (BCE(real) + BCE(fake))} per scale; then copies D into the combined graph.
     * Returns L_D before the update.
     */
    public double discriminatorPhase(Batch batch, INDArray fakeImage) {
        discriminator.fit(discriminatorData(profile, batch, fakeImage));
        double loss = discriminator.score();
        GanNetworks.copyParameters(discriminator, combined, GanNetworks::isDiscriminatorLayer);
        return loss;
    }

    /**
     * The D-phase minibatch: {@code [condition, real image]} pairs labelled 1 followed by
     * {@code [condition, fake image]} pairs labelled 0, one all-0/all-1 patch-map label per D scale.
     * Public so Spark executors build exactly what the local trainer fits.
     */
    public static MultiDataSet discriminatorData(GanProfile profile, Batch batch, INDArray fakeImage) {
        int n = batch.size();
        INDArray input = pairs(batch.condition(), batch.realImage(), fakeImage);
        int scales = profile.discriminatorScales();
        INDArray[] labels = new INDArray[scales];
        for (int s = 0; s < scales; s++) {
            int side = profile.discriminatorOutputSide(s);
            labels[s] = patchLabels(input.dataType(), 2 * n, n, side); // real pairs first
        }
        return new MultiDataSet(new INDArray[] {input}, labels);
    }

    /**
     * PatchGAN labels {@code [examples, 1, side, side]}: 1 for the first {@code ones} examples, 0 after, from a filled
     * Java array (Nd4j's {@code zeros} + {@code assign} or {@code ones} cost an op each per step).
     */
    private static INDArray patchLabels(DataType type, int examples, int ones, int side) {
        int perExample = side * side;
        float[] values = new float[examples * perExample];
        java.util.Arrays.fill(values, 0, ones * perExample, 1f);
        return Nd4j.create(values, new long[] {examples, 1, side, side}, 'c').castTo(type);
    }

    /**
     * {@code [condition, real]} pairs followed by {@code [condition, fake]} pairs along the batch, each concatenated
     * along the channels: one array written by plain memory copies when all are contiguous float arrays (the three
     * {@code concat} ops, ~1 ms of op overhead per D step, otherwise).
     */
    private static INDArray pairs(INDArray condition, INDArray real, INDArray fake) {
        int n = Math.toIntExact(condition.size(0));
        long conditionLength = condition.length() / n;
        long imageLength = real.length() / n;
        INDArray out = Nd4j.createUninitialized(condition.dataType(),
                new long[] {2L * n, condition.size(1) + real.size(1), condition.size(2), condition.size(3)}, 'c');
        if (real.length() != fake.length() || !Blas.directFloat(out, condition, real, fake)) {
            return Nd4j.concat(0, Nd4j.concat(1, condition, real), Nd4j.concat(1, condition, fake));
        }
        long pair = conditionLength + imageLength;
        for (int i = 0; i < 2 * n; i++) {
            int e = i % n;
            Blas.copyFloats(condition, e * conditionLength, out, i * pair, conditionLength);
            Blas.copyFloats(i < n ? real : fake, e * imageLength, out, i * pair + conditionLength, imageLength);
        }
        return out;
    }

    /**
     * The G-phase minibatch of the combined graph: input the condition; labels the real image (L1),
     * the segmentation labels (all-zero with an all-zero mask when the batch has none) with their
     * per-pixel mask, and 1 for every D scale. The segmentation weight is not in the data: set it on the
     * graph ({@link GanNetworks#setSegmentationWeight}).
     */
    public static MultiDataSet generatorData(GanProfile profile, Batch batch) {
        int n = batch.size();
        int side = profile.resolution();
        DataType type = batch.condition().dataType();
        INDArray segLabels = batch.segLabels() != null ? batch.segLabels()
                : Nd4j.zeros(type, n, profile.classes(), side, side);
        INDArray segMask = batch.segLabels() == null ? Nd4j.zeros(type, n, 1, side, side) : batch.segMask();
        int scales = profile.discriminatorScales();
        INDArray[] labels = new INDArray[2 + scales];
        INDArray[] masks = new INDArray[2 + scales];
        labels[0] = batch.realImage();
        labels[1] = segLabels;
        masks[1] = segMask;
        for (int s = 0; s < scales; s++) {
            int d = profile.discriminatorOutputSide(s);
            labels[2 + s] = patchLabels(type, n, n, d);
        }
        return new MultiDataSet(new INDArray[] {batch.condition()}, labels, null, masks);
    }

    /**
     * Fits the combined graph once (GAN vs label 1 on every scale + L1 + weighted Dice/CE under the mask),
     * then copies G's parameters into {@link #generator()}. {@code fakeBefore} must be G's output for this
     * batch before the update (it gives the L1/Dice/CE terms of the report without another forward pass).
     */
    public StepLosses generatorPhase(Batch batch, INDArray[] fakeBefore) {
        // L_D is not known here: NaN in the report
        return generatorPhase(batch, fakeBefore, Double.NaN);
    }

    private StepLosses generatorPhase(Batch batch, INDArray[] fakeBefore, double dLoss) {
        MultiDataSet data = generatorData(profile, batch);
        INDArray segLabels = data.getLabels(1);
        INDArray segMask = data.getLabelsMaskArray(1);
        DiceCeLoss segLoss = GanNetworks.segmentationLoss(combined);
        segLoss.setWeight(batch.segWeight());
        combined.fit(data);
        double total = combined.score();
        GanNetworks.copyParameters(combined, generator, GanNetworks::isGeneratorLayer);

        double l1 = fakeBefore[0].sub(batch.realImage()).norm1Number().doubleValue() / fakeBefore[0].length();
        DiceCeLoss.Evaluation seg = segLoss.evaluate(pixelRows(segLabels), logits(fakeBefore[1]),
                segMask == null ? null : pixelRows(segMask), profile.classes(), false);
        double gan = total - profile.l1Weight() * l1
                - batch.segWeight() * (seg.meanDice() + seg.meanCrossEntropy());
        return new StepLosses(dLoss, gan, l1, seg.meanDice(), seg.meanCrossEntropy(), total);
    }

    /**
     * Losses of the current networks on a batch without training (a monitor batch): {@code gan} is the
     * G-side BCE of D(fake) against 1 summed over scales, {@code discriminator} L_D summed over scales,
     * {@code l1}, {@code dice}, {@code crossEntropy} as in {@link StepLosses} (Dice/CE unweighted; NaN when
     * the batch has no labels), {@code generatorTotal} the weighted sum with the batch's segmentation weight.
     */
    public static StepLosses evaluate(GanProfile profile, ComputationGraph generator, ComputationGraph discriminator,
            Batch batch) {
        INDArray[] fake = generator.output(false, batch.condition());
        INDArray[] onFake = discriminator.output(false, Nd4j.concat(1, batch.condition(), fake[0]));
        INDArray[] onReal = discriminator.output(false, Nd4j.concat(1, batch.condition(), batch.realImage()));
        double gan = 0;
        double dLoss = 0;
        for (int s = 0; s < onFake.length; s++) {
            double fakeAsReal = meanBce(onFake[s], true);
            gan += fakeAsReal;
            dLoss += 0.5 * (meanBce(onReal[s], true) + meanBce(onFake[s], false));
        }
        double l1 = fake[0].sub(batch.realImage()).norm1Number().doubleValue() / fake[0].length();
        double dice = Double.NaN;
        double ce = Double.NaN;
        if (batch.segLabels() != null) {
            DiceCeLoss loss = new DiceCeLoss(profile.resolution() * profile.resolution(), 1.0, profile.diceSmooth());
            DiceCeLoss.Evaluation e = loss.evaluate(pixelRows(batch.segLabels()), logits(fake[1]),
                    batch.segMask() == null ? null : pixelRows(batch.segMask()), profile.classes(), false);
            dice = e.meanDice();
            ce = e.meanCrossEntropy();
        }
        double seg = batch.segLabels() == null ? 0 : batch.segWeight() * (dice + ce);
        return new StepLosses(dLoss, gan, l1, dice, ce, gan + profile.l1Weight() * l1 + seg);
    }

    private static double meanBce(INDArray probabilities, boolean target) {
        double[] p = ConvBuffers.read(probabilities);
        double sum = 0;
        for (double v : p) {
            double q = target ? v : 1 - v;
            sum -= Math.log(Math.max(q, 1e-12));
        }
        return sum / p.length;
    }

    /**
     * Pixels where D, shown {@code [condition, image]}, finds the image real: D's full-resolution (scale 0)
     * patch map, bilinearly upsampled to H x W (PyTorch {@code interpolate(mode='bilinear',
     * align_corners=False)}), {@code > threshold}. Returns {@code [N, 1, H, W]} of 0/1: the pseudo-label mask.
     */
    public INDArray confidenceMask(INDArray condition, INDArray image, double threshold) {
        return confidenceMask(profile, discriminator, condition, image, threshold);
    }

    /** {@link #confidenceMask(INDArray, INDArray, double)} with a given discriminator (e.g. on an executor). */
    public static INDArray confidenceMask(GanProfile profile, ComputationGraph discriminator, INDArray condition,
            INDArray image, double threshold) {
        INDArray patches = discriminator.output(false, Nd4j.concat(1, condition, image))[0];
        return upsampleBilinear(patches, profile.resolution(), profile.resolution()).gt(threshold)
                .castTo(condition.dataType());
    }

    /** One-hot argmax of segmentation probabilities {@code [N, C, H, W]}: the pseudo-labels. */
    public static INDArray pseudoLabels(INDArray segProbabilities) {
        INDArray argmax = segProbabilities.argMax(1); // [N, H, W]
        long classes = segProbabilities.size(1);
        INDArray oneHot = Nd4j.zeros(segProbabilities.dataType(), segProbabilities.shape());
        for (int c = 0; c < classes; c++) {
            oneHot.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all())
                    .assign(argmax.eq(c).castTo(segProbabilities.dataType()));
        }
        return oneHot;
    }

    /** Bilinear resize of {@code [N, C, h, w]} to {@code [N, C, H, W]} with half-pixel centres. */
    public static INDArray upsampleBilinear(INDArray in, int height, int width) {
        long n = in.size(0);
        long c = in.size(1);
        int h = (int) in.size(2);
        int w = (int) in.size(3);
        double[] src = ConvBuffers.read(in);
        double[] out = new double[(int) (n * c * height * width)];
        for (int plane = 0; plane < n * c; plane++) {
            int sBase = plane * h * w;
            int dBase = plane * height * width;
            for (int y = 0; y < height; y++) {
                double sy = Math.max(0, (y + 0.5) * h / height - 0.5);
                int y0 = Math.min((int) sy, h - 1);
                int y1 = Math.min(y0 + 1, h - 1);
                double fy = sy - y0;
                for (int x = 0; x < width; x++) {
                    double sx = Math.max(0, (x + 0.5) * w / width - 0.5);
                    int x0 = Math.min((int) sx, w - 1);
                    int x1 = Math.min(x0 + 1, w - 1);
                    double fx = sx - x0;
                    double top = src[sBase + y0 * w + x0] * (1 - fx) + src[sBase + y0 * w + x1] * fx;
                    double bottom = src[sBase + y1 * w + x0] * (1 - fx) + src[sBase + y1 * w + x1] * fx;
                    out[dBase + y * width + x] = top * (1 - fy) + bottom * fy;
                }
            }
        }
        return Nd4j.createFromArray(out).reshape(n, c, height, width).castTo(in.dataType());
    }

    /** {@code [N, C, H, W]} as row-major {@code [N*H*W, C]} values, rows ordered by example then pixel. */
    static double[] pixelRows(INDArray nchw) {
        return ConvBuffers.read(nchw.permute(0, 2, 3, 1));
    }

    /** Log-probabilities as rows: softmax of them gives the probabilities back. */
    private static double[] logits(INDArray probabilities) {
        double[] p = pixelRows(probabilities);
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.log(Math.max(p[i], 1e-30));
        }
        return p;
    }
}
