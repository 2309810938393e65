package org.umsynth.model.gan;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.ConvexOptimizer;
import org.deeplearning4j.optimize.api.StepFunction;
import org.deeplearning4j.optimize.solvers.BaseOptimizer;
import org.deeplearning4j.optimize.stepfunctions.NegativeGradientStepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DL4J's SGD step ({@code params -= update}, {@link NegativeGradientStepFunction}) for a graph whose
 * {@link FastGraphUpdater} already applied the update of some parameter ranges inside the Adam pass (FastAdam's
 * fused step): after such an update it subtracts only the ranges the updater left ({@link #expect}); otherwise the
 * whole array, as the plain step does. Saves one pass over all parameters and the gradient per iteration (~2.5% of
 * a demo GAN step, the combined graph's frozen discriminator included).
 *
 * <p>DL4J has no configuration hook for a custom step function (its configuration knows four built-in ones), so
 * {@link #install} sets it on the graph's optimizer, which is not serialised: every JVM that builds or restores a
 * graph installs it again through {@link FastGraphUpdater#install} (local trainer, Spark workers' hook).
 */
final class FusedStepFunction implements StepFunction {
    private static final long serialVersionUID = 1L;
    private final StepFunction plain = new NegativeGradientStepFunction();
    /** Element ranges {start, end} the next step still subtracts; null: all of them. */
    private transient long[][] pending;

    /** The next {@link #step(INDArray, INDArray)} subtracts only these ranges ({@code {start, end}} each). */
    void expect(long[][] ranges) {
        pending = ranges;
    }

    @Override
    public void step(INDArray x, INDArray line, double step) {
        pending = null;
        plain.step(x, line, step);
    }

    @Override
    public void step(INDArray x, INDArray line) {
        long[][] ranges = pending;
        pending = null;
        if (ranges == null) {
            plain.step(x, line);
            return;
        }
        if (ranges.length == 0) {
            return;
        }
        INDArray xs = x.reshape(x.length());
        INDArray ls = line.reshape(line.length());
        for (long[] r : ranges) {
            if (r[1] > r[0]) {
                xs.get(NDArrayIndex.interval(r[0], r[1])).subi(ls.get(NDArrayIndex.interval(r[0], r[1])));
            }
        }
    }

    @Override
    public void step() {
        pending = null;
        plain.step();
    }

    /**
     * The graph's optimizer's step function, replaced by a FusedStepFunction when it is DL4J's default
     * (SGD's {@link NegativeGradientStepFunction}); null when the graph has no optimizer yet or another step function
     * (then nothing is fused).
     */
    static FusedStepFunction install(ComputationGraph graph) {
        ConvexOptimizer optimizer;
        try {
            optimizer = graph.getOptimizer();
        } catch (NullPointerException noSolverYet) { // ComputationGraph.getOptimizer() reads a null solver
            return null;
        }
        if (!(optimizer instanceof BaseOptimizer base)) {
            return null;
        }
        StepFunction current = base.getStepFunction();
        if (current instanceof FusedStepFunction fused) {
            return fused;
        }
        if (current == null || current.getClass() != NegativeGradientStepFunction.class) {
            return null;
        }
        FusedStepFunction fused = new FusedStepFunction();
        try {
            Field f = BaseOptimizer.class.getDeclaredField("stepFunction");
            f.setAccessible(true);
            f.set(base, fused);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // another DL4J version: the plain step stays
        }
        return base.getStepFunction() == fused ? fused : null;
    }
}
