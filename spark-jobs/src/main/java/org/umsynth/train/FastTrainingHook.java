package org.umsynth.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.umsynth.model.gan.GanNetworks;

/**
 * Puts each parameter-averaging worker's copy on the fast training paths before its first step
 * ({@link GanNetworks#prepareForTraining}: {@code FastGraphUpdater}, unused input gradients skipped): the worker
 * builds its network and a stock updater from the configuration (with the averaged state), so what the driver set
 * on its own copy does not travel. Same state array, same arithmetic.
 */
public final class FastTrainingHook implements TrainingHook {
    private static final long serialVersionUID = 1L;

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        install(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        install(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {}

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {}

    private static void install(Model model) {
        if (model instanceof ComputationGraph graph) {
            GanNetworks.prepareForTraining(graph);
        }
    }
}
