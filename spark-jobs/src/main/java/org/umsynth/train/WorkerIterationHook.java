package org.umsynth.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Starts each parameter-averaging worker's copy at the driver's iteration count.
 *
 * <p>Why: dl4j-spark 1.0.0-M2's {@code ParameterAveragingTrainingWorker} builds its network from
 * {@code ComputationGraphConfiguration.clone()}, which drops the iteration counter, while it restores the
 * averaged (warm) updater state. Adam's bias correction reads the counter, so every fit after the first ran its
 * steps as iterations 1, 2, ... of a warm optimiser: {@code lr * sqrt(1 - beta2^t) / (1 - beta1^t)}, about 6% of
 * the intended step at t = 1 with the GAN's beta1 0.5. The segmentation head with few labels then barely moved
 * (issue #4). The master itself advances the driver's counter by the averaging frequency per split, so adding
 * the driver's count before the worker's first step restores what a single process would do.
 */
public final class WorkerIterationHook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private final int driverIteration;

    public WorkerIterationHook(int driverIteration) {
        if (driverIteration < 0) {
            throw new IllegalArgumentException("iteration must be >= 0: " + driverIteration);
        }
        this.driverIteration = driverIteration;
    }

    /** The hook for {@code network}'s current count. */
    public static WorkerIterationHook at(ComputationGraph network) {
        return new WorkerIterationHook(network.getConfiguration().getIterationCount());
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        align(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        align(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {}

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {}

    /** A worker copy counts from 0; once shifted it is >= the driver's count and stays untouched. */
    private void align(Model model) {
        if (model instanceof ComputationGraph graph) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            if (conf.getIterationCount() < driverIteration) {
                conf.setIterationCount(driverIteration + conf.getIterationCount());
            }
        } else if (model instanceof MultiLayerNetwork network) {
            if (network.getIterationCount() < driverIteration) {
                network.setIterationCount(driverIteration + network.getIterationCount());
            }
        }
    }
}
