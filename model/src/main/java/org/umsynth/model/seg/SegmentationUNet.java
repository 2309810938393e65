package org.umsynth.model.seg;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.umsynth.model.gan.DiceCeLoss;
import org.umsynth.model.gan.FastAdam;
import org.umsynth.model.gan.FastConvolution;
import org.umsynth.model.gan.GanNetworks;

/**
 * The downstream segmentation U-Net of the utility experiment (Ronneberger et al. 2015, "same" padding):
 * per level two 3x3 conv + batch norm + ReLU, 2x2 max-pool down; up by nearest 2x upsampling + 3x3 conv +
 * batch norm + ReLU, concatenated with the level's skip, two 3x3 conv + batch norm + ReLU; a 1x1 conv to C
 * classes with a per-pixel softmax and {@link DiceCeLoss} (soft Dice + cross-entropy, weight 1, the GAN's
 * segmentation loss). He initialisation. Batch norm: without it, small budgets often left a seed on the
 * all-background plateau (phantoms at 32x32, 60 steps: 1 of 3 seeds at lung Dice 0.06 vs 0.91-0.95 with it);
 * at inference it uses its running statistics (averaged across workers with the parameters), so an image's
 * output does not depend on its batch.
 *
 * <p>Layer names: {@code enc<l>_a/b} (level l = 0..depth; level {@code depth} is the bottleneck; each a
 * {@code _conv}, {@code _bn} and the ReLU under the plain name), {@code up<l>}, {@code cat<l>},
 * {@code dec<l>_a/b}, {@code logits}, {@code seg}. The encoder alone
 * ({@link #encoderConfiguration}) shares the names up to the bottleneck, so a trained segmenter's
 * parameters copy into it by key.
 */
public final class SegmentationUNet {
    public static final String INPUT = "ct";
    public static final String OUTPUT = "seg";
    public static final String FEATURES = "bottleneck_gap";

    private SegmentationUNet() {}

    public static ComputationGraphConfiguration configuration(UNetSpec spec, long seed) {
        GraphBuilder b = base(spec, seed, spec.resolution());
        String x = encoder(b, spec);
        for (int l = spec.depth() - 1; l >= 0; l--) {
            int filters = spec.baseFilters() << l;
            b.addLayer("up" + l + "_nn", new Upsampling2D.Builder(2).build(), x);
            convBnRelu(b, "up" + l, filters, "up" + l + "_nn");
            b.addVertex("cat" + l, new MergeVertex(), "up" + l, "enc" + l + "_b");
            convBnRelu(b, "dec" + l + "_a", filters, "cat" + l);
            convBnRelu(b, "dec" + l + "_b", filters, "dec" + l + "_a");
            x = "dec" + l + "_b";
        }
        b.addLayer("logits", conv(1, spec.classes(), Activation.IDENTITY), x);
        int pixels = spec.resolution() * spec.resolution();
        b.addLayer(OUTPUT, new CnnLossLayer.Builder().lossFunction(new DiceCeLoss(pixels, 1.0, spec.diceSmooth()))
                .activation(Activation.SOFTMAX).build(), "logits");
        return b.setOutputs(OUTPUT).build();
    }

