package org.umsynth.model.gan;

import java.util.Objects;
import org.umsynth.model.train.Conditioning;

/**
 * Sizes and training constants of the conditional GAN (SPEC section 4). {@link #paper()} holds the
 * reference values; {@link #demo()} trains on 2 CPU cores in minutes.
 *
 * @param resolution        square image side; divisible by {@code 2^downsamplings}
 * @param ngf               generator filters of the first layer
 * @param ndf               discriminator filters of the first layer
 * @param downsamplings     stride-2 convolutions (and transposed convolutions) of the generator
 * @param residualBlocks    residual blocks at the bottleneck
 * @param discriminatorLayers PatchGAN stride-2 layers per scale (pix2pixHD {@code n_layers_D})
 * @param discriminatorScales PatchGAN scales (pix2pixHD {@code num_D})
 * @param classes           segmentation classes (0 background, 1 lung, 2 lesion)
 * @param conditioning      {@code um} (the method) or {@code seg} (the baseline)
 * @param batchSize         minibatch size
 * @param learningRate      Adam learning rate
 * @param beta1             Adam beta1
 * @param epochs            epochs at constant learning rate
 * @param decayEpochs       further epochs with linear decay to 0
 * @param l1Weight          weight of the image L1 term
 * @param segWeightLabelled weight of (Dice + CE) on manual labels
 * @param segWeightPseudo   weight of (Dice + CE) on pseudo-labels
 * @param initStd           standard deviation of the N(0, std) weight initialisation
 * @param diceSmooth        soft Dice smoothing term
 * @param sameDiffConvolutions convolutions as {@link SameDiffConv2D} (libnd4j {@code conv2d}: oneDNN-accelerated
 *                          with the {@code onednn} build) instead of DL4J's {@code ConvolutionLayer}; same function
 *                          and parameter count, another weight layout, so checkpoints are not interchangeable
 * @param stockLayers       DL4J's stock {@code ConvolutionLayer} (unless {@code sameDiffConvolutions}) and
 *                          {@code Deconvolution2D}, {@code ActivationLayer} and the SameDiff {@link InstanceNorm} /
 *                          {@link ReflectionPad2D} instead of the default {@link FastConvolution},
 *                          {@link FastDeconvolution2D}, {@link FastActivation}, {@link FastInstanceNorm} and
 *                          {@link FastReflectionPad2D}: the same function and parameters
 *                          (checkpoints load either way), several times slower on CPU; absent in older checkpoints,
 *                          which therefore load with the fast layers
 */
