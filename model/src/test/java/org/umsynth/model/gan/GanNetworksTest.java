package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.umsynth.model.train.Conditioning;

class GanNetworksTest {

    /**
     * pix2pixHD GlobalGenerator(input_nc=2, output_nc=1, ngf=64, n_downsampling=4, n_blocks=9) with our
     * second 7x7 head (3 classes), counted by hand from its layer list (weights k*k*in*out + bias out;
     * InstanceNorm without affine parameters has none):
     * <pre>
     *   7x7 2->64                          6,336
     *   3x3 s2 64->128->256->512->1024     73,856 + 295,168 + 1,180,160 + 4,719,616 = 6,268,800
     *   9 blocks x 2 x 3x3 1024->1024      9 x 2 x 9,438,208 = 169,887,744
     *   3x3 transposed 1024->512->...->64  4,719,104 + 1,179,904 + 295,040 + 73,792 = 6,267,840
     *   heads 7x7 64->1, 7x7 64->3         3,137 + 9,411
     *   total                              182,443,268
     * </pre>
     * pix2pixHD MultiscaleDiscriminator(input_nc=3, ndf=64, n_layers=3, num_D=2): per scale 4x4 convs
     * 3->64, 64->128, 128->256, 256->512, 512->1: 3,136 + 131,200 + 524,544 + 2,097,664 + 8,193 = 2,764,737;
     * two scales 5,529,474.
     */
    static final long REFERENCE_GENERATOR = 182_443_268L;
    static final long REFERENCE_DISCRIMINATOR = 5_529_474L;

    static long referenceGenerator(int in, int ngf, int down, int blocks, int classes) {
        long n = 49L * in * ngf + ngf;
        int ch = ngf;
        for (int i = 0; i < down; i++) {
            n += 9L * ch * (2L * ch) + 2L * ch;
            ch *= 2;
        }
        n += blocks * 2L * (9L * ch * ch + ch);
        for (int i = 0; i < down; i++) {
            n += 9L * ch * (ch / 2) + ch / 2;
            ch /= 2;
        }
        return n + (49L * ch + 1) + (49L * ch * classes + classes);
    }

    @Test
    void paperProfileMatchesTheReferenceParameterCounts() {
        GanProfile paper = GanProfile.paper();
        assertEquals(REFERENCE_GENERATOR, referenceGenerator(2, 64, 4, 9, 3));
        long g = GanNetworks.parameterCount(GanNetworks.generatorConfiguration(paper, DataType.FLOAT, 1));
        long d = GanNetworks.parameterCount(GanNetworks.discriminatorConfiguration(paper, DataType.FLOAT, 1));
        long both = GanNetworks.parameterCount(GanNetworks.combinedConfiguration(paper, DataType.FLOAT, 1));
        assertEquals(REFERENCE_GENERATOR, g);
        assertEquals(REFERENCE_DISCRIMINATOR, d);
        assertEquals(g + d, both);
        // the seg baseline: one-hot (3) + edges in, so G's first conv and D's first convs grow
        GanProfile seg = paper.withConditioning(Conditioning.SEG);
        assertEquals(REFERENCE_GENERATOR + 2 * 64 * 49,
                GanNetworks.parameterCount(GanNetworks.generatorConfiguration(seg, DataType.FLOAT, 1)));
        assertEquals(REFERENCE_DISCRIMINATOR + 2 * 2 * 64 * 16,
                GanNetworks.parameterCount(GanNetworks.discriminatorConfiguration(seg, DataType.FLOAT, 1)));
    }

