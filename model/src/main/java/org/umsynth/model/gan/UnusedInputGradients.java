package org.umsynth.model.gan;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;

/**
 * Finds the layers whose input gradient no one uses and tells the fast convolutions among them to skip it: DL4J
 * backpropagates into every layer's input, also where nothing upstream has parameters (the discriminator's first
 * convolutions read the network's input; the generator's 7x7 stem reads it through the parameter-free reflection
 * padding). Skipped there: the column gemm and col2im, or the SIMD input-gradient kernel, per image.
 */
public final class UnusedInputGradients {
    private UnusedInputGradients() {}

    /**
     * Marks {@code graph}'s fast convolution layers that read only vertices without parameters upstream; returns how
     * many. Idempotent; only the layers' runtime flags change (configuration and parameters do not).
     */
    public static int mark(ComputationGraph graph) {
        GraphVertex[] vertices = graph.getVertices();
        boolean[] gradientFlows = new boolean[vertices.length]; // does dL/d(output of v) reach any parameter?
        int marked = 0;
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue; // false: the network's input has no parameters
            }
            boolean upstream = false;
            VertexIndices[] inputs = v.getInputVertices();
            if (inputs != null) {
                for (VertexIndices in : inputs) {
                    upstream |= gradientFlows[in.getVertexIndex()];
                }
            }
            Layer layer = v.hasLayer() ? v.getLayer() : null;
            gradientFlows[idx] = upstream || (layer != null && layer.numParams() > 0);
            FastConvolutionLayer fast = fastConvolution(layer);
            if (fast != null) {
                fast.setInputGradientUnused(!upstream);
                marked += upstream ? 0 : 1;
            }
        }
        return marked;
    }

    private static FastConvolutionLayer fastConvolution(Layer layer) {
        if (layer instanceof FrozenLayerWithBackprop frozen) {
            layer = frozen.getUnderlying();
        }
        return layer instanceof FastConvolutionLayer fast ? fast : null;
    }
}
