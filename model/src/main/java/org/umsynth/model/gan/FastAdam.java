package org.umsynth.model.gan;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * DL4J's {@link Adam} with the update step as a Java loop ({@link AdamKernel}) instead of libnd4j's
 * {@code adam_updater} op: measured 1.06 vs 5.24 ms per update of 1.08M floats on one core ({@code
 * AdamBenchmarkTest}). Same JSON properties (plus its {@code @class}), same formula, same state layout (one view:
 * {@code m} in the first half, {@code v} in the second), so updater states and checkpoints move between Adam and
 * FastAdam; arrays the loop does not handle (not float/double, not contiguous c order, device memory) go to the op.
 *
 * <p>DL4J copies updater configurations with {@link #clone()}, compares them with {@link #equals} (layers with
 * equal configurations share an updater block) and builds them from JSON with the no-argument constructor and the
 * fields: all three keep the class here. {@code Adam.builder()} still builds a plain {@link Adam}.
 */
public class FastAdam extends Adam {
    private static final long serialVersionUID = 1L;

    /** System property: {@code false} makes {@link #preferred} build DL4J's stock {@link Adam} (for A/B runs). */
    public static final String ENABLED_PROPERTY = "umsynth.fastAdam";

    /** Adam's defaults: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8. */
    public FastAdam() {
        super();
    }

    public FastAdam(double learningRate) {
        super(learningRate);
    }

    public FastAdam(ISchedule learningRateSchedule) {
        super(learningRateSchedule);
    }

    public FastAdam(double learningRate, double beta1, double beta2, double epsilon) {
        super(learningRate, beta1, beta2, epsilon);
    }

    /** The same configuration (learning rate or schedule, betas, epsilon) as a FastAdam. */
    public static FastAdam of(Adam adam) {
        FastAdam f = new FastAdam(adam.getLearningRate(), adam.getBeta1(), adam.getBeta2(), adam.getEpsilon());
        f.setLearningRateSchedule(adam.getLearningRateSchedule() == null ? null : adam.getLearningRateSchedule().clone());
        return f;
    }

    /**
     * A FastAdam, or a stock {@link Adam} when {@value #ENABLED_PROPERTY} is {@code false} (read at each call).
     * Either way the configuration JSON names the class, so Spark workers and resumed checkpoints follow it.
     */
    public static Adam preferred(double learningRate, double beta1, double beta2, double epsilon) {
        return Boolean.parseBoolean(System.getProperty(ENABLED_PROPERTY, "true"))
                ? new FastAdam(learningRate, beta1, beta2, epsilon)
                : new Adam(learningRate, beta1, beta2, epsilon);
    }

    /** What {@link Adam#instantiate(INDArray, boolean)} does, with the Java step. */
    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        FastAdamUpdater u = new FastAdamUpdater(this);
        INDArray flat = viewArray.reshape(viewArray.length());
        long[] gradientShape = Arrays.copyOf(flat.shape(), flat.rank());
        gradientShape[0] /= 2;
        u.setStateViewArray(flat, gradientShape, flat.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        FastAdamUpdater u = new FastAdamUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    /** A FastAdam (Adam's own clone would return a plain Adam and silently drop the Java step). */
    @Override
    public FastAdam clone() {
        return of(this);
    }

    /** Equal to another FastAdam with the same settings; never to a plain Adam (nor a plain Adam to it). */
    @Override
    public boolean equals(Object o) {
        return o instanceof FastAdam other && other.canEqual(this) && super.equals(o);
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof FastAdam;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + "FastAdam".hashCode(); // the same in every JVM
    }

    @Override
    public String toString() {
        return "FastAdam(learningRate=" + getLearningRate() + ", learningRateSchedule=" + getLearningRateSchedule()
                + ", beta1=" + getBeta1() + ", beta2=" + getBeta2() + ", epsilon=" + getEpsilon() + ")";
    }

    /** DL4J's {@link AdamUpdater} (state handling, layout) with the step of {@link AdamKernel}. */
    public static final class FastAdamUpdater extends AdamUpdater {
        /** Set by {@link FastGraphUpdater} for one update: the minibatch division it left to this step. */
        private int gradientDivisor = 1;
        /**
         * Element ranges {@code [start, end)} of the block this step updates ({@code start0, end0, start1, ...}); null:
         * all. Set by {@link FastGraphUpdater} to leave out frozen layers' parameters.
         */
        private int[] trainedRanges;
        /** Set by {@link FastGraphUpdater} for one update: the network's parameters and this block's offset. */
        private INDArray stepParams;
        private long stepParamsOffset;
        /** Whether the last {@link #applyUpdater} also applied its update to the parameters. */
        private boolean stepApplied;

        FastAdamUpdater(FastAdam config) {
            super(config);
        }

        /**
         * The next {@link #applyUpdater} also subtracts its update from {@code params} (elements from {@code offset}
         * on match the block's gradient), in the same pass, when its Java step runs; {@link #takeStepApplied} tells.
         */
        void applyNextStepTo(INDArray params, long offset) {
            stepParams = params;
            stepParamsOffset = offset;
        }

        /** Whether the last update was also applied to the parameters (and forgets it). */
        boolean takeStepApplied() {
            boolean applied = stepApplied;
            stepApplied = false;
            return applied;
        }

        /** The next {@link #applyUpdater} first divides the gradient by {@code divisor} (1: as given). */
        void divideNextGradientBy(int divisor) {
            if (divisor < 1) {
                throw new IllegalArgumentException("divisor must be >= 1: " + divisor);
            }
            gradientDivisor = divisor;
        }

        /**
         * This step updates only the given element ranges of its block (pairs {@code start, end}); the others keep
         * their gradient (the update DL4J then subtracts) and their state. Null: the whole block.
         */
        void trainOnly(int[] ranges) {
            trainedRanges = ranges == null ? null : ranges.clone();
        }

        /** Elements a step updates: the ranges of {@link #trainOnly}, else the whole block. */
        long trainedElements(long blockLength) {
            if (trainedRanges == null) {
                return blockLength;
            }
            long n = 0;
            for (int r = 0; r < trainedRanges.length; r += 2) {
                n += trainedRanges[r + 1] - trainedRanges[r];
            }
            return n;
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            int divisor = gradientDivisor;
            gradientDivisor = 1;
            INDArray params = stepParams;
            long offset = stepParamsOffset;
            stepParams = null;
            stepApplied = false;
            INDArray m = getM();
            INDArray v = getV();
            if (m == null || v == null || !AdamKernel.supports(gradient, m, v)) {
                if (divisor != 1) {
                    gradient.divi(divisor);
                }
                super.applyUpdater(gradient, iteration, epoch); // the op (and its error when not initialised)
                return;
            }
            if (params != null && !AdamKernel.supportsParams(params, gradient, offset)) {
                params = null;
            }
            Adam c = getConfig();
            double lr = c.getLearningRate(iteration, epoch);
            int[] ranges = trainedRanges == null ? new int[] {0, Math.toIntExact(gradient.length())} : trainedRanges;
            for (int r = 0; r < ranges.length; r += 2) {
                AdamKernel.apply(gradient, m, v, lr, c.getBeta1(), c.getBeta2(), c.getEpsilon(), iteration, divisor,
                        ranges[r], ranges[r + 1], params, offset);
            }
            stepApplied = params != null;
        }
    }
}
