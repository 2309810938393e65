package org.umsynth.model.features;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Imports a Keras functional model in TensorFlow.js layers format ({@code model.json}: Keras topology
 * + weights manifest, binary shards beside it) or as a Keras HDF5 file ({@link #importKerasH5}) as
 * a DL4J {@link ComputationGraph} that ends in a
 * global average pool over a chosen feature layer (default {@code mixed10}, InceptionV3's last block).
 *
 * <p>Supported layers (the InceptionV3 and MobileNetV2 families): InputLayer, Conv2D and
 * DepthwiseConv2D (channels_last, dilation 1, any activation DL4J knows), BatchNormalization (with
 * or without scale/center), Activation, ReLU (plain or max 6), ZeroPadding2D, MaxPooling2D,
 * AveragePooling2D ('same' padding excludes the padded cells from the average, as TensorFlow
 * does), Concatenate on the channel axis, Add. Layers after the feature layer (pooling,
 * Flatten, Dense heads) are dropped. Weights: float32, or quantised ({@code quantization:
 * {dtype: uint8|uint16, scale, min}}) and dequantised per tensor as {@code w = min + scale * q} in
 * float64 before the cast to float32, as TF.js does. The graph runs NCHW; Keras kernels
 * {@code [kh, kw, in, out]} are permuted to DL4J's {@code [out, in, kh, kw]}. Any input size works
 * (no layer depends on it).
 */
public final class TfjsLayersImporter {
    public static final String GAP_VERTEX = "umsynth_gap";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TfjsLayersImporter() {}

    /** A built graph and its feature dimension. */
    public record Imported(ComputationGraph graph, int dimension, String featureLayer) {}

    /** A TF.js layers folder: {@code model.json} (topology + weights manifest) and its weight shards. */
    public static Imported importModel(Path modelDir, String featureLayer) throws IOException {
        Source source = readTfjs(modelDir);
        return build(source.topology(), source.weights(), featureLayer);
    }

    /** The same model as {@link #importModel}, as the fast inference-only forward pass ({@link InferenceNet}). */
    public static InferenceNet importInference(Path modelDir, String featureLayer) throws IOException {
        Source source = readTfjs(modelDir);
        return InferenceNet.fromKeras(source.topology(), source.weights(), featureLayer);
    }

    /** The same model as {@link #importKerasH5}, as the fast inference-only forward pass ({@link InferenceNet}). */
    public static InferenceNet importKerasH5Inference(Path h5, Path topologyJson, String featureLayer) throws IOException {
        Source source = readKerasH5(h5, topologyJson);
        return InferenceNet.fromKeras(source.topology(), source.weights(), featureLayer);
    }

    /** A Keras topology and its float32 weights keyed {@code layer/param}. */
    record Source(JsonNode topology, Map<String, INDArray> weights) {}

    static Source readTfjs(Path modelDir) throws IOException {
        Path json = modelDir.resolve("model.json");
        if (!Files.isRegularFile(json)) {
            throw new IOException("no TF.js layers model: " + json + " is missing");
        }
        JsonNode root = JSON.readTree(json.toFile());
        JsonNode topology = root.has("modelTopology") ? root.get("modelTopology") : root;
        if (!root.has("weightsManifest")) {
            throw new IOException(json + " has no weightsManifest");
        }
        return new Source(topology, readWeights(modelDir, root.get("weightsManifest")));
    }

    /**
     * A Keras HDF5 file: a whole model saved by {@code model.save("x.h5")} (topology in the root
     * attribute {@code model_config}, weights under {@code model_weights/<layer>/.../<param>:0}),
     * or a weights-only file ({@code save_weights}, e.g. the keras.applications InceptionV3 weights)
     * with the topology given as a Keras {@code model.to_json()} or TF.js {@code model.json} file.
     */
    public static Imported importKerasH5(Path h5, Path topologyJson, String featureLayer) throws IOException {
        Source source = readKerasH5(h5, topologyJson);
        return build(source.topology(), source.weights(), featureLayer);
    }

    static Source readKerasH5(Path h5, Path topologyJson) throws IOException {
        try (org.deeplearning4j.nn.modelimport.keras.Hdf5Archive archive =
                     new org.deeplearning4j.nn.modelimport.keras.Hdf5Archive(h5.toString())) {
            JsonNode topology;
            if (topologyJson != null) {
                JsonNode t = JSON.readTree(topologyJson.toFile());
                topology = t.has("modelTopology") ? t.get("modelTopology") : t;
            } else if (archive.hasAttribute("model_config")) {
                topology = JSON.readTree(archive.readAttributeAsJson("model_config"));
            } else {
                throw new IOException(h5 + " holds weights only: give the topology JSON as well");
            }
            String[] base = archive.getGroups().contains("model_weights") ? new String[]{"model_weights"} : new String[0];
            Map<String, INDArray> weights = new HashMap<>();
            for (String layer : archive.getGroups(base)) {
                collectH5Weights(archive, layer, concat(base, layer), weights);
            }
            return new Source(topology, weights);
        } catch (org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException e) {
            throw new IOException("cannot read " + h5 + ": " + e.getMessage(), e);
        }
    }

    /** Datasets anywhere below a layer's group, keyed {@code layer/param} (":0" suffix dropped). */
    private static void collectH5Weights(org.deeplearning4j.nn.modelimport.keras.Hdf5Archive archive, String layer, String[] path,
                                         Map<String, INDArray> out)
            throws org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException {
        for (String dataset : archive.getDataSets(path)) {
            String param = dataset.endsWith(":0") ? dataset.substring(0, dataset.length() - 2) : dataset;
            out.put(layer + "/" + param, archive.readDataSet(dataset, path).castTo(DataType.FLOAT));
        }
        for (String group : archive.getGroups(path)) {
            collectH5Weights(archive, layer, concat(path, group), out);
        }
    }

    private static String[] concat(String[] path, String last) {
        String[] p = java.util.Arrays.copyOf(path, path.length + 1);
        p[path.length] = last;
        return p;
    }

    /** The topology's layers by name, in file order; fails when {@code featureLayer} is not among them. */
    static Map<String, JsonNode> layersByName(JsonNode topology, String featureLayer) throws IOException {
        JsonNode modelConfig = topology.has("model_config") ? topology.get("model_config") : topology;
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        for (JsonNode layer : modelConfig.get("config").get("layers")) {
            byName.put(layer.get("name").asText(), layer);
        }
        if (!byName.containsKey(featureLayer)) {
            throw new IOException("model has no layer '" + featureLayer + "'");
        }
        return byName;
    }

    /** Builds the graph up to {@code featureLayer} from a Keras topology and {@code layer/param} weights. */
    static Imported build(JsonNode topology, Map<String, INDArray> weights, String featureLayer) throws IOException {
        Map<String, JsonNode> byName = layersByName(topology, featureLayer);
        List<String> needed = ancestorsInOrder(byName, featureLayer);

        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .graphBuilder();
        Map<String, Integer> channels = new HashMap<>();
        String inputName = null;
        for (String name : needed) {
            JsonNode layer = byName.get(name);
            JsonNode cfg = layer.get("config");
            String type = layer.get("class_name").asText();
            String[] inputs = inbound(layer);
            switch (type) {
                case "InputLayer" -> {
                    JsonNode shape = cfg.get("batch_input_shape");
                    int c = shape.get(shape.size() - 1).asInt();
                    if (c != 3) {
                        throw new IOException("expected a 3-channel channels_last input, got " + shape);
                    }
                    inputName = name;
                    g.addInputs(name);
                    channels.put(name, c);
                }
                case "Conv2D" -> {
                    requireChannelsLast(cfg, name);
                    int in = channels.get(inputs[0]);
                    int out = cfg.get("filters").asInt();
                    boolean bias = cfg.path("use_bias").asBoolean(true);
                    JsonNode dil = cfg.get("dilation_rate");
                    if (dil != null && (dil.get(0).asInt() != 1 || dil.get(1).asInt() != 1)) {
                        throw new IOException("dilated convolution not supported: " + name);
                    }
                    g.addLayer(name, new ConvolutionLayer.Builder(ints(cfg.get("kernel_size")))
                            .stride(ints(cfg.get("strides")))
                            .convolutionMode(mode(cfg))
                            .nIn(in).nOut(out).hasBias(bias)
                            .activation(activation(cfg.path("activation").asText("linear")))
                            .dataFormat(CNN2DFormat.NCHW)
                            .build(), inputs);
                    channels.put(name, out);
                }
                case "BatchNormalization" -> {
                    int axis = cfg.path("axis").asInt(-1);
                    if (axis != -1 && axis != 3) {
                        throw new IOException("batch normalisation must act on channels: " + name + " axis " + axis);
                    }
                    int c = channels.get(inputs[0]);
                    g.addLayer(name, new BatchNormalization.Builder()
                            .nIn(c).nOut(c)
                            .eps(cfg.path("epsilon").asDouble(1e-3))
                            .useLogStd(false)
                            .build(), inputs);
                    channels.put(name, c);
                }
                case "DepthwiseConv2D" -> {
                    requireChannelsLast(cfg, name);
                    int in = channels.get(inputs[0]);
                    int multiplier = cfg.path("depth_multiplier").asInt(1);
                    g.addLayer(name, new DepthwiseConvolution2D.Builder(ints(cfg.get("kernel_size")))
                            .stride(ints(cfg.get("strides")))
                            .convolutionMode(mode(cfg))
                            .nIn(in).depthMultiplier(multiplier).nOut((long) in * multiplier)
                            .hasBias(cfg.path("use_bias").asBoolean(true))
                            .activation(activation(cfg.path("activation").asText("linear")))
                            .dataFormat(CNN2DFormat.NCHW)
                            .build(), inputs);
                    channels.put(name, in * multiplier);
                }
                case "ZeroPadding2D" -> {
                    requireChannelsLast(cfg, name);
                    int[] pad = padding(cfg.get("padding"));
                    g.addLayer(name, new ZeroPaddingLayer.Builder(pad[0], pad[1], pad[2], pad[3])
                            .dataFormat(CNN2DFormat.NCHW).build(), inputs);
                    channels.put(name, channels.get(inputs[0]));
                }
                case "ReLU" -> {
                    if (cfg.path("negative_slope").asDouble(0) != 0 || cfg.path("threshold").asDouble(0) != 0) {
                        throw new IOException("ReLU with a slope or threshold is not supported: " + name);
                    }
                    JsonNode max = cfg.get("max_value");
                    Activation a;
                    if (max == null || max.isNull()) {
                        a = Activation.RELU;
                    } else if (max.asDouble() == 6.0) {
                        a = Activation.RELU6;
                    } else {
                        throw new IOException("ReLU max_value " + max + " is not supported: " + name);
                    }
                    g.addLayer(name, new ActivationLayer.Builder().activation(a).build(), inputs);
                    channels.put(name, channels.get(inputs[0]));
                }
                case "Add" -> {
                    g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), inputs);
                    channels.put(name, channels.get(inputs[0]));
                }
                case "Activation" -> {
                    g.addLayer(name, new ActivationLayer.Builder()
                            .activation(activation(cfg.get("activation").asText())).build(), inputs);
                    channels.put(name, channels.get(inputs[0]));
                }
                case "MaxPooling2D", "AveragePooling2D" -> {
                    requireChannelsLast(cfg, name);
                    g.addLayer(name, new SubsamplingLayer.Builder(
                                    type.startsWith("Max") ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG)
                            .kernelSize(ints(cfg.get("pool_size")))
                            .stride(ints(cfg.get("strides")))
                            .convolutionMode(mode(cfg))
                            .avgPoolIncludePadInDivisor(false)
                            .dataFormat(CNN2DFormat.NCHW)
                            .build(), inputs);
                    channels.put(name, channels.get(inputs[0]));
                }
                case "Concatenate" -> {
                    int axis = cfg.path("axis").asInt(-1);
                    if (axis != -1 && axis != 3) {
                        throw new IOException("only channel concatenation is supported: " + name + " axis " + axis);
                    }
                    g.addVertex(name, new MergeVertex(), inputs);
                    int sum = 0;
                    for (String i : inputs) {
                        sum += channels.get(i);
                    }
                    channels.put(name, sum);
                }
                default -> throw new IOException("unsupported layer " + type + " (" + name + ") before the feature layer");
            }
        }
        if (inputName == null) {
            throw new IOException("no InputLayer found above " + featureLayer);
        }
        g.addLayer(GAP_VERTEX, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), featureLayer);
        g.setOutputs(GAP_VERTEX);
        g.setInputTypes(InputType.convolutional(299, 299, 3, CNN2DFormat.NCHW));
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        assignWeights(graph, needed, byName, weights);
        return new Imported(graph, channels.get(featureLayer), featureLayer);
    }

    private static void assignWeights(ComputationGraph graph, List<String> names, Map<String, JsonNode> byName,
                                      Map<String, INDArray> weights) throws IOException {
        for (String name : names) {
            JsonNode layer = byName.get(name);
            String type = layer.get("class_name").asText();
            if (type.equals("Conv2D")) {
                INDArray kernel = take(weights, name, "kernel"); // [kh, kw, in, out]
                graph.getLayer(name).setParam("W", kernel.permute(3, 2, 0, 1).dup('c'));
                if (layer.get("config").path("use_bias").asBoolean(true)) {
                    graph.getLayer(name).setParam("b", take(weights, name, "bias").reshape(1, -1));
                }
            } else if (type.equals("DepthwiseConv2D")) {
                // Keras [kh, kw, in, multiplier] is DL4J's depthwise layout already
                graph.getLayer(name).setParam("W", take(weights, name, "depthwise_kernel").dup('c'));
                if (layer.get("config").path("use_bias").asBoolean(true)) {
                    graph.getLayer(name).setParam("b", take(weights, name, "bias").reshape(1, -1));
                }
            } else if (type.equals("BatchNormalization")) {
                JsonNode cfg = layer.get("config");
                INDArray mean = take(weights, name, "moving_mean");
                long c = mean.length();
                INDArray gamma = cfg.path("scale").asBoolean(true) ? take(weights, name, "gamma") : Nd4j.ones(DataType.FLOAT, c);
                INDArray beta = cfg.path("center").asBoolean(true) ? take(weights, name, "beta") : Nd4j.zeros(DataType.FLOAT, c);
                var l = graph.getLayer(name);
                l.setParam("gamma", gamma.reshape(1, c));
                l.setParam("beta", beta.reshape(1, c));
                l.setParam("mean", mean.reshape(1, c));
                l.setParam("var", take(weights, name, "moving_variance").reshape(1, c));
            }
        }
    }

    static INDArray take(Map<String, INDArray> weights, String layer, String param) throws IOException {
        INDArray w = weights.get(layer + "/" + param);
        if (w == null) {
            throw new IOException("weights manifest lacks " + layer + "/" + param);
        }
        return w;
    }

    /** Every manifest tensor, dequantised, by name; shards of a group are concatenated in order. */
    static Map<String, INDArray> readWeights(Path modelDir, JsonNode manifest) throws IOException {
        Map<String, INDArray> out = new HashMap<>();
        for (JsonNode group : manifest) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (JsonNode p : group.get("paths")) {
                try (InputStream in = Files.newInputStream(modelDir.resolve(p.asText()))) {
                    in.transferTo(bytes);
                }
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode w : group.get("weights")) {
                long[] shape = new long[w.get("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = w.get("shape").get(i).asLong();
                    count *= shape[i];
                }
                float[] values = new float[Math.toIntExact(count)];
                JsonNode q = w.get("quantization");
                if (q == null) {
                    if (!"float32".equals(w.path("dtype").asText("float32"))) {
                        throw new IOException("unsupported weight dtype " + w.get("dtype") + " for " + w.get("name"));
                    }
                    for (int i = 0; i < values.length; i++) {
                        values[i] = buf.getFloat();
                    }
                } else {
                    String qtype = q.get("dtype").asText();
                    if (!q.has("scale") || !q.has("min")) {
                        throw new IOException("quantisation without scale/min (" + qtype + ") for " + w.get("name"));
                    }
                    double scale = q.get("scale").asDouble();
                    double min = q.get("min").asDouble();
                    for (int i = 0; i < values.length; i++) {
                        int code = switch (qtype) {
                            case "uint8" -> buf.get() & 0xFF;
                            case "uint16" -> buf.getShort() & 0xFFFF;
                            default -> throw new IOException("unsupported quantisation dtype " + qtype);
                        };
                        values[i] = (float) (min + scale * code);
                    }
                }
                out.put(w.get("name").asText(), Nd4j.create(values, shape, 'c'));
            }
            if (buf.hasRemaining()) {
                throw new IOException("weight shards hold " + buf.remaining() + " bytes more than the manifest describes");
            }
        }
        return out;
    }

    /** The feature layer and all layers it depends on, in the topology's (topological) order. */
    static List<String> ancestorsInOrder(Map<String, JsonNode> byName, String target) throws IOException {
        java.util.Set<String> keep = new java.util.HashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(target));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (!keep.add(n)) {
                continue;
            }
            JsonNode layer = byName.get(n);
            if (layer == null) {
                throw new IOException("topology refers to unknown layer " + n);
            }
            for (String in : inbound(layer)) {
                todo.push(in);
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String n : byName.keySet()) {
            if (keep.contains(n)) {
                ordered.add(n);
            }
        }
        return ordered;
    }

    static String[] inbound(JsonNode layer) {
        JsonNode nodes = layer.get("inbound_nodes");
        if (nodes == null || nodes.size() == 0) {
            return new String[0];
        }
        JsonNode first = nodes.get(0);
        String[] names = new String[first.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = first.get(i).get(0).asText();
        }
        return names;
    }

    /** Keras ZeroPadding2D padding as {top, bottom, left, right}. */
    static int[] padding(JsonNode p) throws IOException {
        if (p.isInt()) {
            int v = p.asInt();
            return new int[]{v, v, v, v};
        }
        if (p.size() == 2 && p.get(0).isArray()) {
            return new int[]{p.get(0).get(0).asInt(), p.get(0).get(1).asInt(), p.get(1).get(0).asInt(), p.get(1).get(1).asInt()};
        }
        if (p.size() == 2) {
            return new int[]{p.get(0).asInt(), p.get(0).asInt(), p.get(1).asInt(), p.get(1).asInt()};
        }
        throw new IOException("unsupported ZeroPadding2D padding " + p);
    }

    static void requireChannelsLast(JsonNode cfg, String name) throws IOException {
        String fmt = cfg.path("data_format").asText("channels_last");
        if (!fmt.equals("channels_last")) {
            throw new IOException(name + ": only channels_last models are supported, got " + fmt);
        }
    }

    private static ConvolutionMode mode(JsonNode cfg) throws IOException {
        return switch (cfg.path("padding").asText("valid")) {
            case "same" -> ConvolutionMode.Same;
            case "valid" -> ConvolutionMode.Truncate;
            default -> throw new IOException("unsupported padding " + cfg.get("padding"));
        };
    }

    static Activation activation(String keras) throws IOException {
        return switch (keras) {
            case "linear" -> Activation.IDENTITY;
            case "relu" -> Activation.RELU;
            case "relu6" -> Activation.RELU6;
            case "sigmoid" -> Activation.SIGMOID;
            case "tanh" -> Activation.TANH;
            case "elu" -> Activation.ELU;
            case "selu" -> Activation.SELU;
            case "swish" -> Activation.SWISH;
            default -> throw new IOException("unsupported activation " + keras);
        };
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
