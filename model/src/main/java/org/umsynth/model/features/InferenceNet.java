package org.umsynth.model.features;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.JsonNode;

/**
 * Inference-only forward pass of an imported Keras CNN (the layers {@link TfjsLayersImporter} supports), NHWC,
 * ending in a global average pool over the feature layer. Built because DL4J's stock {@code ConvolutionLayer}
 * (im2col + gemm + layout copies, batch norm and activation as separate layers) ran InceptionV3 8-12x slower
 * per core than PyTorch (bench/metrics/README.md section 2).
 *
 * <p>What it does differently, all exact up to float rounding:
 * <ul>
 *   <li>batch normalisation that directly follows a linear convolution is folded into the convolution's
 *       weights and bias at import; an activation that follows is applied in place on the conv output;</li>
 *   <li>activations are NHWC, i.e. an {@code [n*h*w, c]} row-major matrix, so a 1x1 convolution is one sgemm
 *       with no copy; any other convolution is im2col in row blocks (bulk copies of the in-range taps of the
 *       unpadded input, zero fills for the padding taps) and one sgemm per block (the former "shift" path,
 *       k*k sgemms on row-shifted views, was slower or equal on every InceptionV3 shape); the bias is written
 *       into the output first and sgemm adds to it (beta 1), which replaces OpenBLAS's own zeroing pass;</li>
 *   <li>pooling is separable, per image on heap copies, reducing only at the output columns and rows; an
 *       average pool read only by a 1x1 convolution runs after it, on the convolution's (fewer) output
 *       channels;</li>
 *   <li>a branch whose only consumer is a channel concatenation writes its result straight into its
 *       channel slice of the concatenation (row stride = total channels), so concatenations copy nothing; when
 *       all its branches end in the same activation, the concatenation applies it once to its whole buffer;</li>
 *   <li>temporaries are released as soon as their last reader has run, into a per-net buffer pool that the
 *       next allocations (and batches) reuse;</li>
 *   <li>with several threads, data parallelism: the batch is split into groups of images that run through the
 *       whole net at once on single-threaded BLAS (so im2col, pooling and activations use every core too).</li>
 * </ul>
 * Depthwise convolutions use the libnd4j op. Every output row depends on its own image only,
 * so the batch size does not change the features. {@link #output} is synchronised; with several threads it splits
 * the batch into groups of images run in parallel ({@link #setThreads}).
 */
public final class InferenceNet {
    /** im2col block: about 4 MiB of column matrix and at least 1024 rows (fewer sgemm calls; 1-16 MiB measured alike). */
    private static final int IM2COL_BLOCK_FLOATS = 1 << 20;
    private static final int IM2COL_MIN_BLOCK_ROWS = 1024;

    private final List<Node> nodes;
    private final String inputName;
    private final String featureLayer;
    private final int dimension;
    private final Map<String, Integer> lastUse;