    /**
     * The encoder down to the bottleneck plus global average pooling: output {@code [N, bottleneckChannels]}.
     * Fully convolutional, so {@code resolution} may differ from the training one (a multiple of 2^depth).
     */
    public static ComputationGraphConfiguration encoderConfiguration(UNetSpec spec, int resolution) {
        if (resolution % (1 << spec.depth()) != 0) {
            throw new IllegalArgumentException("resolution " + resolution + " is not a multiple of 2^depth = "
                    + (1 << spec.depth()) + " of the segmenter");
        }
        GraphBuilder b = base(spec, 0, resolution);
        String x = encoder(b, spec);
        b.addLayer(FEATURES, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        return b.setOutputs(FEATURES).build();
    }

    /** A new, initialised segmenter. */
    public static ComputationGraph create(UNetSpec spec, long seed) {
        ComputationGraph net = new ComputationGraph(configuration(spec, seed));
        net.init();
        return net;
    }

    /** The encoder of a trained segmenter, its parameters copied by key. */
    public static ComputationGraph encoderOf(ComputationGraph segmenter, UNetSpec spec, int resolution) {
        ComputationGraph encoder = new ComputationGraph(encoderConfiguration(spec, resolution));
        encoder.init();
        long copied = GanNetworks.copyParameters(segmenter, encoder, layer -> layer.startsWith("enc"));
        if (copied != encoder.numParams()) {
            throw new IllegalStateException("copied " + copied + " of the encoder's " + encoder.numParams() + " parameters");
        }
        return encoder;
    }

    /** Reads the spec back from a segmenter's configuration (for models loaded from a zip). */
    public static UNetSpec specOf(ComputationGraph segmenter) {
        ComputationGraphConfiguration conf = segmenter.getConfiguration();
        int depth = 0;
        while (conf.getVertices().containsKey("enc" + (depth + 1) + "_a")) {
            depth++;
        }
        if (depth == 0 || !conf.getVertices().containsKey(OUTPUT) || !conf.getVertices().containsKey("enc0_a_conv")) {
            throw new IllegalArgumentException("not a umsynth segmentation U-Net (no enc0_a_conv / enc1_a / seg layers)");
        }
        ConvolutionLayer first = (ConvolutionLayer) layer(segmenter, "enc0_a_conv");
        ConvolutionLayer logits = (ConvolutionLayer) layer(segmenter, "logits");
        CnnLossLayer out = (CnnLossLayer) layer(segmenter, OUTPUT);
        DiceCeLoss loss = (DiceCeLoss) out.getLossFn();
        int resolution = (int) Math.round(Math.sqrt(loss.getPixelsPerExample()));
        double lr = first.getIUpdater() instanceof Adam adam ? adam.getLearningRate() : 1e-3;
        return new UNetSpec(resolution, depth, (int) first.getNOut(), (int) logits.getNOut(), lr, loss.getSmooth());
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(ComputationGraph g, String name) {
        return g.getLayer(name).conf().getLayer();
    }

    private static String encoder(GraphBuilder b, UNetSpec spec) {
        String x = INPUT;
        for (int l = 0; l <= spec.depth(); l++) {
            int filters = spec.baseFilters() << l;
            if (l > 0) {
                b.addLayer("pool" + l, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), x);
                x = "pool" + l;
            }
            convBnRelu(b, "enc" + l + "_a", filters, x);
            convBnRelu(b, "enc" + l + "_b", filters, "enc" + l + "_a");
            x = "enc" + l + "_b";
        }
        return x;
    }

    private static GraphBuilder base(UNetSpec spec, long seed, int resolution) {
        return new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).seed(seed)
                .updater(FastAdam.preferred(spec.learningRate(), Adam.DEFAULT_ADAM_BETA1_MEAN_DECAY,
                        Adam.DEFAULT_ADAM_BETA2_VAR_DECAY, Adam.DEFAULT_ADAM_EPSILON)).weightInit(WeightInit.RELU).biasInit(0.0)
                .convolutionMode(ConvolutionMode.Same).graphBuilder()
                .addInputs(INPUT).setInputTypes(InputType.convolutional(resolution, resolution, 1));
    }

    /** 3x3 conv, batch norm, ReLU; the ReLU carries {@code name}. */
    private static void convBnRelu(GraphBuilder b, String name, int filters, String input) {
        b.addLayer(name + "_conv", conv(3, filters, Activation.IDENTITY), input);
        b.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv");
        b.addLayer(name, new ActivationLayer(Activation.RELU), name + "_bn");
    }

    /** DL4J's convolution computed by {@link FastConvolution} (same parameters; several times faster on CPU). */
    private static ConvolutionLayer conv(int kernel, int nOut, Activation activation) {
        return new FastConvolution.Builder(kernel, kernel).stride(1, 1).nOut(nOut).activation(activation).build();
    }
}
