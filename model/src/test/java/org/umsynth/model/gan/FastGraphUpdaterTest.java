package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * {@link FastGraphUpdater} keeps DL4J's updater on its standard path and changes nothing else: the same
 * parameters and Adam state, bit for bit, as the stock updater after several fits.
 */
class FastGraphUpdaterTest {
    private static final int SIDE = 32;

    /** A D-phase minibatch of two phantom slices (seeded) against half their image as the fakes. */
    private static MultiDataSet discriminatorData(GanProfile p) {
        Random r = new Random(3);
        GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(SIDE, r),
                GanTrainerTest.phantom(SIDE, r)));
        return GanTrainer.discriminatorData(p, b, b.realImage().mul(0.5));
    }

    private static void fitBoth(ComputationGraph stock, ComputationGraph fast, MultiDataSet data, int fits) {
        for (int i = 0; i < fits; i++) {
            stock.fit(data);
            fast.fit(data);
        }
    }

    @Test
    void updatesExactlyAsTheStockUpdaterOnItsStandardPath() {
        GanProfile p = GanProfile.demo().withResolution(SIDE);
        ComputationGraph stock = GanNetworks.discriminator(p, 7);
        ComputationGraph fast = GanNetworks.discriminator(p, 7);
        FastGraphUpdater.install(fast);
        assertInstanceOf(FastGraphUpdater.class, fast.getUpdater());
        MultiDataSet data = discriminatorData(p);
        long before = FastGraphUpdater.standardPathUpdates();
        long fusedBefore = FastGraphUpdater.fusedSteps();
        INDArray initial = fast.params().dup();
        fitBoth(stock, fast, data, 3);
        assertEquals(3, FastGraphUpdater.standardPathUpdates() - before, "every fit took the standard path");
        // and took its parameter step inside the Adam pass (FusedStepFunction), with the same result
        assertInstanceOf(FusedStepFunction.class, ((org.deeplearning4j.optimize.solvers.BaseOptimizer)
                fast.getOptimizer()).getStepFunction());
        assertEquals(3, FastGraphUpdater.fusedSteps() - fusedBefore, "every fit fused its step");
        assertNotEquals(initial, fast.params(), "the fits moved the parameters");
        assertEquals(stock.params(), fast.params());
        assertEquals(stock.getUpdater().getStateViewArray(), fast.getUpdater().getStateViewArray());
        assertEquals(stock.score(), fast.score(), 0.0);
    }

    @Test
    void combinedGraphLeavesTheFrozenDiscriminatorOutOfAdamWithTheSameResult() {
        GanProfile p = GanProfile.demo().withResolution(SIDE);
        ComputationGraph stock = GanNetworks.combined(p, 9);
        ComputationGraph fast = GanNetworks.combined(p, 9);
        FastGraphUpdater.install(fast);
        Random r = new Random(5);
        GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(SIDE, r),
                GanTrainerTest.phantom(SIDE, r)));
        MultiDataSet data = GanTrainer.generatorData(p, b);
        long fusedBefore = FastGraphUpdater.fusedSteps();
        fitBoth(stock, fast, data, 3);
        assertEquals(3, FastGraphUpdater.fusedSteps() - fusedBefore, "every fit fused its step");
        assertEquals(stock.params(), fast.params());
        assertEquals(stock.getUpdater().getStateViewArray(), fast.getUpdater().getStateViewArray());
        long frozen = GanNetworks.discriminator(p, 9).numParams();
        long trained = 0;
        long total = 0;
        for (var block : fast.getUpdater().getUpdaterBlocks()) {
            if (block.getGradientUpdater() instanceof FastAdam.FastAdamUpdater adam) {
                long length = block.getParamOffsetEnd() - block.getParamOffsetStart();
                trained += adam.trainedElements(length);
                total += length;
            }
        }
        assertEquals(frozen, total - trained, "Adam leaves out exactly the frozen discriminator's parameters");
    }

    @Test
    void blocksWithoutTheJavaAdamStepLeaveTheStepToDl4j() {
        // a plain Adam configuration: no block takes the step in its pass, the step function subtracts everything
        GanProfile p = GanProfile.demo().withResolution(SIDE);
        org.nd4j.linalg.learning.config.Adam adam = new org.nd4j.linalg.learning.config.Adam(2e-4, 0.5, 0.999, 1e-8);
        ComputationGraph stock = new ComputationGraph(GanNetworks.discriminatorConfiguration(p,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, adam));
        stock.init();
        ComputationGraph fast = new ComputationGraph(GanNetworks.discriminatorConfiguration(p,
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 7, adam));
        fast.init();
        FastGraphUpdater.install(fast);
        MultiDataSet data = discriminatorData(p);
        long fusedBefore = FastGraphUpdater.fusedSteps();
        INDArray initial = fast.params().dup();
        fitBoth(stock, fast, data, 2);
        assertEquals(0, FastGraphUpdater.fusedSteps() - fusedBefore, "plain Adam blocks fuse nothing");
        assertNotEquals(initial, fast.params(), "the step function still moved the parameters");
        assertEquals(stock.params(), fast.params());
    }

    @Test
    void installKeepsTheStateAndSurvivesLearningRateChanges() {
        GanProfile p = GanProfile.demo().withResolution(SIDE);
        GanTrainer t = new GanTrainer(p, 5);
        Random r = new Random(4);
        GanTrainer.Batch b = GanTrainerTest.batch(p, List.of(GanTrainerTest.phantom(SIDE, r),
                GanTrainerTest.phantom(SIDE, r)));
        t.step(b);
        INDArray state = t.combined().getUpdater().getStateViewArray().dup();
        assertInstanceOf(FastGraphUpdater.class, t.discriminator().getUpdater());
        assertInstanceOf(FastGraphUpdater.class, t.combined().getUpdater());

        t.setLearningRate(1e-4);
        assertInstanceOf(FastGraphUpdater.class, t.discriminator().getUpdater());
        assertInstanceOf(FastGraphUpdater.class, t.combined().getUpdater());
        assertEquals(state, t.combined().getUpdater().getStateViewArray(), "Adam state kept");

        ComputationGraph g = t.combined();
        var installed = g.getUpdater();
        FastGraphUpdater.install(g);
        assertSame(installed, g.getUpdater(), "installing twice keeps the first");
    }
}
