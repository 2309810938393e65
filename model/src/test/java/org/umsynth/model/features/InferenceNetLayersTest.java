package org.umsynth.model.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The InferenceNet paths InceptionV3 does not reach, against the ComputationGraph import of the same small Keras
 * topology with random weights: a strided 'same' convolution with bias and relu (im2col), a batch norm that cannot
 * be folded (after an activation), a stride-1 'same' convolution on 144 channels with folded batch norm and fused
 * activation, Add, ZeroPadding2D + a 3x5 'valid' convolution, an average pool before a 1x1 convolution (commuted),
 * a concatenation with one input that other layers also read, and a 'same' strided max pool (-inf padding). No
 * model files needed.
 */
class InferenceNetLayersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode layer(ArrayNode layers, String cls, String name, String... inputs) {
        ObjectNode l = layers.addObject();
        l.put("class_name", cls);
        l.put("name", name);
        ObjectNode cfg = l.putObject("config");
        cfg.put("name", name);
        ArrayNode nodes = l.putArray("inbound_nodes");
        if (inputs.length > 0) {
            ArrayNode node = nodes.addArray();
            for (String in : inputs) {
                node.addArray().add(in).add(0).add(0).addObject();
            }
        }
        return cfg;
    }

    private static ObjectNode conv(ArrayNode layers, Map<String, INDArray> w, String name, String input, int kh, int kw, int stride,
                                   String padding, int in, int out, boolean bias, String activation, long seed) {
        ObjectNode cfg = layer(layers, "Conv2D", name, input);
        cfg.putArray("kernel_size").add(kh).add(kw);
        cfg.putArray("strides").add(stride).add(stride);
        cfg.put("padding", padding).put("filters", out).put("use_bias", bias).put("activation", activation);
        Nd4j.getRandom().setSeed(seed);
        w.put(name + "/kernel", Nd4j.randn(DataType.FLOAT, kh, kw, in, out).muli(Math.sqrt(2.0 / (kh * kw * in))));
        if (bias) {
            w.put(name + "/bias", Nd4j.randn(DataType.FLOAT, out).muli(0.1));
        }
        return cfg;
    }

    private static void batchNorm(ArrayNode layers, Map<String, INDArray> w, String name, String input, int c, long seed) {
        layer(layers, "BatchNormalization", name, input).put("axis", -1).put("epsilon", 1e-3);
        Nd4j.getRandom().setSeed(seed);
        w.put(name + "/gamma", Nd4j.rand(DataType.FLOAT, c).addi(0.5));
        w.put(name + "/beta", Nd4j.randn(DataType.FLOAT, c).muli(0.1));
        w.put(name + "/moving_mean", Nd4j.randn(DataType.FLOAT, c).muli(0.1));
        w.put(name + "/moving_variance", Nd4j.rand(DataType.FLOAT, c).addi(0.5));
    }

    private static JsonNode topology(Map<String, INDArray> w) {
        ObjectNode root = JSON.createObjectNode();
        root.put("class_name", "Functional");
        ArrayNode layers = root.putObject("config").putArray("layers");
        layer(layers, "InputLayer", "input").putArray("batch_input_shape").addNull().addNull().addNull().add(3);
        conv(layers, w, "c1", "input", 3, 3, 2, "same", 3, 144, true, "relu", 1);
        batchNorm(layers, w, "bn1", "c1", 144, 2);
        conv(layers, w, "c2", "bn1", 3, 3, 1, "same", 144, 144, false, "linear", 3);
        batchNorm(layers, w, "bn2", "c2", 144, 4);
        layer(layers, "Activation", "act2", "bn2").put("activation", "relu");
        layer(layers, "Add", "add", "act2", "bn1");
        ObjectNode pad = layer(layers, "ZeroPadding2D", "pad", "add");
        pad.putArray("padding").add(JSON.createArrayNode().add(1).add(1)).add(JSON.createArrayNode().add(2).add(2));
        conv(layers, w, "c3", "pad", 3, 5, 1, "valid", 144, 24, true, "linear", 5);
        ObjectNode ap = layer(layers, "AveragePooling2D", "ap", "add");
        ap.putArray("pool_size").add(3).add(3);
        ap.putArray("strides").add(1).add(1);
        ap.put("padding", "same");
        conv(layers, w, "c4", "ap", 1, 1, 1, "valid", 144, 16, false, "linear", 6);
        batchNorm(layers, w, "bn4", "c4", 16, 7);
        layer(layers, "ReLU", "relu4", "bn4");
        conv(layers, w, "c5", "add", 1, 1, 1, "valid", 144, 8, true, "relu", 8);
        layer(layers, "Concatenate", "concat", "relu4", "c5", "c3", "add").put("axis", -1);
        ObjectNode mp = layer(layers, "MaxPooling2D", "mp", "concat");
        mp.putArray("pool_size").add(3).add(3);
        mp.putArray("strides").add(2).add(2);
        mp.put("padding", "same");
        return root;
    }

    @Test
    void everyLayerPathEqualsTheComputationGraph() throws IOException {
        Map<String, INDArray> weights = new HashMap<>();
        JsonNode topology = topology(weights);
        var graph = TfjsLayersImporter.build(topology, weights, "mp");
        InferenceNet net = InferenceNet.fromKeras(topology, weights, "mp");
        assertEquals(16 + 8 + 24 + 144, net.dimension());
        assertEquals(graph.dimension(), net.dimension());
        // c1, bn1 (not foldable), c2 (+bn2, act2), add, pad, c3, c4 (+ap, bn4, relu4), c5, concat, mp
        assertEquals(10, net.nodeCount());
        for (int r : new int[]{41, 24}) {
            Nd4j.getRandom().setSeed(r);
            INDArray nhwc = Nd4j.rand(DataType.FLOAT, 3, r, r, 3).muli(2).subi(1);
            INDArray expected = graph.graph().outputSingle(false, nhwc.permute(0, 3, 1, 2).dup('c'));
            INDArray actual = net.output(nhwc);
            double max = expected.amaxNumber().doubleValue();
            double diff = expected.sub(actual).amaxNumber().doubleValue();
            System.out.printf("r=%d: max |graph| %.4f, max |net - graph| %.3g%n", r, max, diff);
            assertTrue(max > 0.1, "degenerate features");
            assertTrue(diff < 1e-5 * max, "r=" + r + ": max diff " + diff + " vs " + max);
            // and each image alone gives its row of the batch
            INDArray one = net.output(nhwc.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 3)).dup('c'));
            assertTrue(one.sub(actual.getRow(2).reshape(1, -1)).amaxNumber().doubleValue() < 1e-5 * max);
        }
    }

    @Test
    void threadsSplitTheBatchWithoutChangingTheFeaturesAndRestoreTheBackend() throws IOException {
        Map<String, INDArray> weights = new HashMap<>();
        JsonNode topology = topology(weights);
        InferenceNet net = InferenceNet.fromKeras(topology, weights, "mp");
        Nd4j.getRandom().setSeed(5);
        INDArray nhwc = Nd4j.rand(DataType.FLOAT, 5, 33, 33, 3).muli(2).subi(1);
        net.setThreads(1);
        INDArray serial = net.output(nhwc);
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        int nativeThreads = Nd4j.getEnvironment().maxThreads();
        for (int threads : new int[]{2, 3, 8}) { // 8 > 5 images: one image per group
            net.setThreads(threads);
            INDArray parallel = net.output(nhwc);
            assertEquals(5, parallel.rows());
            double max = serial.amaxNumber().doubleValue();
            double diff = serial.sub(parallel).amaxNumber().doubleValue();
            assertTrue(max > 0.1 && diff < 1e-6 * max, threads + " threads: max diff " + diff + " vs " + max);
        }
        assertEquals(blasThreads, Nd4j.factory().blas().getMaxThreads());
        assertEquals(nativeThreads, Nd4j.getEnvironment().maxThreads());
        assertThrows(IllegalArgumentException.class, () -> net.setThreads(-1));

    }

    @Test
    void tooSmallInputsAreRefusedNamingTheLayer() throws IOException {
        Map<String, INDArray> weights = new HashMap<>();
        ObjectNode root = JSON.createObjectNode();
        ArrayNode layers = root.putObject("config").putArray("layers");
        layer(layers, "InputLayer", "input").putArray("batch_input_shape").addNull().addNull().addNull().add(3);
        conv(layers, weights, "stem", "input", 3, 3, 1, "valid", 3, 4, true, "relu", 9);
        InferenceNet net = InferenceNet.fromKeras(root, weights, "stem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.zeros(DataType.FLOAT, 1, 2, 5, 3)));
        assertTrue(e.getMessage().contains("2x5 is too small") && e.getMessage().contains("stem"), e.getMessage());
        assertEquals(4, net.output(Nd4j.zeros(DataType.FLOAT, 1, 3, 3, 3)).size(1));
        // with image groups on threads the failure reaches the caller, and the thread counts are restored
        int blasThreads = Nd4j.factory().blas().getMaxThreads();
        net.setThreads(2);
        e = assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.zeros(DataType.FLOAT, 4, 2, 5, 3)));
        assertTrue(e.getMessage().contains("2x5 is too small"), e.getMessage());
        assertEquals(blasThreads, Nd4j.factory().blas().getMaxThreads());
        assertEquals(4, net.output(Nd4j.zeros(DataType.FLOAT, 4, 3, 3, 3)).size(0));
    }

    @Test
    void unsupportedLayersAreNamed() throws IOException {
        Map<String, INDArray> weights = new HashMap<>();
        ObjectNode topology = (ObjectNode) topology(weights);
        ArrayNode layers = (ArrayNode) topology.get("config").get("layers");
        layer(layers, "Dropout", "drop", "mp").put("rate", 0.5);
        IOException e = assertThrows(IOException.class, () -> InferenceNet.fromKeras(topology, weights, "drop"));
        assertTrue(e.getMessage().contains("Dropout") && e.getMessage().contains("drop"), e.getMessage());
        weights.remove("c3/kernel");
        IOException missing = assertThrows(IOException.class, () -> InferenceNet.fromKeras(topology, weights, "mp"));
        assertTrue(missing.getMessage().contains("c3/kernel"), missing.getMessage());
        IOException unknown = assertThrows(IOException.class, () -> InferenceNet.fromKeras(topology, weights, "nope"));
        assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
    }
}