public record GanProfile(int resolution, int ngf, int ndf, int downsamplings, int residualBlocks,
        int discriminatorLayers, int discriminatorScales, int classes, Conditioning conditioning, int batchSize,
        double learningRate, double beta1, int epochs, int decayEpochs, double l1Weight, double segWeightLabelled,
        double segWeightPseudo, double initStd, double diceSmooth, boolean sameDiffConvolutions,
        boolean stockLayers) implements java.io.Serializable {

    /** With the fast layers ({@code stockLayers} false). */
    public GanProfile(int resolution, int ngf, int ndf, int downsamplings, int residualBlocks,
            int discriminatorLayers, int discriminatorScales, int classes, Conditioning conditioning, int batchSize,
            double learningRate, double beta1, int epochs, int decayEpochs, double l1Weight, double segWeightLabelled,
            double segWeightPseudo, double initStd, double diceSmooth, boolean sameDiffConvolutions) {
        this(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers, discriminatorScales, classes,
                conditioning, batchSize, learningRate, beta1, epochs, decayEpochs, l1Weight, segWeightLabelled,
                segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions, false);
    }

    /** With the fast layers and DL4J convolutions ({@code stockLayers}, {@code sameDiffConvolutions} false). */
    public GanProfile(int resolution, int ngf, int ndf, int downsamplings, int residualBlocks,
            int discriminatorLayers, int discriminatorScales, int classes, Conditioning conditioning, int batchSize,
            double learningRate, double beta1, int epochs, int decayEpochs, double l1Weight, double segWeightLabelled,
            double segWeightPseudo, double initStd, double diceSmooth) {
        this(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers, discriminatorScales, classes,
                conditioning, batchSize, learningRate, beta1, epochs, decayEpochs, l1Weight, segWeightLabelled,
                segWeightPseudo, initStd, diceSmooth, false);
    }

    public GanProfile {
        Objects.requireNonNull(conditioning, "conditioning");
        positive("resolution", resolution);
        positive("ngf", ngf);
        positive("ndf", ndf);
        positive("discriminatorLayers", discriminatorLayers);
        positive("discriminatorScales", discriminatorScales);
        positive("batchSize", batchSize);
        if (downsamplings < 0 || residualBlocks < 0 || epochs < 0 || decayEpochs < 0) {
            throw new IllegalArgumentException("downsamplings, residualBlocks and epochs must be >= 0");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2: " + classes);
        }
        if (resolution % (1 << downsamplings) != 0) {
            throw new IllegalArgumentException("resolution " + resolution + " is not divisible by 2^" + downsamplings);
        }
        if (resolution >> downsamplings < 4) {
            throw new IllegalArgumentException("resolution " + resolution + " is too small for " + downsamplings
                    + " downsamplings (the bottleneck must be >= 4 pixels for reflection padding)");
        }
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1: " + v);
        }
    }

    /** The reference (SemiCS2 / pix2pixHD) values at 1024x1024. */
    public static GanProfile paper() {
        return new GanProfile(1024, 64, 64, 4, 9, 3, 2, 3, Conditioning.UM, 2, 2e-4, 0.5, 300, 100, 10.0, 10.0, 0.5,
                0.02, 1.0);
    }

    /** Small enough to train on 2 CPU cores in minutes: 128x128, ngf 16, 3 downsamplings, 3 blocks. */
    public static GanProfile demo() {
        return new GanProfile(128, 16, 16, 3, 3, 3, 2, 3, Conditioning.UM, 2, 2e-4, 0.5, 8, 4, 10.0, 10.0, 0.5,
                0.02, 1.0);
    }

    /** Generator input channels. */
    public int inputChannels() {
        return conditioning.channels(classes);
    }

    /** Discriminator input channels: the generator input plus the image (the segmentation is not shown). */
    public int discriminatorInputChannels() {
        return inputChannels() + 1;
    }

    public GanProfile withConditioning(Conditioning mode) {
        return new GanProfile(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, mode, batchSize, learningRate, beta1, epochs, decayEpochs, l1Weight,
                segWeightLabelled, segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions,
                stockLayers);
    }

    public GanProfile withResolution(int side) {
        return new GanProfile(side, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, conditioning, batchSize, learningRate, beta1, epochs, decayEpochs,
                l1Weight, segWeightLabelled, segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions,
                stockLayers);
    }

    public GanProfile withLearningRate(double rate) {
        return new GanProfile(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, conditioning, batchSize, rate, beta1, epochs, decayEpochs, l1Weight,
                segWeightLabelled, segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions,
                stockLayers);
    }

    public GanProfile withSameDiffConvolutions(boolean on) {
        return new GanProfile(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, conditioning, batchSize, learningRate, beta1, epochs, decayEpochs,
                l1Weight, segWeightLabelled, segWeightPseudo, initStd, diceSmooth, on, stockLayers);
    }

    /** DL4J's stock and SameDiff layers ({@code true}) or the fast Java ones ({@code false}); see {@link #stockLayers}. */
    public GanProfile withStockLayers(boolean stock) {
        return new GanProfile(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, conditioning, batchSize, learningRate, beta1, epochs, decayEpochs,
                l1Weight, segWeightLabelled, segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions, stock);
    }

    public GanProfile withSizes(int ngf, int ndf, int downsamplings, int residualBlocks) {
        return new GanProfile(resolution, ngf, ndf, downsamplings, residualBlocks, discriminatorLayers,
                discriminatorScales, classes, conditioning, batchSize, learningRate, beta1, epochs, decayEpochs,
                l1Weight, segWeightLabelled, segWeightPseudo, initStd, diceSmooth, sameDiffConvolutions,
                stockLayers);
    }

    /** Side of a PatchGAN output at {@code scale} (0 = full resolution). */
    public int discriminatorOutputSide(int scale) {
        int side = resolution;
        for (int s = 0; s < scale; s++) {
            side = (side - 1) / 2 + 1; // avg pool 3x3, stride 2, padding 1
        }
        for (int l = 0; l < discriminatorLayers; l++) {
            side = side / 2 + 1; // 4x4, stride 2, padding 2
        }
        return side + 2; // two 4x4 stride-1 convs with padding 2 each add one
    }
}
