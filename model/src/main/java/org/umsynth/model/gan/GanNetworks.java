package org.umsynth.model.gan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The conditional GAN of SPEC section 4 as DL4J computation graphs, built from a {@link GanProfile}.
 *
 * <p>Generator (pix2pixHD {@code GlobalGenerator} with two heads): reflection pad 3, 7x7 conv (ngf),
 * instance norm, ReLU; {@code downsamplings} x (3x3 stride-2 conv doubling channels, IN, ReLU);
 * {@code residualBlocks} x (pad 1, 3x3, IN, ReLU, pad 1, 3x3, IN, + identity); {@code downsamplings} x
 * (transposed 3x3 stride 2 halving channels, IN, ReLU); reflection pad 3 shared by two 7x7 heads:
 * image (1 channel, tanh) and segmentation (C channels, softmax in the loss layer).
 *
 * <p>Transposed convolutions: PyTorch's {@code ConvTranspose2d(3, stride 2, padding 1, output_padding 1)}
 * computes the full {@code 2n+1} transposed output and keeps rows/columns {@code 1..2n}. DL4J's
 * {@code Deconvolution2D} in Same mode keeps {@code 0..2n-1} instead (a one-pixel shift), so we use
 * {@code Deconvolution2D} without padding (full {@code 2n+1} output) followed by {@code Cropping2D}
 * of the first row and column: the same function and parameter count as the reference.
 *
 * <p>Discriminator (pix2pixHD {@code MultiscaleDiscriminator}, no sigmoid in the net but in the loss
 * layer): per scale, 4x4 conv stride 2 (ndf) + LeakyReLU 0.2, then {@code discriminatorLayers - 1}
 * 4x4 stride-2 convs doubling filters (max 512) + IN + LeakyReLU, one 4x4 stride-1 conv + IN + LeakyReLU,
 * one 4x4 stride-1 conv to 1 channel; all with padding 2. Scale {@code s > 0} sees the input average-pooled
 * (3x3, stride 2, padding 1, padding not counted) {@code s} times. Its input is the generator input plus the image.
 *
 * <p>Layer names are shared between the three graphs, so parameters move between them by
 * {@code paramTable} key ({@link #copyParameters}): generator layers start with {@code g_}, discriminator
 * layers with {@code d}.
 */
public final class GanNetworks {
    public static final String CONDITION = "condition";
    public static final String DISCRIMINATOR_INPUT = "d_in";
    public static final String IMAGE = "image";
    public static final String SEGMENTATION = "seg";
    public static final String IMAGE_CONV = "g_image_conv";
    public static final String GENERATOR_PREFIX = "g_";
    public static final String DISCRIMINATOR_PREFIX = "d";

    private GanNetworks() {}

    /** Name of the output layer of discriminator scale {@code s}. */
    public static String discriminatorOutput(int scale) {
        return "d" + scale + "_out";
    }

    public static ComputationGraph generator(GanProfile p, long seed) {
        return init(generatorConfiguration(p, DataType.FLOAT, seed));
    }

    public static ComputationGraph discriminator(GanProfile p, long seed) {
        return init(discriminatorConfiguration(p, DataType.FLOAT, seed));
    }

    /**
     * Puts a graph about to be trained on the fast paths that are not part of its configuration (so a copy built
     * from the configuration, e.g. a Spark worker's, needs this again): {@link FastGraphUpdater} and the skipped
     * unused input gradients ({@link UnusedInputGradients}). Idempotent; parameters and updater state unchanged.
     */
    public static void prepareForTraining(ComputationGraph graph) {
        FastGraphUpdater.install(graph);
        UnusedInputGradients.mark(graph);
    }

    public static ComputationGraph combined(GanProfile p, long seed) {
        return init(combinedConfiguration(p, DataType.FLOAT, seed));
    }

    private static ComputationGraph init(ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** Generator alone: input {@value #CONDITION}; outputs {@value #IMAGE} (tanh) and {@value #SEGMENTATION}. */
    public static ComputationGraphConfiguration generatorConfiguration(GanProfile p, DataType dataType, long seed) {
        return generatorConfiguration(p, dataType, seed, adam(p));
    }

    public static ComputationGraphConfiguration generatorConfiguration(GanProfile p, DataType dataType, long seed,
            IUpdater updater) {
        GraphBuilder b = base(dataType, seed, p.initStd(), updater).addInputs(CONDITION)
                .setInputTypes(InputType.convolutional(p.resolution(), p.resolution(), p.inputChannels()));
        addGenerator(b, p, CONDITION);
        return b.setOutputs(IMAGE, SEGMENTATION).build();
    }

    /** Discriminator alone: input {@value #DISCRIMINATOR_INPUT}; one sigmoid patch map per scale. */
    public static ComputationGraphConfiguration discriminatorConfiguration(GanProfile p, DataType dataType,
            long seed) {
        return discriminatorConfiguration(p, dataType, seed, adam(p));
    }

    public static ComputationGraphConfiguration discriminatorConfiguration(GanProfile p, DataType dataType,
            long seed, IUpdater updater) {
        GraphBuilder b = base(dataType, seed, p.initStd(), updater).addInputs(DISCRIMINATOR_INPUT).setInputTypes(
                InputType.convolutional(p.resolution(), p.resolution(), p.discriminatorInputChannels()));
        List<String> outs = addDiscriminator(b, p, DISCRIMINATOR_INPUT, false);
        return b.setOutputs(outs.toArray(new String[0])).build();
    }

    /**
     * Generator followed by a frozen copy of the discriminator (every D layer with parameters wrapped in
     * {@link FrozenWithInputGradient}, a {@link FrozenLayerWithBackprop} whose fast layers skip the parameter
     * gradients it discards): the G phase. Outputs {@value #IMAGE} (L1 vs the real image),
     * {@value #SEGMENTATION} (Dice + CE, masked) and one GAN output per scale (BCE vs 1).
     */
    public static ComputationGraphConfiguration combinedConfiguration(GanProfile p, DataType dataType, long seed) {
        return combinedConfiguration(p, dataType, seed, adam(p));
    }

    public static ComputationGraphConfiguration combinedConfiguration(GanProfile p, DataType dataType, long seed,
            IUpdater updater) {
        GraphBuilder b = base(dataType, seed, p.initStd(), updater).addInputs(CONDITION)
                .setInputTypes(InputType.convolutional(p.resolution(), p.resolution(), p.inputChannels()));
        addGenerator(b, p, CONDITION);
        b.addVertex(DISCRIMINATOR_INPUT, new MergeVertex(), CONDITION, IMAGE_CONV);
        List<String> outs = new ArrayList<>(List.of(IMAGE, SEGMENTATION));
        outs.addAll(addDiscriminator(b, p, DISCRIMINATOR_INPUT, true));
        return b.setOutputs(outs.toArray(new String[0])).build();
    }

    /**
     * The reference optimiser, Adam(lr, beta1, 0.999, eps 1e-8): {@link FastAdam} (same results, Java step), or
     * DL4J's stock {@link Adam} with {@code -D}{@value FastAdam#ENABLED_PROPERTY}{@code =false} (A/B timing).
     */
    public static IUpdater adam(GanProfile p) {
        return FastAdam.preferred(p.learningRate(), p.beta1(), 0.999, 1e-8);
    }

    private static GraphBuilder base(DataType dataType, long seed, double initStd, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().dataType(dataType).seed(seed).updater(updater)
                .weightInit(new WeightInitDistribution(new NormalDistribution(0.0, initStd))).biasInit(0.0)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder();
    }

    private static void addGenerator(GraphBuilder b, GanProfile p, String input) {
        String x = pad(b, p, "g_pad0", 3, input);
        x = conv(b, p, "g_conv0", 7, 1, 0, p.ngf(), x);
        x = normRelu(b, p, "g_conv0", x);
        int channels = p.ngf();
        for (int i = 0; i < p.downsamplings(); i++) {
            channels *= 2;
            x = conv(b, p, "g_down" + i, 3, 2, 1, channels, x);
            x = normRelu(b, p, "g_down" + i, x);
        }
        for (int r = 0; r < p.residualBlocks(); r++) {
            String name = "g_res" + r;
            String y = pad(b, p, name + "_pad1", 1, x);
            y = conv(b, p, name + "_conv1", 3, 1, 0, channels, y);
            y = normRelu(b, p, name + "_conv1", y);
            y = pad(b, p, name + "_pad2", 1, y);
            y = conv(b, p, name + "_conv2", 3, 1, 0, channels, y);
            b.addLayer(name + "_conv2_in", instanceNorm(p), y);
            b.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), x, name + "_conv2_in");
            x = name;
        }
        for (int i = 0; i < p.downsamplings(); i++) {
            channels /= 2;
            String name = "g_up" + i;
            Deconvolution2D.Builder up = p.stockLayers() ? new Deconvolution2D.Builder(3, 3)
                    : new FastDeconvolution2D.Builder(3, 3);
            b.addLayer(name, up.stride(2, 2).padding(0, 0).nOut(channels).activation(Activation.IDENTITY).build(), x);
            b.addLayer(name + "_crop", new Cropping2D.Builder(1, 0, 1, 0).build(), name);
            x = normRelu(b, p, name, name + "_crop");
        }
        String head = pad(b, p, "g_head_pad", 3, x);
        b.addLayer(IMAGE_CONV, convLayer(p, 7, 1, 0, 1, Activation.TANH.getActivationFunction()), head);
        b.addLayer("g_seg_conv", convLayer(p, 7, 1, 0, p.classes(), Activation.IDENTITY.getActivationFunction()), head);
        int pixels = p.resolution() * p.resolution();
        b.addLayer(IMAGE, new CnnLossLayer.Builder().lossFunction(
                new PixelMeanLoss(PixelMeanLoss.Kind.L1, pixels, p.l1Weight())).activation(Activation.IDENTITY)
                .build(), IMAGE_CONV);
        b.addLayer(SEGMENTATION, new CnnLossLayer.Builder().lossFunction(
                new DiceCeLoss(pixels, p.segWeightLabelled(), p.diceSmooth())).activation(Activation.SOFTMAX)
                .build(), "g_seg_conv");
    }

    private static List<String> addDiscriminator(GraphBuilder b, GanProfile p, String input, boolean frozen) {
        List<String> outputs = new ArrayList<>();
        String scaleInput = input;
        for (int s = 0; s < p.discriminatorScales(); s++) {
            if (s > 0) {
                String pool = "d" + s + "_pool";
                b.addLayer(pool, new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).avgPoolIncludePadInDivisor(false).build(), scaleInput);
                scaleInput = pool;
            }
            String prefix = "d" + s + "_conv";
            int filters = p.ndf();
            String x = scaleInput;
            b.addLayer(prefix + 0, maybeFrozen(convLayer(p, 4, 2, 2, filters, new ActivationLReLU(0.2)), frozen), x);
            x = prefix + 0;
            for (int l = 1; l <= p.discriminatorLayers(); l++) {
                filters = Math.min(filters * 2, 512);
                int stride = l < p.discriminatorLayers() ? 2 : 1;
                String name = prefix + l;
                b.addLayer(name, maybeFrozen(convLayer(p, 4, stride, 2, filters, Activation.IDENTITY
                        .getActivationFunction()), frozen), x);
                b.addLayer(name + "_in", instanceNorm(p), name);
                b.addLayer(name + "_act", activation(p, new ActivationLReLU(0.2)), name + "_in");
                x = name + "_act";
            }
            String last = prefix + (p.discriminatorLayers() + 1);
            b.addLayer(last, maybeFrozen(convLayer(p, 4, 1, 2, 1, Activation.IDENTITY.getActivationFunction()), frozen),
                    x);
            int side = p.discriminatorOutputSide(s);
            String out = discriminatorOutput(s);
            b.addLayer(out, new CnnLossLayer.Builder().lossFunction(
                    new PixelMeanLoss(PixelMeanLoss.Kind.BCE, side * side, 1.0)).activation(Activation.SIGMOID)
                    .build(), last);
            outputs.add(out);
        }
        return outputs;
    }

    private static Layer maybeFrozen(Layer layer, boolean frozen) {
        return frozen ? new FrozenWithInputGradient(layer) : layer;
    }

    private static String pad(GraphBuilder b, GanProfile p, String name, int padding, String input) {
        b.addLayer(name, p.stockLayers() ? new ReflectionPad2D(padding) : new FastReflectionPad2D(padding), input);
        return name;
    }

    private static Layer instanceNorm(GanProfile p) {
        return p.stockLayers() ? new InstanceNorm() : new FastInstanceNorm();
    }

    private static String conv(GraphBuilder b, GanProfile p, String name, int kernel, int stride, int padding, int nOut,
            String input) {
        b.addLayer(name, convLayer(p, kernel, stride, padding, nOut, Activation.IDENTITY.getActivationFunction()), input);
        return name;
    }

    /**
     * A conv layer: {@link SameDiffConv2D} when the profile asks for it, else {@link FastConvolution} or, with
     * {@code stockLayers}, DL4J's {@code ConvolutionLayer} (same function and parameters).
     * Transposed convolutions, instance norm and reflection padding likewise: {@link FastDeconvolution2D},
     * {@link FastInstanceNorm} / {@link FastReflectionPad2D}, or
     * with {@code stockLayers} DL4J's {@code Deconvolution2D} and the SameDiff {@link InstanceNorm} /
     * {@link ReflectionPad2D}.
     */
    private static Layer convLayer(GanProfile p, int kernel, int stride, int padding, int nOut,
            org.nd4j.linalg.activations.IActivation activation) {
        if (p.sameDiffConvolutions()) {
            String name;
            if (activation instanceof ActivationLReLU lrelu) {
                if (lrelu.getAlpha() != 0.2) {
                    throw new IllegalArgumentException("SameDiffConv2D has LeakyReLU 0.2 only");
                }
                name = "lrelu";
            } else if (activation instanceof org.nd4j.linalg.activations.impl.ActivationTanH) {
                name = "tanh";
            } else if (activation instanceof org.nd4j.linalg.activations.impl.ActivationIdentity) {
                name = "identity";
            } else {
                throw new IllegalArgumentException("no SameDiffConv2D activation for " + activation);
            }
            return new SameDiffConv2D(kernel, stride, padding, nOut, p.initStd(), name);
        }
        ConvolutionLayer.Builder b = p.stockLayers() ? new ConvolutionLayer.Builder(kernel, kernel)
                : new FastConvolution.Builder(kernel, kernel);
        return b.stride(stride, stride).padding(padding, padding).nOut(nOut).activation(activation).build();
    }

    private static String normRelu(GraphBuilder b, GanProfile p, String name, String input) {
        b.addLayer(name + "_in", instanceNorm(p), input);
        b.addLayer(name + "_relu", activation(p, Activation.RELU.getActivationFunction()), name + "_in");
        return name + "_relu";
    }

    /** {@link FastActivation}, or DL4J's {@link ActivationLayer} with {@code stockLayers} or {@code -Dumsynth.fastActivation=false}. */
    private static Layer activation(GanProfile p, org.nd4j.linalg.activations.IActivation fn) {
        return p.stockLayers() ? new ActivationLayer(fn) : FastActivation.preferred(fn);
    }

    /** Parameter count of a configuration, without allocating its parameters. */
    public static long parameterCount(ComputationGraphConfiguration conf) {
        long total = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                total += layer.initializer().numParams(layer);
            }
        }
        return total;
    }

    /** Parameter count of the layers whose names satisfy {@code layers}. */
    public static long parameterCount(ComputationGraph graph, Predicate<String> layers) {
        long total = 0;
        for (Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            if (layers.test(layerOf(e.getKey()))) {
                total += e.getValue().length();
            }
        }
        return total;
    }

    /**
     * Copies every parameter of {@code from} whose layer name satisfies {@code layers} into the parameter
     * of the same key in {@code to}; returns how many values were copied. Fails if a key is missing or its
     * shape differs, so a silent half-copy cannot happen.
     */
    public static long copyParameters(ComputationGraph from, ComputationGraph to, Predicate<String> layers) {
        Map<String, INDArray> target = to.paramTable();
        long copied = 0;
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            if (!layers.test(layerOf(e.getKey()))) {
                continue;
            }
            INDArray dst = target.get(e.getKey());
            if (dst == null || !java.util.Arrays.equals(dst.shape(), e.getValue().shape())) {
                throw new IllegalStateException("parameter " + e.getKey() + " missing or of another shape in target");
            }
            if (!Blas.copyFloats(e.getValue(), dst)) {
                dst.assign(e.getValue());
            }
            copied += dst.length();
        }
        return copied;
    }

    public static boolean isGeneratorLayer(String layer) {
        return layer.startsWith(GENERATOR_PREFIX);
    }

    public static boolean isDiscriminatorLayer(String layer) {
        return layer.startsWith(DISCRIMINATOR_PREFIX);
    }

    private static String layerOf(String paramKey) {
        int cut = paramKey.lastIndexOf('_');
        return cut < 0 ? paramKey : paramKey.substring(0, cut);
    }

    /** Sets the weight of the segmentation (Dice + CE) term of a generator or combined graph. */
    public static void setSegmentationWeight(ComputationGraph graph, double weight) {
        segmentationLoss(graph).setWeight(weight);
    }

    public static DiceCeLoss segmentationLoss(ComputationGraph graph) {
        org.deeplearning4j.nn.conf.layers.Layer layer = graph.getLayer(SEGMENTATION).conf().getLayer();
        return (DiceCeLoss) ((CnnLossLayer) layer).getLossFn();
    }
}