    private InferenceNet(List<Node> nodes, String inputName, String featureLayer, int dimension) {
        this.nodes = nodes;
        this.inputName = inputName;
        this.featureLayer = featureLayer;
        this.dimension = dimension;
        this.lastUse = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : nodes.get(i).inputs) {
                lastUse.put(in, i);
            }
        }
        lastUse.put(featureLayer, nodes.size());
    }

    public int dimension() { return dimension; }

    /** Number of executed nodes (after batch-norm folding and activation fusion). */
    public int nodeCount() { return nodes.size(); }

    /** Pooled features {@code [n, dimension]} of an NHWC float batch {@code [n, h, w, 3]}. */
    public INDArray output(INDArray nhwc) {
        return output(nhwc, null);
    }

    /**
     * Worker threads for a batch: 0 (the default) = the BLAS library's thread count at call time (OMP_NUM_THREADS
     * / OPENBLAS_NUM_THREADS), else this many. With more than one, see {@link #output(INDArray)}.
     */
    public synchronized void setThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0: " + threads);
        }
        this.threads = threads;
    }

    private int threads;
    private java.util.concurrent.ExecutorService workers;
    private final List<Buffers> buffersByWorker = new ArrayList<>();

    /**
     * As {@link #output(INDArray)}, adding each node's wall time (ns) to {@code nanosByNode} when given (bench/metrics;
     * then single-threaded). With T > 1 threads and at least 2 images, the batch is split into T contiguous groups of
     * images that T threads run through the whole net at once, with single-threaded BLAS and libnd4j ops for the
     * duration (restored after): data parallelism instead of splitting each sgemm, so the im2col copies, bias fills,
     * pooling and activations run in parallel too. Each output row still depends on its own image only.
     */
    synchronized INDArray output(INDArray nhwc, Map<String, Long> nanosByNode) {
        if (nhwc.rank() != 4 || nhwc.size(3) != 3) {
            throw new IllegalArgumentException("expected an NHWC [n, h, w, 3] batch, got " + java.util.Arrays.toString(nhwc.shape()));
        }
        long n = nhwc.size(0);
        int groups = nanosByNode != null ? 1 : (int) Math.min(n, threads > 0 ? threads : Math.max(1, Nd4j.factory().blas().getMaxThreads()));
        if (groups == 1) {
            return forwardOn(0, nhwc, nanosByNode);
        }
        if (workers == null) {
            workers = java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "inference-net-worker");
                t.setDaemon(true);
                return t;
            });
        }
        SingleThreadedBackend.enter();
        try {
            List<java.util.concurrent.Future<INDArray>> parts = new ArrayList<>();
            for (int g = 1; g < groups; g++) {
                int worker = g;
                INDArray images = nhwc.get(NDArrayIndex.interval(n * g / groups, n * (g + 1) / groups));
                parts.add(workers.submit(() -> forwardOn(worker, images, null)));
            }
            INDArray[] pooled = new INDArray[groups];
            RuntimeException failure = null;
            try {
                pooled[0] = forwardOn(0, nhwc.get(NDArrayIndex.interval(0, n / groups)), null);
            } catch (RuntimeException e) {
                failure = e;
            }
            // wait for every group, also after a failure: a worker still running would share its buffer pool
            // with the next call's
            boolean interrupted = false;
            for (int g = 1; g < groups; g++) {
                while (true) {
                    try {
                        pooled[g] = parts.get(g - 1).get();
                        break;
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                        }
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
            return Nd4j.concat(0, pooled);
        } finally {
            SingleThreadedBackend.exit();
        }
    }

    /**
     * BLAS and libnd4j limited to one thread while any net runs data-parallel groups; the thread counts seen by the
     * first caller are restored when the last one leaves (callers may overlap, e.g. two Spark tasks).
     */
    private static final class SingleThreadedBackend {
        private static int depth;
        private static int blasThreads, nativeThreads;

        static synchronized void enter() {
            if (depth++ == 0) {
                blasThreads = Nd4j.factory().blas().getMaxThreads();
                nativeThreads = Nd4j.getEnvironment().maxThreads();
                Nd4j.factory().blas().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxThreads(1);
            }
        }

        static synchronized void exit() {
            if (--depth == 0) {
                Nd4j.factory().blas().setMaxThreads(blasThreads);
                Nd4j.getEnvironment().setMaxThreads(nativeThreads);
            }
        }
    }

    /** The forward pass of worker {@code worker} (its own buffer pool) on this thread. */
    private INDArray forwardOn(int worker, INDArray nhwc, Map<String, Long> nanosByNode) {
        Buffers buffers;
        synchronized (buffersByWorker) {
            while (buffersByWorker.size() <= worker) {
                buffersByWorker.add(new Buffers());
            }
            buffers = buffersByWorker.get(worker);
        }
        long[] size = {nhwc.size(1), nhwc.size(2)};
        if (!java.util.Arrays.equals(buffers.imageSize, size)) {
            buffers.clear(); // a smaller last batch still fits the held buffers (best fit up to 2x)
            buffers.imageSize = size;
        }
        Buffers.CURRENT.set(buffers);
        try {
            return forward(nhwc, nanosByNode);
        } finally {
            Buffers.CURRENT.remove();
        }
    }

    private INDArray forward(INDArray nhwc, Map<String, Long> nanosByNode) {
        Run run = new Run();
        Act input = Act.of(nhwc.castTo(DataType.FLOAT).dup('c'));
        run.values.put(inputName, input);
        for (int i = 0; i < nodes.size(); i++) {
            Node node = nodes.get(i);
            Act[] ins = new Act[node.inputs.length];
            for (int k = 0; k < ins.length; k++) {
                ins[k] = run.values.get(node.inputs[k]);
            }
            long[] shape = node.outputShape(ins);
            if (shape[1] < 1 || shape[2] < 1) {
                throw new IllegalArgumentException("input " + nhwc.size(1) + "x" + nhwc.size(2) + " is too small for this network: layer "
                        + node.name + " would output " + shape[1] + "x" + shape[2]);
            }
            Act dest = node.target != null ? run.slice(node.target, node.targetOffset, shape) : null;
            long t0 = nanosByNode != null ? System.nanoTime() : 0;
            Act out = node.run(ins, dest, run);
            if (nanosByNode != null) {
                nanosByNode.merge(node.describe(ins), System.nanoTime() - t0, Long::sum);
            }
            run.values.put(node.name, out);
            for (String in : node.inputs) {
                if (lastUse.get(in) == i) {
                    run.release(in);
                }
            }
        }
        Act features = run.values.get(featureLayer);
        INDArray pooled = features.t4.mean(1, 2);
        run.releaseAll();
        return pooled;
    }

    // ---------------------------------------------------------------- buffers

    /**
     * Float buffers released by a forward pass, reused by later allocations of this thread (best fit, at most twice
     * the requested size): the next batch allocates nothing new, and fresh memory's page faults and zeroing are
     * avoided (10-15% per CPU second in bench/metrics). Active only inside {@link #output}; held between calls
     * (about the peak live set of one batch: +~100 MB RSS at 299 x 299, batch 8) and dropped when the image size
     * changes.
     */
    static final class Buffers {
        private static final ThreadLocal<Buffers> CURRENT = new ThreadLocal<>();
        private final java.util.TreeMap<Long, java.util.ArrayDeque<org.nd4j.linalg.api.buffer.DataBuffer>> free = new java.util.TreeMap<>();
        private long[] imageSize;

        static INDArray take(long... shape) {
            Buffers pool = CURRENT.get();
            long length = 1;
            for (long d : shape) {
                length *= d;
            }
            if (pool != null) {
                Map.Entry<Long, java.util.ArrayDeque<org.nd4j.linalg.api.buffer.DataBuffer>> fit = pool.free.ceilingEntry(length);
                if (fit != null && fit.getKey() <= 2 * length) {
                    org.nd4j.linalg.api.buffer.DataBuffer buffer = fit.getValue().pop();
                    if (fit.getValue().isEmpty()) {
                        pool.free.remove(fit.getKey());
                    }
                    return Nd4j.create(buffer, shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
                }
            }
            return Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        }

        private final float[][] scratch = new float[3][];

        /** A heap array of at least {@code length} floats, slot {@code slot} of this thread's pool (held across calls). */
        static float[] scratch(int slot, int length) {
            Buffers pool = CURRENT.get();
            if (pool == null) {
                return new float[length];
            }
            float[] a = pool.scratch[slot];
            if (a == null || a.length < length) {
                a = new float[length];
                pool.scratch[slot] = a;
            }
            return a;
        }

        /** Returns a root array's buffer (no view of it may be used afterwards). */
        static void give(INDArray root) {
            Buffers pool = CURRENT.get();
            if (pool != null) {
                org.nd4j.linalg.api.buffer.DataBuffer buffer = root.data();
                pool.free.computeIfAbsent(buffer.length(), k -> new java.util.ArrayDeque<>()).push(buffer);
            } else if (root.closeable()) {
                root.close();
            }
        }

        void clear() {
            for (var buffers : free.values()) {
                for (var b : buffers) {
                    b.close();
                }
            }
            free.clear();
            java.util.Arrays.fill(scratch, null);
        }
    }


    // ---------------------------------------------------------------- activations

    /**
     * An NHWC activation: channels [offset, offset + c) of a contiguous root array, as a 4-d view and as an
     * {@code [n*h*w, c]} matrix view. Every view is taken from the root directly: ND4J 1.0.0-M2.1 sizes a view's
     * buffer by its element count, so a row range of a column-slice view far enough down comes back empty.
     */
    static final class Act {
        final INDArray root;      // contiguous [n, h, w, C]
        final INDArray root2d;    // the same as [n*h*w, C]
        final long offset;
        final INDArray t4;
        final INDArray m2;
        final boolean owned;

        private Act(INDArray root, INDArray root2d, long offset, long channels) {
            this.root = root;
            this.root2d = root2d;
            this.offset = offset;
            this.owned = offset == 0 && channels == root.size(3);
            this.t4 = owned ? root : root.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(offset, offset + channels));
            this.m2 = owned ? root2d : root2d.get(NDArrayIndex.all(), NDArrayIndex.interval(offset, offset + channels));
        }

        static Act of(INDArray contiguous4d) {
            long[] s = contiguous4d.shape();
            return new Act(contiguous4d, contiguous4d.reshape('c', s[0] * s[1] * s[2], s[3]), 0, s[3]);
        }

        static Act alloc(long n, long h, long w, long c) {
            return of(Buffers.take(n, h, w, c));
        }

        Act slice(long channelOffset, long channels) {
            return new Act(root, root2d, offset + channelOffset, channels);
        }

        /** Rows [first, first + count) of the matrix view. */
        INDArray rows(long first, long count) {
            return root2d.get(NDArrayIndex.interval(first, first + count), NDArrayIndex.interval(offset, offset + c()));
        }

        /** A contiguous 4-d array with these values (this one's, or a copy of a slice). */
        INDArray dense() { return owned ? t4 : t4.dup('c'); }

        long n() { return t4.size(0); }
        long h() { return t4.size(1); }
        long w() { return t4.size(2); }
        long c() { return t4.size(3); }
    }

    /** Per-call state: values by layer name, lazily allocated concatenation buffers. */
    private final class Run {
        final Map<String, Act> values = new HashMap<>();
        final Map<String, Act> concatBuffers = new HashMap<>();

        /** The channel slice of concatenation {@code concat} that a producer writes into. */
        Act slice(String concat, long offset, long[] shape) {
            Act buffer = concatBuffers.get(concat);
            if (buffer == null) {
                Concat node = concats.get(concat);
                long[] full = {shape[0], shape[1], shape[2], node.channels};
                buffer = node.target != null ? slice(node.target, node.targetOffset, full) : Act.alloc(full[0], full[1], full[2], full[3]);
                concatBuffers.put(concat, buffer);
            }
            if (buffer.h() != shape[1] || buffer.w() != shape[2]) {
                throw new IllegalStateException("concatenation " + concat + " joins " + buffer.h() + "x" + buffer.w()
                        + " and " + shape[1] + "x" + shape[2] + " maps");
            }
            return buffer.slice(offset, shape[3]);
        }

        void release(String name) {
            Act a = values.remove(name);
            if (a != null && a.owned) {
                Buffers.give(a.root);
            }
        }

        void releaseAll() {
            for (String name : new ArrayList<>(values.keySet())) {
                release(name);
            }
        }
    }

    private final Map<String, Concat> concats = new HashMap<>();

    // ---------------------------------------------------------------- nodes

    private abstract static class Node {
        final String name;
        final String[] inputs;
        String target;        // concatenation this node writes into, or null
        long targetOffset;

        Node(String name, String[] inputs) {
            this.name = name;
            this.inputs = inputs;
        }

        abstract long[] outputShape(Act[] in);

        /** Kind and shapes, for profiles. */
        String describe(Act[] in) {
            return getClass().getSimpleName() + " " + name + " " + (in.length > 0 ? java.util.Arrays.toString(in[0].t4.shape()) : "")
                    + " -> " + java.util.Arrays.toString(outputShape(in));
        }

        /** Computes the output into {@code dest} when given (a concat slice), else into a new array. */
        abstract Act run(Act[] in, Act dest, InferenceNet.Run run);

        static Act destOrNew(Act dest, long[] shape) {
            return dest != null ? dest : Act.alloc(shape[0], shape[1], shape[2], shape[3]);
        }
    }

    /** TF 'same'/'valid' output size and the leading padding. */
    static long outSize(long in, int k, int s, boolean same) {
        return same ? (in + s - 1) / s : (in - k) / s + 1;
    }

    static int padBefore(long in, int k, int s, boolean same) {
        if (!same) {
            return 0;
        }
        long out = outSize(in, k, s, true);
        long total = Math.max((out - 1) * s + k - in, 0);
        return (int) (total / 2);
    }

    static int padTotal(long in, int k, int s, boolean same) {
        if (!same) {
            return 0;
        }
        long out = outSize(in, k, s, true);
        return (int) Math.max((out - 1) * s + k - in, 0);
    }

    /** Zero-pads an activation into a new contiguous array. */
    static INDArray padded(Act x, int top, int bottom, int left, int right) {
        if (top == 0 && bottom == 0 && left == 0 && right == 0) {
            return x.dense();
        }
        INDArray p = Buffers.take(x.n(), x.h() + top + bottom, x.w() + left + right, x.c()).assign(0);
        p.get(NDArrayIndex.all(), NDArrayIndex.interval(top, top + x.h()), NDArrayIndex.interval(left, left + x.w()), NDArrayIndex.all())
                .assign(x.t4);
        return p;
    }

    static void gemm(INDArray a, INDArray b, INDArray c, double beta) {
        // the Mmul op (unlike Nd4j.gemm) accepts a column-slice view as C: sgemm with ldc = its row stride
        Nd4j.exec(new Mmul(a, b, c, 1.0, beta, MMulTranspose.allFalse()));
    }

    /** A convolution with batch norm folded in and its activation fused. */
    static final class Conv extends Node {
        final int kh, kw, sh, sw;
        final boolean same;
        final INDArray kernel; // [kh, kw, in, out]
        final INDArray kernelMatrix; // [kh*kw*in, out]
        INDArray bias;         // [out] or null
        IActivation activation; // null = linear
        final long outChannels;

        Conv(String name, String[] inputs, int[] k, int[] s, boolean same, INDArray kernel, INDArray bias, Activation act) {
            super(name, inputs);
            this.kh = k[0];
            this.kw = k[1];
            this.sh = s[0];
            this.sw = s[1];
            this.same = same;
            this.kernel = kernel;
            this.kernelMatrix = kernel.reshape('c', kernel.size(0) * kernel.size(1) * kernel.size(2), kernel.size(3));
            this.bias = bias;
            this.activation = act == Activation.IDENTITY ? null : act.getActivationFunction();
            this.outChannels = kernel.size(3);
            this.zeros = new float[Math.toIntExact(kw * kernel.size(2))];
        }

        /** One kernel row of zero taps (im2col's padding). */
        private final float[] zeros;

        @Override
        String describe(Act[] in) {
            return kind(in[0]) + " " + super.describe(in).substring("Conv ".length());
        }

        /** Which path {@link #run} takes, for profiles. */
        String kind(Act x) {
            return averageAfter != null ? "Conv1x1+avgpool" : pointwise() ? "Conv1x1" : "Conv" + kh + "x" + kw + (sh > 1 || sw > 1 ? "s" + sh : "");
        }

        /** Set when an average pool that preceded this 1x1 convolution in the model runs after it instead. */
        Pool averageAfter;

        boolean pointwise() {
            return kh == 1 && kw == 1 && sh == 1 && sw == 1;
        }

        Conv withAverageAfter(Pool pool) {
            Conv moved = new Conv(name, pool.inputs, new int[]{kh, kw}, new int[]{sh, sw}, same, kernel, bias, Activation.IDENTITY);
            moved.activation = activation;
            moved.averageAfter = pool;
            return moved;
        }

        @Override
        long[] outputShape(Act[] in) {
            Act x = in[0];
            if (averageAfter != null) {
                long[] pooled = averageAfter.outputShape(in);
                return new long[]{pooled[0], pooled[1], pooled[2], outChannels};
            }
            return new long[]{x.n(), outSize(x.h(), kh, sh, same), outSize(x.w(), kw, sw, same), outChannels};
        }

        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            Act x = in[0];
            long[] shape = outputShape(in);
            long n = shape[0], oh = shape[1], ow = shape[2];
            Act out = destOrNew(dest, shape);
            if (averageAfter != null) {
                INDArray dense = x.dense();
                Act unpooled = Act.alloc(x.n(), x.h(), x.w(), outChannels);
                gemm(dense.reshape('c', x.n() * x.h() * x.w(), x.c()), kernelMatrix, unpooled.m2, 0.0);
                averageAfter.run(new Act[]{unpooled}, out, run);
                Buffers.give(unpooled.root);
                if (dense != x.t4) {
                    dense.close();
                }
                finish(out.m2, bias, activation);
                return out;
            }
            if (pointwise()) {
                INDArray dense = x.dense();
                gemmWithBias(dense.reshape('c', n * oh * ow, x.c()), out, 0, n * oh * ow);
                if (dense != x.t4) {
                    dense.close();
                }
            } else {
                im2colConv(x, n, oh, ow, out);
            }
            finish(out.m2, null, activation);
            return out;
        }

        /** Rows [first, first + count) of out = a * W + bias: C starts as the bias rows, sgemm with beta 1 adds to it. */
        private void gemmWithBias(INDArray a, Act out, long first, long count) {
            if (bias != null) {
                fillRows(out, first, count, biasValues());
            }
            gemm(a, kernelMatrix, out.rows(first, count), bias != null ? 1.0 : 0.0);
        }

        private float[] biasValues() {
            float[] values = biasValues;
            if (values == null) {
                values = bias.toFloatVector(); // read at the first run: batch-norm folding replaces bias
                biasValues = values;
            }
            return values;
        }

        private volatile float[] biasValues;

        /**
         * im2col in blocks of output rows, one sgemm per block, reading the unpadded input: row (n, oy, ox) of the
         * column matrix is, for each ky, the taps P[n, oy*sh + ky, ox*sw .. ox*sw + kw - 1, :] of the zero-padded
         * input, i.e. one bulk copy of the in-range run (or one per pixel when the input is a channel slice)
         * and zero fills for the taps in the padding.
         */
        private void im2colConv(Act x, long n, long oh, long ow, Act out) {
            int c = Math.toIntExact(x.c());
            int h = Math.toIntExact(x.h()), w = Math.toIntExact(x.w());
            int top = padBefore(h, kh, sh, same), left = padBefore(w, kw, sw, same);
            int ld = Math.toIntExact(x.root.size(3));
            int base = Math.toIntExact(x.offset);
            int k = kh * kw * c;
            int run = kw * c;
            long rows = n * oh * ow;
            int block = (int) Math.min(rows, Math.max(IM2COL_MIN_BLOCK_ROWS, IM2COL_BLOCK_FLOATS / k));
            INDArray col = Buffers.take(block, k);
            FloatBuffer src = floats(x.root);
            FloatBuffer dst = floats(col);
            for (long first = 0; first < rows; first += block) {
                int b = (int) Math.min(block, rows - first);
                long g = first;
                long image = g / (oh * ow);
                long rem = g - image * oh * ow;
                int oy = (int) (rem / ow), ox = (int) (rem - oy * ow);
                for (int r = 0; r < b; r++) {
                    int to = r * k;
                    int ix0 = ox * sw - left;
                    int lo = Math.max(0, -ix0), hi = Math.min(kw, w - ix0); // taps [lo, hi) are inside the image
                    for (int ky = 0; ky < kh; ky++, to += run) {
                        int iy = oy * sh + ky - top;
                        if (iy < 0 || iy >= h || hi <= lo) {
                            dst.put(to, zeros, 0, run);
                            continue;
                        }
                        if (lo > 0) {
                            dst.put(to, zeros, 0, lo * c);
                        }
                        int pixel = Math.toIntExact((image * h + iy) * w + ix0 + lo);
                        if (ld == c) {
                            dst.put(to + lo * c, src, base + pixel * c, (hi - lo) * c);
                        } else {
                            for (int kx = lo; kx < hi; kx++, pixel++) {
                                dst.put(to + kx * c, src, base + pixel * ld, c);
                            }
                        }
                        if (hi < kw) {
                            dst.put(to + hi * c, zeros, 0, (kw - hi) * c);
                        }
                    }
                    if (++ox == ow) {
                        ox = 0;
                        if (++oy == oh) {
                            oy = 0;
                            image++;
                        }
                    }
                }
                INDArray colRows = b == block ? col : col.get(NDArrayIndex.interval(0, b), NDArrayIndex.all());
                gemmWithBias(colRows, out, first, b);
            }
            Buffers.give(col);
        }
    }

    /** Sets rows [first, first + count) of an activation's matrix view to {@code values}. */
    static void fillRows(Act a, long first, long count, float[] values) {
        FloatBuffer dst = floats(a.root);
        long ld = a.root.size(3);
        for (long r = first; r < first + count; r++) {
            dst.put(Math.toIntExact(r * ld + a.offset), values, 0, values.length);
        }
    }

    /** A NIO view of a contiguous array's values (from its offset). */
    static FloatBuffer floats(INDArray contiguous) {
        if (contiguous.dataType() != DataType.FLOAT || contiguous.ordering() != 'c' || contiguous.elementWiseStride() != 1) {
            throw new IllegalStateException("expected a contiguous float array");
        }
        FloatBuffer all = contiguous.data().asNioFloat();
        return all.duplicate().position(Math.toIntExact(contiguous.offset())).slice();
    }

    static void finish(INDArray m2, INDArray bias, IActivation activation) {
        if (bias != null) {
            m2.addiRowVector(bias);
        }
        if (activation != null) {
            activation.getActivation(m2, false);
        }
    }

    /** Depthwise convolution through the libnd4j op (NHWC, Keras kernel layout [kh, kw, in, multiplier]). */
    static final class Depthwise extends Node {
        final int[] k, s;
        final boolean same;
        final INDArray kernel;
        INDArray bias;
        IActivation activation;

        Depthwise(String name, String[] inputs, int[] k, int[] s, boolean same, INDArray kernel, INDArray bias, Activation act) {
            super(name, inputs);
            this.k = k;
            this.s = s;
            this.same = same;
            this.kernel = kernel;
            this.bias = bias;
            this.activation = act == Activation.IDENTITY ? null : act.getActivationFunction();
        }

        @Override
        long[] outputShape(Act[] in) {
            Act x = in[0];
            return new long[]{x.n(), outSize(x.h(), k[0], s[0], same), outSize(x.w(), k[1], s[1], same), kernel.size(2) * kernel.size(3)};
        }

        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            long[] shape = outputShape(in);
            INDArray result = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
            Nd4j.exec(DynamicCustomOp.builder("depthwise_conv2d").addInputs(in[0].dense(), kernel).addOutputs(result)
                    .addIntegerArguments(k[0], k[1], s[0], s[1], 0, 0, 1, 1, same ? 1 : 0, 1, 0).build());
            Act out = dest != null ? dest : Act.of(result);
            if (dest != null) {
                dest.t4.assign(result);
                result.close();
            }
            finish(out.m2, bias, activation);
            return out;
        }
    }

    /** Max or average pooling; the average excludes padded cells as TensorFlow does. */
    static final class Pool extends Node {
        final boolean max;
        final int[] k, s;
        final boolean same;

        Pool(String name, String[] inputs, boolean max, int[] k, int[] s, boolean same) {
            super(name, inputs);
            this.max = max;
            this.k = k;
            this.s = s;
            this.same = same;
        }

        @Override
        long[] outputShape(Act[] in) {
            Act x = in[0];
            return new long[]{x.n(), outSize(x.h(), k[0], s[0], same), outSize(x.w(), k[1], s[1], same), x.c()};
        }

        /**
         * Separable, one image at a time on heap copies (vectorised loops): a horizontal window reduction at the
         * output columns only, then a vertical one at the output rows only. Taps in the padding are skipped, which
         * is the -inf padding of a max pool and TensorFlow's average (padded cells excluded from the divisor).
         * About 5x faster than the former whole-array ND4J ops on row-shifted views, which reduced every input
         * position before keeping the strided ones.
         */
        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            Act x = in[0];
            long[] shape = outputShape(in);
            Act out = destOrNew(dest, shape);
            int n = (int) shape[0], oh = (int) shape[1], ow = (int) shape[2], c = (int) shape[3];
            int h = (int) x.h(), w = (int) x.w();
            int top = padBefore(h, k[0], s[0], same), left = padBefore(w, k[1], s[1], same);
            float[] image = Buffers.scratch(0, h * w * c);
            float[] horizontal = Buffers.scratch(1, h * ow * c);
            float[] pooled = Buffers.scratch(2, oh * ow * c);
            for (int i = 0; i < n; i++) {
                readPixels(x, (long) i * h * w, h * w, image);
                for (int y = 0; y < h; y++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = ox * s[1] - left;
                        int lo = Math.max(0, x0), hi = Math.min(w, x0 + k[1]);
                        int to = (y * ow + ox) * c, from = (y * w + lo) * c;
                        System.arraycopy(image, from, horizontal, to, c);
                        for (int ix = lo + 1; ix < hi; ix++) {
                            from += c;
                            reduce(horizontal, to, image, from, c);
                        }
                    }
                }
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = oy * s[0] - top;
                    int lo = Math.max(0, y0), hi = Math.min(h, y0 + k[0]);
                    for (int ox = 0; ox < ow; ox++) {
                        int to = (oy * ow + ox) * c, from = (lo * ow + ox) * c;
                        System.arraycopy(horizontal, from, pooled, to, c);
                        for (int iy = lo + 1; iy < hi; iy++) {
                            from += ow * c;
                            reduce(pooled, to, horizontal, from, c);
                        }
                        if (!max) {
                            int x0 = ox * s[1] - left;
                            int cols = Math.min(w, x0 + k[1]) - Math.max(0, x0);
                            float inverse = (float) (1.0 / ((hi - lo) * cols));
                            for (int ch = to; ch < to + c; ch++) {
                                pooled[ch] *= inverse;
                            }
                        }
                    }
                }
                writePixels(pooled, out, (long) i * oh * ow, oh * ow);
            }
            return out;
        }

        private void reduce(float[] into, int to, float[] other, int from, int c) {
            if (max) {
                for (int ch = 0; ch < c; ch++) {
                    into[to + ch] = Math.max(into[to + ch], other[from + ch]);
                }
            } else {
                for (int ch = 0; ch < c; ch++) {
                    into[to + ch] += other[from + ch];
                }
            }
        }
    }

    /** Copies pixels [first, first + count) of an activation (all its channels) into {@code into}, densely. */
    static void readPixels(Act a, long first, int count, float[] into) {
        FloatBuffer src = floats(a.root);
        int c = Math.toIntExact(a.c());
        long ld = a.root.size(3);
        if (ld == c) {
            src.get(Math.toIntExact(first * c), into, 0, count * c);
        } else {
            for (int p = 0; p < count; p++) {
                src.get(Math.toIntExact((first + p) * ld + a.offset), into, p * c, c);
            }
        }
    }

    /** Writes dense pixel values into pixels [first, first + count) of an activation (all its channels). */
    static void writePixels(float[] values, Act a, long first, int count) {
        FloatBuffer dst = floats(a.root);
        int c = Math.toIntExact(a.c());
        long ld = a.root.size(3);
        if (ld == c) {
            dst.put(Math.toIntExact(first * c), values, 0, count * c);
        } else {
            for (int p = 0; p < count; p++) {
                dst.put(Math.toIntExact((first + p) * ld + a.offset), values, p * c, c);
            }
        }
    }

    static final class Pad extends Node {
        final int[] pad; // top, bottom, left, right

        Pad(String name, String[] inputs, int[] pad) {
            super(name, inputs);
            this.pad = pad;
        }

        @Override
        long[] outputShape(Act[] in) {
            Act x = in[0];
            return new long[]{x.n(), x.h() + pad[0] + pad[1], x.w() + pad[2] + pad[3], x.c()};
        }

        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            INDArray p = padded(in[0], pad[0], pad[1], pad[2], pad[3]);
            Act out = Act.of(p == in[0].t4 ? p.dup('c') : p);
            if (dest == null) {
                return out;
            }
            dest.t4.assign(out.t4);
            Buffers.give(out.root);
            return dest;
        }
    }

    /** Element-wise: a standalone activation, batch norm as scale + shift, or the sum of the inputs. */
    static final class Elementwise extends Node {
        INDArray scale, shift;     // per channel, or null
        IActivation activation;    // or null
        final boolean add;

        Elementwise(String name, String[] inputs, boolean add) {
            super(name, inputs);
            this.add = add;
        }

        @Override
        long[] outputShape(Act[] in) {
            return in[0].t4.shape();
        }

        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            Act out = destOrNew(dest, outputShape(in));
            out.t4.assign(in[0].t4);
            if (add) {
                for (int i = 1; i < in.length; i++) {
                    out.t4.addi(in[i].t4);
                }
            }
            if (scale != null) {
                out.m2.muliRowVector(scale);
            }
            finish(out.m2, shift, activation);
            return out;
        }
    }

    /** Channel concatenation: inputs that did not write into their slice themselves are copied in. */
    static final class Concat extends Node {
        final long[] offsets;
        final long[] widths;
        final boolean[] direct;
        long channels;
        IActivation activation; // deferred from all its inputs, or null

        Concat(String name, String[] inputs) {
            super(name, inputs);
            offsets = new long[inputs.length];
            widths = new long[inputs.length];
            direct = new boolean[inputs.length];
        }

        @Override
        long[] outputShape(Act[] in) {
            return new long[]{in[0].n(), in[0].h(), in[0].w(), channels};
        }

        @Override
        Act run(Act[] in, Act dest, InferenceNet.Run run) {
            Act buffer = run.concatBuffers.get(name);
            if (buffer == null) {
                buffer = destOrNew(dest, outputShape(in));
                run.concatBuffers.put(name, buffer);
            }
            for (int i = 0; i < in.length; i++) {
                if (!direct[i]) {
                    if (in[i].h() != buffer.h() || in[i].w() != buffer.w()) {
                        throw new IllegalStateException("concatenation " + name + ": input " + inputs[i] + " is "
                                + in[i].h() + "x" + in[i].w() + ", expected " + buffer.h() + "x" + buffer.w());
                    }
                    buffer.slice(offsets[i], widths[i]).t4.assign(in[i].t4);
                }
            }
            if (activation != null) {
                activation.getActivation(buffer.m2, false);
            }
            run.concatBuffers.remove(name);
            return buffer;
        }
    }

    // ---------------------------------------------------------------- building

    /**
     * Builds the forward pass up to {@code featureLayer} from a Keras topology and {@code layer/param}
     * float32 weights (the importer's readers). Throws naming the layer for anything unsupported.
     */
    static InferenceNet fromKeras(JsonNode topology, Map<String, INDArray> weights, String featureLayer) throws IOException {
        Map<String, JsonNode> byName = TfjsLayersImporter.layersByName(topology, featureLayer);
        List<String> needed = TfjsLayersImporter.ancestorsInOrder(byName, featureLayer);
        Map<String, Integer> consumers = new HashMap<>();
        for (String name : needed) {
            for (String in : TfjsLayersImporter.inbound(byName.get(name))) {
                consumers.merge(in, 1, Integer::sum);
            }
        }

        List<Node> nodes = new ArrayList<>();
        Map<String, Node> producer = new HashMap<>();   // Keras layer name -> node computing its value
        Map<String, String> alias = new HashMap<>();    // fused Keras layer -> name its value is stored under
        Map<String, Long> channels = new HashMap<>();
        String inputName = null;
        for (String name : needed) {
            JsonNode layer = byName.get(name);
            JsonNode cfg = layer.get("config");
            String type = layer.get("class_name").asText();
            String[] kerasInputs = TfjsLayersImporter.inbound(layer);
            String[] inputs = kerasInputs.clone();
            // a value read by exactly one layer may be modified in place by that layer (fusion)
            boolean soleReader = kerasInputs.length == 1 && consumers.getOrDefault(kerasInputs[0], 0) == 1;
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = alias.getOrDefault(inputs[i], inputs[i]);
            }
            switch (type) {
                case "InputLayer" -> {
                    JsonNode shape = cfg.get("batch_input_shape");
                    if (shape.get(shape.size() - 1).asInt() != 3) {
                        throw new IOException("expected a 3-channel channels_last input, got " + shape);
                    }
                    inputName = name;
                    channels.put(name, 3L);
                }
                case "Conv2D" -> {
                    TfjsLayersImporter.requireChannelsLast(cfg, name);
                    JsonNode dil = cfg.get("dilation_rate");
                    if (dil != null && (dil.get(0).asInt() != 1 || dil.get(1).asInt() != 1)) {
                        throw new IOException("dilated convolution not supported: " + name);
                    }
                    INDArray kernel = TfjsLayersImporter.take(weights, name, "kernel").castTo(DataType.FLOAT).dup('c');
                    if (kernel.size(2) != channels.get(inputs[0])) {
                        throw new IOException("layer " + name + ": kernel has " + kernel.size(2) + " input channels, its input has "
                                + channels.get(inputs[0]));
                    }
                    INDArray bias = cfg.path("use_bias").asBoolean(true)
                            ? TfjsLayersImporter.take(weights, name, "bias").castTo(DataType.FLOAT).reshape(-1).dup() : null;
                    Conv conv = new Conv(name, inputs, TfjsLayersImporter.ints(cfg.get("kernel_size")), TfjsLayersImporter.ints(cfg.get("strides")),
                            same(cfg), kernel, bias, TfjsLayersImporter.activation(cfg.path("activation").asText("linear")));
                    if (producer.get(inputs[0]) instanceof Pool pool && !pool.max && soleReader && conv.pointwise() && pool.target == null) {
                        // average pool -> 1x1 conv == 1x1 conv -> average pool (both linear, the pool's weights sum
                        // to 1): pooling the conv's fewer output channels is cheaper (InceptionV3's pool branches)
                        nodes.remove(pool);
                        conv = conv.withAverageAfter(pool);
                    }
                    add(nodes, producer, conv);
                    channels.put(name, conv.outChannels);
                }
                case "DepthwiseConv2D" -> {
                    TfjsLayersImporter.requireChannelsLast(cfg, name);
                    INDArray kernel = TfjsLayersImporter.take(weights, name, "depthwise_kernel").castTo(DataType.FLOAT).dup('c');
                    INDArray bias = cfg.path("use_bias").asBoolean(true)
                            ? TfjsLayersImporter.take(weights, name, "bias").castTo(DataType.FLOAT).reshape(-1).dup() : null;
                    Depthwise d = new Depthwise(name, inputs, TfjsLayersImporter.ints(cfg.get("kernel_size")), TfjsLayersImporter.ints(cfg.get("strides")),
                            same(cfg), kernel, bias, TfjsLayersImporter.activation(cfg.path("activation").asText("linear")));
                    add(nodes, producer, d);
                    channels.put(name, kernel.size(2) * kernel.size(3));
                }
                case "BatchNormalization" -> {
                    int axis = cfg.path("axis").asInt(-1);
                    if (axis != -1 && axis != 3) {
                        throw new IOException("batch normalisation must act on channels: " + name + " axis " + axis);
                    }
                    INDArray mean = TfjsLayersImporter.take(weights, name, "moving_mean");
                    long c = mean.length();
                    INDArray var = TfjsLayersImporter.take(weights, name, "moving_variance");
                    INDArray gamma = cfg.path("scale").asBoolean(true) ? TfjsLayersImporter.take(weights, name, "gamma") : Nd4j.ones(DataType.FLOAT, c);
                    INDArray beta = cfg.path("center").asBoolean(true) ? TfjsLayersImporter.take(weights, name, "beta") : Nd4j.zeros(DataType.FLOAT, c);
                    double eps = cfg.path("epsilon").asDouble(1e-3);
                    // y = (x - mean) * gamma / sqrt(var + eps) + beta = x * scale + shift, computed in float64
                    INDArray scale = gamma.castTo(DataType.DOUBLE).div(sqrt(var.castTo(DataType.DOUBLE).add(eps))).reshape(-1);
                    INDArray shift = beta.castTo(DataType.DOUBLE).reshape(-1).sub(mean.castTo(DataType.DOUBLE).reshape(-1).mul(scale));
                    Node prev = producer.get(inputs[0]);
                    if (prev instanceof Conv conv && conv.activation == null && soleReader) {
                        // fold: W' = W * scale (per output channel), b' = b * scale + shift
                        conv.kernelMatrix.muliRowVector(scale.castTo(DataType.FLOAT)); // a view of the kernel: [kh*kw*in, out]
                        INDArray b = conv.bias == null ? shift : conv.bias.castTo(DataType.DOUBLE).mul(scale).add(shift);
                        conv.bias = b.castTo(DataType.FLOAT);
                        alias(alias, producer, conv, name, inputs[0]);
                    } else if (prev instanceof Depthwise d && d.activation == null && soleReader) {
                        // depthwise output channel i*mult + m uses kernel [.., i, m]: scale reshaped to [in, mult]
                        d.kernel.reshape('c', d.kernel.size(0) * d.kernel.size(1), d.kernel.size(2) * d.kernel.size(3)).muliRowVector(scale.castTo(DataType.FLOAT));
                        INDArray b = d.bias == null ? shift : d.bias.castTo(DataType.DOUBLE).mul(scale).add(shift);
                        d.bias = b.castTo(DataType.FLOAT);
                        alias(alias, producer, d, name, inputs[0]);
                    } else {
                        Elementwise e = new Elementwise(name, inputs, false);
                        e.scale = scale.castTo(DataType.FLOAT);
                        e.shift = shift.castTo(DataType.FLOAT);
                        add(nodes, producer, e);
                    }
                    channels.put(name, c);
                }
                case "Activation", "ReLU" -> {
                    Activation a = type.equals("ReLU") ? relu(cfg, name) : TfjsLayersImporter.activation(cfg.get("activation").asText());
                    Node prev = producer.get(inputs[0]);
                    IActivation fn = a == Activation.IDENTITY ? null : a.getActivationFunction();
                    if (fn == null) {
                        alias.put(name, inputs[0]);
                    } else if (soleReader && canTakeActivation(prev)) {
                        setActivation(prev, fn);
                        alias(alias, producer, prev, name, inputs[0]);
                    } else {
                        Elementwise e = new Elementwise(name, inputs, false);
                        e.activation = fn;
                        add(nodes, producer, e);
                    }
                    channels.put(name, channels.get(inputs[0]));
                }
                case "ZeroPadding2D" -> {
                    TfjsLayersImporter.requireChannelsLast(cfg, name);
                    add(nodes, producer, new Pad(name, inputs, TfjsLayersImporter.padding(cfg.get("padding"))));
                    channels.put(name, channels.get(inputs[0]));
                }
                case "MaxPooling2D", "AveragePooling2D" -> {
                    TfjsLayersImporter.requireChannelsLast(cfg, name);
                    add(nodes, producer, new Pool(name, inputs, type.startsWith("Max"), TfjsLayersImporter.ints(cfg.get("pool_size")),
                            TfjsLayersImporter.ints(cfg.get("strides")), same(cfg)));
                    channels.put(name, channels.get(inputs[0]));
                }
                case "Add" -> {
                    add(nodes, producer, new Elementwise(name, inputs, true));
                    channels.put(name, channels.get(inputs[0]));
                }
                case "Concatenate" -> {
                    int axis = cfg.path("axis").asInt(-1);
                    if (axis != -1 && axis != 3) {
                        throw new IOException("only channel concatenation is supported: " + name + " axis " + axis);
                    }
                    Concat concat = new Concat(name, inputs);
                    long offset = 0;
                    for (int i = 0; i < inputs.length; i++) {
                        concat.offsets[i] = offset;
                        concat.widths[i] = channels.get(inputs[i]);
                        offset += concat.widths[i];
                    }
                    concat.channels = offset;
                    add(nodes, producer, concat);
                    channels.put(name, offset);
                }
                default -> throw new IOException("unsupported layer " + type + " (" + name + ") before the feature layer");
            }
        }
        if (inputName == null) {
            throw new IOException("no InputLayer found above " + featureLayer);
        }
        String output = alias.getOrDefault(featureLayer, featureLayer);
        while (alias.containsKey(output)) {
            output = alias.get(output);
        }
        InferenceNet net = new InferenceNet(nodes, inputName, output, Math.toIntExact(channels.get(featureLayer)));
        // producers whose only reader is a concatenation write into its slice (nodes are final now)
        Map<String, Integer> readers = new HashMap<>();
        for (Node node : nodes) {
            for (String in : node.inputs) {
                readers.merge(in, 1, Integer::sum);
            }
        }
        for (Node node : nodes) {
            if (node instanceof Concat concat) {
                net.concats.put(concat.name, concat);
                for (int i = 0; i < concat.inputs.length; i++) {
                    Node p = producerNode(nodes, concat.inputs[i]);
                    if (p != null && !p.name.equals(output) && readers.getOrDefault(p.name, 0) == 1 && p.target == null
                            && java.util.Arrays.asList(concat.inputs).indexOf(p.name) == i) {
                        p.target = concat.name;
                        p.targetOffset = concat.offsets[i];
                        concat.direct[i] = true;
                    }
                }
                deferActivations(nodes, concat);
            }
        }
        return net;
    }

    /**
     * When every input of a concatenation writes into it and all end in the same element-wise activation, the
     * concatenation applies it once to its whole (contiguous) buffer instead: on a column-slice view libnd4j's
     * ReLU ran ~10x slower per element (14% of the forward time at 299 before this).
     */
    private static void deferActivations(List<Node> nodes, Concat concat) {
        IActivation common = null;
        for (int i = 0; i < concat.inputs.length; i++) {
            IActivation a = concat.direct[i] ? activationOf(producerNode(nodes, concat.inputs[i])) : null;
            if (a == null || (common != null && !a.equals(common))) {
                return;
            }
            common = a;
        }
        for (String input : concat.inputs) {
            setActivation(producerNode(nodes, input), null);
        }
        concat.activation = common;
    }

    private static IActivation activationOf(Node node) {
        if (node instanceof Conv c) {
            return c.activation;
        }
        if (node instanceof Depthwise d) {
            return d.activation;
        }
        if (node instanceof Elementwise e) {
            return e.activation;
        }
        if (node instanceof Concat c) {
            return c.activation;
        }
        return null;
    }

    private static Node producerNode(List<Node> nodes, String name) {
        for (Node n : nodes) {
            if (n.name.equals(name)) {
                return n;
            }
        }
        return null;
    }

    private static INDArray sqrt(INDArray x) {
        return org.nd4j.linalg.ops.transforms.Transforms.sqrt(x, true);
    }

    private static void add(List<Node> nodes, Map<String, Node> producer, Node node) {
        nodes.add(node);
        producer.put(node.name, node);
    }

    /** Keras layer {@code fused} is computed by {@code node}, whose value stays stored under node.name. */
    private static void alias(Map<String, String> alias, Map<String, Node> producer, Node node, String fused, String input) {
        alias.put(fused, node.name);
        producer.put(fused, node);
    }

    private static boolean canTakeActivation(Node node) {
        return (node instanceof Conv c && c.activation == null) || (node instanceof Depthwise d && d.activation == null)
                || (node instanceof Elementwise e && e.activation == null);
    }

    private static void setActivation(Node node, IActivation fn) {
        if (node instanceof Conv c) {
            c.activation = fn;
        } else if (node instanceof Depthwise d) {
            d.activation = fn;
        } else if (node instanceof Elementwise e) {
            e.activation = fn;
        } else if (node instanceof Concat c) {
            c.activation = fn;
        }
    }

    private static Activation relu(JsonNode cfg, String name) throws IOException {
        if (cfg.path("negative_slope").asDouble(0) != 0 || cfg.path("threshold").asDouble(0) != 0) {
            throw new IOException("ReLU with a slope or threshold is not supported: " + name);
        }
        JsonNode max = cfg.get("max_value");
        if (max == null || max.isNull()) {
            return Activation.RELU;
        }
        if (max.asDouble() == 6.0) {
            return Activation.RELU6;
        }
        throw new IOException("ReLU max_value " + max + " is not supported: " + name);
    }

    private static boolean same(JsonNode cfg) throws IOException {
        return switch (cfg.path("padding").asText("valid")) {
            case "same" -> true;
            case "valid" -> false;
            default -> throw new IOException("unsupported padding " + cfg.get("padding"));
        };
    }
}
