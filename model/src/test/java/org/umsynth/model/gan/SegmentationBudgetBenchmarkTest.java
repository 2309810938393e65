package org.umsynth.model.gan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Held-out lung Dice of the segmentation head at the demo budget (64x64 demo networks, 12 phantom cases
 * made like the demo's, 3 labelled, 12 epochs, lr 1e-3, 2 averaged workers of 8 minibatches of 2 per round).
 * Not a unit test (minutes): run with {@code -Dumsynth.bench=true}; variants by system properties
 * {@code umsynth.seg.*} (see {@link #stepsAndDice}). Figures in {@code bench/gan/README.md}.
 */
@EnabledIfSystemProperty(named = "umsynth.bench", matches = "true")
class SegmentationBudgetBenchmarkTest {
    /** For parallel variants outside Maven: {@code java -cp ... org.umsynth.model.gan.SegmentationBudgetBenchmarkTest}. */
    public static void main(String[] args) {
        new SegmentationBudgetBenchmarkTest().stepsAndDice();
    }

    @Test
    void stepsAndDice() {
        int resolution = Integer.getInteger("umsynth.seg.resolution", 64);
        int labelledCases = Integer.getInteger("umsynth.seg.labelledCases", 3);
        int cases = Integer.getInteger("umsynth.seg.cases", 15);
        int testCases = Integer.getInteger("umsynth.seg.testCases", 4);
        int epochs = Integer.getInteger("umsynth.seg.epochs", 8);
        int decay = Integer.getInteger("umsynth.seg.decayEpochs", 4);
        double lr = Double.parseDouble(System.getProperty("umsynth.seg.lr", "1e-3"));
        int workers = Integer.getInteger("umsynth.seg.workers", 2);
        int passes = Integer.getInteger("umsynth.seg.labelledPasses", 1);
        int pseudoFrom = Integer.getInteger("umsynth.seg.pseudoFromEpoch", 0); // > epochs: image-only unlabelled passes
        long seed = Long.getLong("umsynth.seg.seed", 42);
        long dataStart = System.nanoTime();
        int phantomSize = Integer.getInteger("umsynth.seg.phantomSize", 256);
        int roundBatches = Integer.getInteger("umsynth.seg.roundBatches", 8);
        String[] sizes = System.getProperty("umsynth.seg.sizes", "16,16,3,3,3").split(","); // ngf,ndf,down,blocks,dLayers
        SegmentationHarness.Data data = SegmentationHarness.phantomData(7, cases, labelledCases, testCases, phantomSize,
                resolution);
        System.out.printf("SEGBENCH data: %d labelled, %d unlabelled, %d test pairs in %.1f s%n",
                data.labelled().size(), data.unlabelled().size(), data.test().size(),
                (System.nanoTime() - dataStart) / 1e9);
        GanProfile p = new GanProfile(resolution, Integer.parseInt(sizes[0]), Integer.parseInt(sizes[1]),
                Integer.parseInt(sizes[2]), Integer.parseInt(sizes[3]), Integer.parseInt(sizes[4]), 2, 3, org.umsynth.model.train.Conditioning.UM, 2, lr,
                0.5, epochs, decay, 10.0, 10.0, 0.5, 0.02, 1.0);
        SegmentationHarness.Schedule s = new SegmentationHarness.Schedule(workers, roundBatches, passes, pseudoFrom);
        SegmentationHarness.Run run = SegmentationHarness.train(p, data, s, seed);
        System.out.printf("SEGBENCH %s %s: %s; %d G steps (%d labelled), %.0f s%n", p, s, run.last(),
                run.generatorSteps(), run.labelledSteps(), run.seconds());
    }
}