    @Test
    void builtNetworksHaveTheCountedParametersAndShapes() {
        GanProfile micro = GanTestProfiles.micro();
        ComputationGraph g = GanNetworks.generator(micro, 1);
        ComputationGraph d = GanNetworks.discriminator(micro, 2);
        assertEquals(GanNetworks.parameterCount(g.getConfiguration()), g.numParams());
        assertEquals(referenceGenerator(2, 4, 2, 1, 3), g.numParams());
        INDArray[] out = g.output(Nd4j.rand(DataType.FLOAT, 2, 2, 32, 32));
        assertArrayEquals(new long[] {2, 1, 32, 32}, out[0].shape());
        assertArrayEquals(new long[] {2, 3, 32, 32}, out[1].shape());
        assertTrue(out[0].maxNumber().doubleValue() <= 1 && out[0].minNumber().doubleValue() >= -1);
        assertEquals(2 * 32 * 32, out[1].sumNumber().doubleValue(), 1e-2); // softmax over classes
        INDArray[] patches = d.output(Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32));
        assertEquals(2, patches.length);
        for (int s = 0; s < 2; s++) {
            int side = micro.discriminatorOutputSide(s);
            assertArrayEquals(new long[] {2, 1, side, side}, patches[s].shape());
        }
        assertEquals(7, micro.discriminatorOutputSide(0));
        assertEquals(5, micro.discriminatorOutputSide(1));
        // the second scale's 3x3 average pool does not count the zero padding (count_include_pad=False)
        INDArray pooled = d.getLayer("d1_pool").activate(Nd4j.ones(DataType.FLOAT, 1, 3, 32, 32), false,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        assertArrayEquals(new long[] {1, 3, 16, 16}, pooled.shape());
        assertEquals(1.0, pooled.minNumber().doubleValue(), 1e-6);
        assertEquals(1.0, pooled.maxNumber().doubleValue(), 1e-6);
        // N(0, 0.02) weights, zero biases
        INDArray w = g.getParam("g_res0_conv1_W");
        assertEquals(0.02, w.stdNumber().doubleValue(), 0.004);
        assertEquals(0.0, g.getParam("g_res0_conv1_b").norm1Number().doubleValue(), 0.0);
    }

    @Test
    void transposedConvolutionCoversTheSamePixelsAsPyTorch() {
        // ConvTranspose2d(3, stride 2, padding 1, output_padding 1): input pixel (i, j) reaches output
        // rows 2i-1..2i+1 and columns 2j-1..2j+1 (clipped to [0, 2n)).
        GanProfile micro = GanTestProfiles.micro();
        ComputationGraph g = GanNetworks.generator(micro, 3);
        org.deeplearning4j.nn.api.Layer up = g.getLayer("g_up1");
        org.deeplearning4j.nn.api.Layer crop = g.getLayer("g_up1_crop");
        up.setParam("W", Nd4j.ones(up.getParam("W").dataType(), up.getParam("W").shape()));
        up.setParam("b", Nd4j.zeros(up.getParam("b").dataType(), up.getParam("b").shape()));
        long nIn = up.getParam("W").size(0);
        for (int[] at : new int[][] {{0, 0}, {3, 5}, {7, 7}}) {
            INDArray x = Nd4j.zeros(DataType.FLOAT, 1, nIn, 8, 8);
            x.putScalar(new long[] {0, 0, at[0], at[1]}, 1.0);
            org.deeplearning4j.nn.workspace.LayerWorkspaceMgr ws =
                    org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
            INDArray y = crop.activate(up.activate(x, false, ws), false, ws);
            assertArrayEquals(new long[] {1, 4, 16, 16}, y.shape());
            for (int r = 0; r < 16; r++) {
                for (int c = 0; c < 16; c++) {
                    boolean inside = Math.abs(r - 2 * at[0]) <= 1 && Math.abs(c - 2 * at[1]) <= 1;
                    assertEquals(inside ? 1.0 : 0.0, y.getDouble(0, 0, r, c), 1e-6, "at " + r + "," + c);
                }
            }
        }
    }

