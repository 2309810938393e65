package org.umsynth.model.gan;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link ComputationGraphUpdater}, kept on its standard path. In DL4J 1.0.0-M2.1
 * {@code DefaultGradient.gradient()} returns a new reshaped view on every call, so
 * {@code BaseMultiLayerUpdater.update} never recognises the network's own flattened gradient
 * ({@code gradient.gradient() != getFlattenedGradientsView()}) and always takes its "external gradient" path:
 * per step and per parameter it builds views of the whole parameter and gradient arrays (a reshape and two
 * interval views, before and again after the updater) and rebuilds the minibatch-division subsets, each ND4J
 * array costing a shape buffer and a deallocator registration (~4% of a demo GAN step). When the gradient is the
 * network's own (same memory), this passes the updater's own view instead: the standard path updates the same
 * memory with the same arithmetic and the same state layout.
 *
 * <p>On that path, FastAdam blocks also take the parameter step in their pass and the graph's
 * {@link FusedStepFunction} subtracts only the rest: after {@link #update} the parameters of those blocks have
 * already moved (DL4J's own updater leaves that to the step function). Only SGD's step function calls follow, so
 * nothing else may call {@code update} on a graph this was installed on and then step itself.
 */
public final class FastGraphUpdater extends ComputationGraphUpdater {
    private static final long serialVersionUID = 1L;
    private static final AtomicLong STANDARD_PATH_UPDATES = new AtomicLong();
    private static final AtomicLong FUSED_STEPS = new AtomicLong();
    /** Whether {@link #divideByMinibatch} may leave the division to FastAdam (computed once: the graph is fixed). */
    private transient Boolean foldable;
    /** Whether no parameter has regularisation ({@link #noRegularization}, computed once). */
    private transient Boolean unregularised;
    /** The FastAdam updaters {@link #leaveOutFrozenParameters} has looked at (identity). */
    private transient java.util.Set<FastAdam.FastAdamUpdater> configured;

    public FastGraphUpdater(ComputationGraph graph, INDArray updaterState) {
        super(graph, updaterState);
    }

    /**
     * Replaces {@code graph}'s updater with one on the same state array (state kept as it is: a restored
     * checkpoint or a Spark worker's averaged state); does nothing if it already is one.
     */
    public static void install(ComputationGraph graph) {
        ComputationGraphUpdater current = graph.getUpdater();
        if (!(current instanceof FastGraphUpdater)) {
            graph.setUpdater(new FastGraphUpdater(graph, current.getStateViewArray()));
        }
        FusedStepFunction.install(graph);
    }

    /** Updates in this JVM whose parameter step ran inside the Adam pass ({@link FusedStepFunction}). */
    public static long fusedSteps() {
        return FUSED_STEPS.get();
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
            LayerWorkspaceMgr workspaceMgr) {
        INDArray own = getFlattenedGradientsView();
        INDArray given = gradient.gradient();
        if (given != own && sameMemory(given, own)) {
            gradient = new OwnGradient(gradient, own);
            STANDARD_PATH_UPDATES.incrementAndGet();
        }
        leaveOutFrozenParameters();
        // the step inside the Adam pass: only on the standard path, with our step function on the optimizer
        FusedStepFunction step = gradient instanceof OwnGradient && noRegularization()
                ? FusedStepFunction.install(network) : null;
        INDArray params = step == null ? null : network.params();
        if (params != null) {
            for (UpdaterBlock block : getUpdaterBlocks()) {
                if (block.getGradientUpdater() instanceof FastAdam.FastAdamUpdater adam) {
                    adam.applyNextStepTo(params, block.getParamOffsetStart());
                }
            }
        }
        boolean updated = false;
        try {
            super.update(gradient, iteration, epoch, batchSize, workspaceMgr);
            updated = true;
        } finally {
            long[][] left = rangesLeftToStep(params == null ? 0 : params.length()); // also resets every block
            if (step != null) {
                step.expect(updated ? left : null);
                if (updated && left.length == 0) {
                    FUSED_STEPS.incrementAndGet();
                }
            }
        }
    }

    /**
     * Resets what {@link #update} set on the FastAdam blocks for one update (a block skipped by DL4J must not divide
     * the next step nor take it) and returns the parameter ranges {@code {start, end}} of {@code [0, length)} whose
     * step the Adam pass did not take: between and after blocks, and blocks that did not apply their update.
     */
    private long[][] rangesLeftToStep(long length) {
        List<long[]> left = new java.util.ArrayList<>();
        long covered = 0;
        for (UpdaterBlock block : getUpdaterBlocks()) {
            boolean applied = false;
            if (block.getGradientUpdater() instanceof FastAdam.FastAdamUpdater adam) {
                adam.divideNextGradientBy(1);
                adam.applyNextStepTo(null, 0);
                applied = adam.takeStepApplied();
            }
            if (block.getParamOffsetStart() > covered) {
                left.add(new long[] {covered, block.getParamOffsetStart()});
            }
            if (!applied) {
                left.add(new long[] {block.getParamOffsetStart(), block.getParamOffsetEnd()});
            }
            covered = Math.max(covered, block.getParamOffsetEnd());
        }
        if (covered < length) {
            left.add(new long[] {covered, length});
        }
        return left.toArray(new long[0][]);
    }

    /**
     * On the standard path, leaves the division of each {@link FastAdam} block's gradient to its Adam step (one pass
     * over the gradient less; the same {@code g / batchSize}); other blocks are divided here. Only when the division
     * covers the whole gradient (no batch-norm statistics excluded) and no layer normalises or clips gradients (that
     * runs between the division and the updater, on divided gradients).
     */
    @Override
    protected void divideByMinibatch(boolean isExternal, Gradient gradient, int batchSize) {
        if (isExternal || batchSize <= 1 || !foldableDivision()) {
            super.divideByMinibatch(isExternal, gradient, batchSize);
            return;
        }
        for (UpdaterBlock block : getUpdaterBlocks()) {
            if (block.getGradientUpdater() instanceof FastAdam.FastAdamUpdater adam) {
                adam.divideNextGradientBy(batchSize);
            } else {
                block.getGradientView().divi(batchSize);
            }
        }
    }

    /**
     * Tells each {@link FastAdam} block that holds frozen layers' parameters (the combined graph's discriminator: a
     * quarter of its Adam block) to update only the other ranges. Exact: a frozen layer's gradient is zero at every
     * update (DL4J's and our wrapper zero it after backprop), so its Adam moments, zero from the start, stay zero and
     * its update is 0 / (sqrt(0) + eps) = 0, which the zeroed gradient already holds. Only done when those moments
     * are zero (checked once per updater instance); DL4J re-instantiating an updater just loses the shortcut.
     */
    private void leaveOutFrozenParameters() {
        if (configured == null) {
            configured = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        }
        for (UpdaterBlock block : getUpdaterBlocks()) {
            if (!(block.getGradientUpdater() instanceof FastAdam.FastAdamUpdater adam) || !configured.add(adam)) {
                continue;
            }
            int blockStart = block.getParamOffsetStart();
            List<int[]> trained = new java.util.ArrayList<>();
            List<int[]> frozen = new java.util.ArrayList<>();
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                int[] range = {p.getParamOffsetStart() - blockStart, p.getParamOffsetEnd() - blockStart};
                List<int[]> into = isFrozen(p.getLayer()) ? frozen : trained;
                if (!into.isEmpty() && into.get(into.size() - 1)[1] == range[0]) {
                    into.get(into.size() - 1)[1] = range[1]; // adjacent: one range
                } else {
                    into.add(range);
                }
            }
            if (frozen.isEmpty() || !zeroMoments(adam, frozen)) {
                continue;
            }
            adam.trainOnly(trained.stream().flatMapToInt(java.util.Arrays::stream).toArray());
        }
    }

    private static boolean isFrozen(org.deeplearning4j.nn.api.Trainable t) {
        org.deeplearning4j.nn.api.Layer layer = t instanceof org.deeplearning4j.nn.graph.vertex.GraphVertex v
                && v.hasLayer() ? v.getLayer() : null;
        return layer instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop
                || layer instanceof org.deeplearning4j.nn.layers.FrozenLayer;
    }

    private static boolean zeroMoments(FastAdam.FastAdamUpdater adam, List<int[]> ranges) {
        INDArray m = adam.getM();
        INDArray v = adam.getV();
        if (m == null || v == null) {
            return false;
        }
        for (int[] r : ranges) {
            org.nd4j.linalg.indexing.INDArrayIndex in = org.nd4j.linalg.indexing.NDArrayIndex.interval(r[0], r[1]);
            INDArray mr = m.rank() == 1 ? m.get(in) : m.reshape(m.length()).get(in);
            INDArray vr = v.rank() == 1 ? v.get(in) : v.reshape(v.length()).get(in);
            if (mr.amaxNumber().doubleValue() != 0.0 || vr.amaxNumber().doubleValue() != 0.0) {
                return false;
            }
        }
        return true;
    }

    /**
     * No layer regularises a parameter: DL4J applies weight decay / L1 / L2 to the update after the updater, which a
     * step already taken inside the Adam pass would miss (computed once: the graph is fixed).
     */
    private boolean noRegularization() {
        if (unregularised == null) {
            unregularised = java.util.Arrays.stream(getOrderedLayers()).allMatch(l -> l.paramTable(false).keySet()
                    .stream().allMatch(p -> {
                        List<?> r = l.getConfig().getRegularizationByParam(p);
                        return r == null || r.isEmpty();
                    }));
        }
        return unregularised;
    }

    private boolean foldableDivision() {
        if (foldable == null) {
            INDArray all = getFlattenedGradientsView();
            List<INDArray> subsets = getMinibatchDivisionSubsets(all);
            boolean whole = subsets.size() == 1 && subsets.get(0).length() == all.length();
            boolean blocksCovered = getUpdaterBlocks().stream().allMatch(b -> b.getGradientView() != null);
            boolean noNormalisation = java.util.Arrays.stream(getOrderedLayers())
                    .map(l -> l.getConfig().getGradientNormalization())
                    .allMatch(n -> n == null || n == GradientNormalization.None);
            foldable = whole && blocksCovered && noNormalisation;
        }
        return foldable;
    }

    /** Updates in this JVM that this class kept on DL4J's standard path (tests: local Spark workers share the JVM). */
    public static long standardPathUpdates() {
        return STANDARD_PATH_UPDATES.get();
    }

    private static boolean sameMemory(INDArray a, INDArray b) {
        return a != null && b != null && a.dataType() == b.dataType() && a.length() == b.length()
                && ConvBuffers.isContiguousC(a) && ConvBuffers.isContiguousC(b)
                && a.data().address() == b.data().address();
    }

    /** The network's gradient with {@link #gradient()} answering the updater's own flattened view. */
    private static final class OwnGradient implements Gradient {
        private static final long serialVersionUID = 1L;
        private final Gradient delegate;
        private final transient INDArray flattened;

        OwnGradient(Gradient delegate, INDArray flattened) {
            this.delegate = delegate;
            this.flattened = flattened;
        }

        @Override
        public INDArray gradient() {
            return flattened;
        }

        @Override
        public Map<String, INDArray> gradientForVariable() {
            return delegate.gradientForVariable();
        }

        @Override
        public INDArray gradient(List<String> order) {
            return delegate.gradient(order);
        }

        @Override
        public void clear() {
            delegate.clear();
        }

        @Override
        public INDArray getGradientFor(String variable) {
            return delegate.getGradientFor(variable);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray gradient) {
            return delegate.setGradientFor(variable, gradient);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray gradient, Character flatteningOrder) {
            return delegate.setGradientFor(variable, gradient, flatteningOrder);
        }

        @Override
        public Character flatteningOrderForVariable(String variable) {
            return delegate.flatteningOrderForVariable(variable);
        }
    }
}
