package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link UnusedInputGradients}: which layers get marked, that a marked layer returns a zero input gradient and the
 * same weight gradient, and that training is unchanged bit for bit (the skipped gradients were never used).
 */
class UnusedInputGradientsTest {
    private static final int SIDE = 32;
    private final GanProfile p = GanProfile.demo().withResolution(SIDE);

    @Test
    void marksTheConvolutionsThatReadOnlyTheNetworkInput() {
        ComputationGraph d = GanNetworks.discriminator(p, 1);
        assertEquals(2, UnusedInputGradients.mark(d));
        assertEquals(List.of("d0_conv0", "d1_conv0"), marked(d), "each scale's first convolution (d1 after pooling)");
        ComputationGraph c = GanNetworks.combined(p, 1);
        assertEquals(1, UnusedInputGradients.mark(c));
        assertEquals(List.of("g_conv0"), marked(c), "the stem behind the reflection padding; D's layers read G's output");
        assertEquals(1, UnusedInputGradients.mark(c), "idempotent");
    }

    @Test
    void aMarkedLayerReturnsZerosAndTheSameWeightGradient() {
        for (String name : List.of("d0_conv0", "g_conv0")) { // the im2col path and the SIMD stem
            ComputationGraph a = name.startsWith("d") ? GanNetworks.discriminator(p, 2) : GanNetworks.combined(p, 2);
            a.initGradientsView();
            FastConvolutionLayer layer = (FastConvolutionLayer) a.getLayer(name);
            long[] inShape = name.startsWith("d") ? new long[] {2, p.discriminatorInputChannels(), SIDE, SIDE}
                    : new long[] {2, p.inputChannels(), SIDE + 6, SIDE + 6};
            Nd4j.getRandom().setSeed(5);
            INDArray in = Nd4j.rand(DataType.FLOAT, inShape).subi(0.5);
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            layer.setInput(in, mgr);
            INDArray out = layer.activate(true, mgr);
            INDArray eps = Nd4j.rand(DataType.FLOAT, out.shape()).subi(0.5);
            INDArray full = layer.backpropGradient(eps, mgr).getSecond().dup();
            INDArray weights = layer.getGradientsViewArray().dup();

            layer.setInputGradientUnused(true);
            layer.setInput(in, mgr);
            layer.activate(true, mgr);
            INDArray skipped = layer.backpropGradient(eps, mgr).getSecond();
            assertTrue(full.amaxNumber().doubleValue() > 0, name + ": the input gradient is not trivially zero");
            assertEquals(0.0, skipped.amaxNumber().doubleValue(), 0.0, name + ": zeros when unused");
            assertEquals(weights, layer.getGradientsViewArray(), name + ": same weight and bias gradients");
        }
    }

    @Test
    void trainingIsUnchanged() {
        Random r = new Random(6);
        GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(SIDE, r),
                GanTrainerTest.phantom(SIDE, r)));
        MultiDataSet dData = GanTrainer.discriminatorData(p, b, b.realImage().mul(0.5));
        MultiDataSet gData = GanTrainer.generatorData(p, b);
        ComputationGraph[][] pairs = {{GanNetworks.discriminator(p, 3), GanNetworks.discriminator(p, 3)},
            {GanNetworks.combined(p, 3), GanNetworks.combined(p, 3)}};
        for (int k = 0; k < pairs.length; k++) {
            ComputationGraph[] pair = pairs[k];
            MultiDataSet data = k == 0 ? dData : gData;
            assertTrue(UnusedInputGradients.mark(pair[1]) > 0);
            INDArray initial = pair[0].params().dup();
            for (int i = 0; i < 2; i++) {
                pair[0].fit(data);
                pair[1].fit(data);
            }
            assertNotEquals(initial, pair[1].params());
            assertEquals(pair[0].params(), pair[1].params());
            assertEquals(pair[0].score(), pair[1].score(), 0.0);
        }
    }

    private static List<String> marked(ComputationGraph g) {
        List<String> names = new ArrayList<>();
        for (GraphVertex v : g.getVertices()) {
            Layer layer = v.hasLayer() ? v.getLayer() : null;
            if (layer instanceof FrozenLayerWithBackprop frozen) {
                layer = frozen.getUnderlying();
            }
            if (layer instanceof FastConvolutionLayer fast && fast.isInputGradientUnused()) {
                names.add(v.getVertexName());
            }
        }
        names.sort(String::compareTo);
        return names;
    }
}