    @Test
    void combinedGraphPassesGradientCheckThroughTheFrozenDiscriminator() {
        GanProfile nano = GanProfile.demo().withSizes(2, 2, 2, 1).withResolution(16);
        ComputationGraph combined = new ComputationGraph(
                GanNetworks.combinedConfiguration(nano, DataType.DOUBLE, 5, new NoOp()));
        combined.init();
        Random r = new Random(6);
        int n = 2;
        INDArray cond = Nd4j.rand(DataType.DOUBLE, n, 2, 16, 16).muli(2).subi(1);
        INDArray real = Nd4j.rand(DataType.DOUBLE, n, 1, 16, 16).muli(2).subi(1);
        INDArray seg = Nd4j.zeros(DataType.DOUBLE, n, 3, 16, 16);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, n, 1, 16, 16);
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    seg.putScalar(new long[] {i, r.nextInt(3), y, x}, 1);
                    if (r.nextInt(4) == 0) {
                        mask.putScalar(new long[] {i, 0, y, x}, 0);
                    }
                }
            }
        }
        INDArray[] labels = {real, seg, Nd4j.ones(DataType.DOUBLE, n, 1, nano.discriminatorOutputSide(0),
                nano.discriminatorOutputSide(0)), Nd4j.ones(DataType.DOUBLE, n, 1, nano.discriminatorOutputSide(1),
                nano.discriminatorOutputSide(1))};
        Set<String> frozen = new HashSet<>();
        for (String key : combined.paramTable().keySet()) {
            if (!key.startsWith("g_")) {
                frozen.add(key);
            }
        }
        assertEquals(2 * 5 * 2, frozen.size()); // W and b of 5 convs on 2 scales
        // GradientCheckUtil perturbs every parameter of a graph (its subset options apply to networks only):
        // minutes here. The same criterion on a sample of each G parameter array instead.
        MultiDataSet data = new MultiDataSet(new INDArray[] {cond}, labels, null,
                new INDArray[] {null, mask, null, null});
        assertSampledGradientsMatch(combined, data, frozen, 3, new Random(7));
        // the frozen D reports no gradient for its own parameters
        combined.setInputs(cond);
        combined.setLabels(labels);
        combined.computeGradientAndScore();
        for (String key : frozen) {
            INDArray grad = combined.gradient().getGradientFor(key);
            assertTrue(grad == null || grad.norm1Number().doubleValue() == 0.0, key);
        }
    }

    /**
     * Central differences (eps 1e-6) against the analytic gradient divided by the minibatch size (what the
     * updater applies), on {@code perArray} random entries of every parameter array not in {@code skip};
     * DL4J's criterion: relative error {@code |a-n|/(|a|+|n|) < 1e-3} or absolute error {@code < 1e-8}.
     */
    static void assertSampledGradientsMatch(ComputationGraph graph, MultiDataSet data, Set<String> skip,
            int perArray, Random random) {
        graph.setInputs(data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.setLayerMaskArrays(null, data.getLabelsMaskArrays());
        graph.computeGradientAndScore();
        long batch = data.getFeatures(0).size(0);
        int checked = 0;
        for (java.util.Map.Entry<String, INDArray> e : graph.paramTable().entrySet()) {
            if (skip.contains(e.getKey())) {
                continue;
            }
            INDArray param = e.getValue();
            INDArray analytic = graph.gradient().getGradientFor(e.getKey()).dup().divi(batch);
            for (int k = 0; k < perArray; k++) {
                long i = random.nextInt((int) param.length());
                double original = param.getDouble(i);
                param.putScalar(i, original + 1e-6);
                double plus = graph.score(data, true);
                param.putScalar(i, original - 1e-6);
                double minus = graph.score(data, true);
                param.putScalar(i, original);
                double numeric = (plus - minus) / 2e-6;
                double a = analytic.getDouble(i);
                double abs = Math.abs(a - numeric);
                double rel = abs == 0 ? 0 : abs / (Math.abs(a) + Math.abs(numeric));
                assertTrue(rel < 1e-3 || abs < 1e-8,
                        e.getKey() + "[" + i + "]: analytic " + a + ", numeric " + numeric + ", rel " + rel);
                checked++;
            }
        }
        assertTrue(checked >= perArray * 10, "checked " + checked);
    }

    @Test
    void profilesRejectImpossibleSizes() {
        assertThrows(IllegalArgumentException.class, () -> GanProfile.demo().withResolution(100));
        assertThrows(IllegalArgumentException.class, () -> GanProfile.demo().withResolution(16));
        assertEquals(4, GanProfile.demo().withConditioning(Conditioning.SEG).inputChannels());
        assertEquals(5, GanProfile.demo().withConditioning(Conditioning.SEG).discriminatorInputChannels());
        String json = GanNetworks.combinedConfiguration(GanTestProfiles.micro(), DataType.FLOAT, 1).toJson();
        assertEquals(json, ComputationGraphConfiguration.fromJson(json).toJson());
    }
}
