package org.umsynth.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.umsynth.model.gan.FastGraphUpdater;
import org.umsynth.testing.SparkTestBase;

/**
 * A Spark fit of one worker over K minibatches must equal the same K steps in one process, also after earlier
 * fits (warm Adam state): the workers' copies restart their iteration counter at 0 in dl4j-spark M2, which
 * {@link WorkerIterationHook} undoes. The workers update through {@link FastGraphUpdater} ({@link FastTrainingHook})
 * and still agree with the local steps, which use DL4J's stock updater.
 */
class WorkerIterationHookTest extends SparkTestBase {
    private static final int BATCH = 4;

    @Test
    void sparkFitAfterWarmUpEqualsLocalSteps() {
        ComputationGraph local = network();
        ComputationGraph driver = network();
        List<org.nd4j.linalg.dataset.api.MultiDataSet> warmUp = minibatches(3, 1);
        List<org.nd4j.linalg.dataset.api.MultiDataSet> next = minibatches(4, 2);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        fitOnSpark(sc, driver, warmUp, true);
        warmUp.forEach(local::fit);
        assertClose(local.params(), driver.params(), "first fit (cold state) already agrees");

        ComputationGraph withoutHook = driver.clone();
        withoutHook.getConfiguration().setIterationCount(driver.getConfiguration().getIterationCount());
        long standardBefore = FastGraphUpdater.standardPathUpdates();
        fitOnSpark(sc, driver, next, true);
        // local Spark: the worker shares this JVM, so its FastTrainingHook's updates show in the counter
        assertEquals(next.size(), FastGraphUpdater.standardPathUpdates() - standardBefore,
                "the worker's copy updated through FastGraphUpdater");
        fitOnSpark(sc, withoutHook, next, false);
        next.forEach(local::fit);
        assertClose(local.params(), driver.params(), "second fit continues the iteration count");
        double gap = local.params().sub(withoutHook.params()).norm2Number().doubleValue();
        double moved = local.params().sub(driver.params()).norm2Number().doubleValue();
        assertTrue(gap > 1e3 * Math.max(moved, 1e-12),
                "without the hook the warm steps are bias-corrected as iterations 1..K: gap " + gap + " vs " + moved);
        assertEquals(local.getConfiguration().getIterationCount(), driver.getConfiguration().getIterationCount());
    }

    private static void fitOnSpark(JavaSparkContext sc, ComputationGraph net,
            List<org.nd4j.linalg.dataset.api.MultiDataSet> minibatches, boolean hook) {
        ParameterAveragingTrainingMaster master = hook
                ? SparkGanRounds.averagingMaster(1, BATCH, minibatches.size(), null, 5, net)
                : new ParameterAveragingTrainingMaster.Builder(1, BATCH).batchSizePerWorker(BATCH)
                        .averagingFrequency(minibatches.size()).workerPrefetchNumBatches(0)
                        .rddTrainingApproach(org.deeplearning4j.spark.api.RDDTrainingApproach.Direct)
                        .repartionData(org.deeplearning4j.spark.api.Repartition.Never).saveUpdater(true).rngSeed(5)
                        .collectTrainingStats(false).build();
        JavaRDD<org.nd4j.linalg.dataset.api.MultiDataSet> rdd = sc.parallelize(minibatches, 1);
        new SparkComputationGraph(sc, net, master).fitMultiDataSet(rdd);
    }

    private static ComputationGraph network() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(0.01, 0.5, 0.999, 1e-8)).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(2)
                        .activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static List<org.nd4j.linalg.dataset.api.MultiDataSet> minibatches(int count, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<org.nd4j.linalg.dataset.api.MultiDataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, 6);
            INDArray y = x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))
                    .mul(2).sub(1);
            out.add(new MultiDataSet(new INDArray[] {x}, new INDArray[] {y}));
        }
        return out;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(diff < 1e-5 * Math.max(1, expected.norm2Number().doubleValue()), what + ": |diff| " + diff);
    }
}
