package org.umsynth.model.gan;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link FastConvolutionLayer}'s float NCHW convolution (forward, input gradient, weight gradient) as oneDNN's JIT
 * direct convolutions, the engine PyTorch's CPU convolutions run on; a {@link FastDeconvolution2DLayer}'s transposed
 * convolution is the same three primitives in other roles. On the PatchGAN's 4x4 layers im2col + OpenBLAS gemm took
 * 1.5-2.3x oneDNN's time layer by layer (bench/gan/README.md, round 8): its column matrix costs memory traffic a
 * direct convolution does not have.
 *
 * <p>The layers' arrays stay in DL4J's layouts ({@code [N, C, H, W]} activations, {@code [nOut, nIn, kH, kW]}
 * weights): each call reorders them into the blocked layouts the primitive chose (channels in groups of 8 on AVX2,
 * 16 on AVX-512) and the result back, as PyTorch does for its dense NCHW tensors. Primitives and descriptors are built once per thread and
 * shape ({@link Plan}); the arrays are passed by address on every call, and the blocked copies live in three buffers
 * per thread that every call shares (a primitive call needs at most two blocked inputs and one blocked output), so
 * their memory is that of the largest layer, not of all layers. oneDNN runs on its OpenMP runtime with
 * {@code OMP_NUM_THREADS} threads (the launchers and surefire set 1: one Spark task per core).
 *
 * <p>Optional: when the native library cannot be loaded (another platform) or {@code -Dumsynth.onednnConvolutions=off},
 * the layers keep their im2col + gemm paths. Double precision always does (oneDNN's convolutions are float only), so
 * the gradient checks exercise the Java paths, and {@code OneDnnConvolutionTest} holds this engine to direct loops.
 */
final class OneDnnConvolution {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnConvolution.class);

    /** {@code umsynth.onednnConvolutions}: {@code on} (default) or {@code off}; tests and benchmarks switch it. */
    static volatile boolean enabled = !"off".equals(
            System.getProperty("umsynth.onednnConvolutions", "on").toLowerCase(Locale.ROOT));

    /**
     * {@code umsynth.onednnBufferMiB} (default: no limit): layers whose blocked copies would take more than this many
     * MiB per call keep the im2col path, whose column blocks stay within 16 MiB. A bound for the paper networks at
     * full resolution, where a 64-channel 1024x1024 pair of images is 512 MiB per copy (~1.3 GiB per training thread).
     */
    static volatile long maxBufferBytes = maxBufferBytes(System.getProperty("umsynth.onednnBufferMiB"));

    /** Plans kept per thread (least recently used dropped first): layers x batch sizes of the networks in use. */
    static final int PLANS_PER_THREAD = 64;

    /** The blocked buffers' roles in a primitive call: first input, second input, output. */
    private static final int FIRST = 0;
    private static final int SECOND = 1;
    private static final int RESULT = 2;

    private static volatile Boolean loaded;
    private static dnnl_engine engine;

    private static final ThreadLocal<Worker> WORKERS = ThreadLocal.withInitial(Worker::new);

    private OneDnnConvolution() {}

    /** Whether the engine is switched on and its native library loaded (tried once per JVM). */
    static boolean available() {
        if (!enabled) {
            return false;
        }
        Boolean l = loaded;
        return l != null ? l : load();
    }

    private static long maxBufferBytes(String mib) {
        if (mib == null || mib.isBlank()) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(mib.trim()) << 20;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("umsynth.onednnBufferMiB must be a whole number of MiB, not '" + mib + "'",
                    e);
        }
    }

    /**
     * Whether a float convolution of {@code n} images with this geometry and output count runs here: the engine is
     * available and its blocked copies fit {@link #maxBufferBytes}.
     */
    static boolean takes(ConvGeometry g, int n, int nOut) {
        return available() && blockedBytes(g, n, nOut) <= maxBufferBytes;
    }

    /** Bytes of a call's blocked input, output and weights at most: channels padded to AVX-512's blocks of 16. */
    static long blockedBytes(ConvGeometry g, int n, int nOut) {
        long in = pad16(g.channels) * g.height * g.width;
        long out = pad16(nOut) * g.outH * g.outW;
        return Float.BYTES * (n * (in + out) + pad16(nOut) * pad16(g.channels) * g.kernelH * g.kernelW);
    }

    private static long pad16(int channels) {
        return (channels + 15L) / 16 * 16;
    }

    private static synchronized boolean load() {
        if (loaded == null) {
            try {
                Loader.load(org.bytedeco.dnnl.global.dnnl.class);
                dnnl_engine e = new dnnl_engine();
                check(dnnl_engine_create(e, dnnl_cpu, 0), "engine_create");
                engine = e;
                loaded = true;
                org.bytedeco.dnnl.dnnl_version_t v = dnnl_version();
                // once per JVM, so an operator sees which engine trains (and that OMP_NUM_THREADS sizes it)
                LOG.info("oneDNN {}.{}.{} runs the fast convolution layers, threads per call: OMP_NUM_THREADS={}",
                        v.major(), v.minor(), v.patch(),
                        System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset: all cores)"));
            } catch (Throwable t) { // UnsatisfiedLinkError on a platform without the natives, or a failed engine
                LOG.warn("oneDNN not available ({}); convolutions use im2col + OpenBLAS", t.toString());
                loaded = false;
            }
        }
        return loaded;
    }

    /**
     * {@code out = conv(in, weights) + bias}; {@code bias} null without one. All arrays float, contiguous, c order:
     * {@code in [N, C, H, W]}, {@code weights [nOut, C, kH, kW]}, {@code bias [nOut]} (any shape of that length),
     * {@code out [N, nOut, outH, outW]}.
     */
    static void forward(ConvGeometry g, int n, INDArray in, INDArray weights, INDArray bias, INDArray out) {
        Worker w = worker();
        w.plan(Shape.of(n, g, Math.toIntExact(weights.size(0)), bias != null)).forward(w, address(in),
                address(weights), bias == null ? null : address(bias), address(out));
    }

    /**
     * {@code inputGrad} (overwritten, the input's shape) = dL/dinput for {@code delta} = dL/d(pre-activation)
     * {@code [N, nOut, outH, outW]}: the transposed convolution of {@code delta} with the weights (also a
     * transposed-convolution layer's forward pass). {@code bias}: whether the layer's forward pass has one (the
     * backward primitives are built from that forward one).
     */
    static void inputGradient(ConvGeometry g, int n, INDArray weights, boolean bias, INDArray delta,
            INDArray inputGrad) {
        Worker w = worker();
        w.plan(Shape.of(n, g, Math.toIntExact(weights.size(0)), bias)).backwardData(w, address(weights),
                address(delta), address(inputGrad));
    }

    /**
     * {@code weightGrad} {@code [nOut, C, kH, kW]} (overwritten) = dL/dweights for {@code delta} = dL/d(pre-activation)
     * {@code [N, nOut, outH, outW]} and the input {@code in}. The bias gradient is the caller's (a sum over delta).
     */
    static void weightGradient(ConvGeometry g, int n, INDArray in, boolean bias, INDArray delta,
            INDArray weightGrad) {
        Worker w = worker();
        w.plan(Shape.of(n, g, Math.toIntExact(weightGrad.size(0)), bias)).backwardWeights(w, address(in),
                address(delta), address(weightGrad));
    }

    /** The implementation oneDNN chose for this shape's forward pass (e.g. {@code jit:avx2}); for logs and tests. */
    static String implementation(ConvGeometry g, int n, int nOut, boolean bias) {
        return worker().plan(Shape.of(n, g, nOut, bias)).forwardImplementation;
    }

    /** Bytes of blocked buffers the calling thread holds (tests: the largest layer's, not the sum over layers). */
    static long bufferBytes() {
        return worker().bufferBytes();
    }

    private static Worker worker() {
        if (loaded != Boolean.TRUE && !load()) {
            throw new IllegalStateException("oneDNN's native library is not loaded: check available() first");
        }
        return WORKERS.get();
    }

    /** The first element of a (view of a) c-order array: a view's buffer already starts there in ND4J M2.1. */
    private static Pointer address(INDArray x) {
        return x.data().addressPointer();
    }

    private static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + what + " failed: status " + status);
        }
    }

    /** The shapes a plan is built for: batch size, geometry, output channels, bias. */
    private record Shape(int n, int channels, int height, int width, int nOut, int kernelH, int kernelW, int strideH,
            int strideW, int padTop, int padLeft, int outH, int outW, boolean bias) {
        static Shape of(int n, ConvGeometry g, int nOut, boolean bias) {
            return new Shape(n, g.channels, g.height, g.width, nOut, g.kernelH, g.kernelW, g.strideH, g.strideW,
                    g.padTop, g.padLeft, g.outH, g.outW, bias);
        }

        long[] srcDims() {
            return new long[] {n, channels, height, width};
        }

        long[] weightDims() {
            return new long[] {nOut, channels, kernelH, kernelW};
        }

        long[] dstDims() {
            return new long[] {n, nOut, outH, outW};
        }
    }

    /**
     * A thread's oneDNN state: its stream, the argument list being built, its plans (least recently used first; an
     * evicted plan frees its native objects) and the three blocked buffers its primitive calls share.
     */
    private static final class Worker {
        final dnnl_stream stream = new dnnl_stream();
        final dnnl_exec_arg_t args = new dnnl_exec_arg_t(4);
        int argCount;
        final BytePointer[] buffers = new BytePointer[3];
        final long[] capacities = new long[3];
        final Map<Shape, Plan> plans = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Shape, Plan> eldest) {
                if (size() > PLANS_PER_THREAD) {
                    eldest.getValue().close();
                    return true;
                }
                return false;
            }
        };

        Worker() {
            check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "stream_create");
        }

        Plan plan(Shape shape) {
            Plan plan = plans.get(shape);
            if (plan == null) {
                plan = new Plan(shape);
                plans.put(shape, plan);
            }
            return plan;
        }

        /** Buffer {@code slot}, at least {@code bytes} long and 64-byte aligned (contents undefined). */
        Pointer buffer(int slot, long bytes) {
            if (capacities[slot] < bytes) {
                if (buffers[slot] != null) {
                    buffers[slot].position(0).deallocate();
                }
                BytePointer b = new BytePointer(bytes + 64);
                long misalignment = b.address() % 64;
                buffers[slot] = b.position(misalignment == 0 ? 0 : 64 - misalignment);
                capacities[slot] = bytes;
            }
            return buffers[slot];
        }

        long bufferBytes() {
            return capacities[FIRST] + capacities[SECOND] + capacities[RESULT];
        }

        Worker arg(int arg, dnnl_memory memory) {
            args.position(argCount++).arg(arg).memory(memory);
            return this;
        }

        /** Runs {@code primitive} on the arguments added since the last run. */
        void run(dnnl_primitive primitive) {
            int count = argCount;
            argCount = 0;
            check(dnnl_primitive_execute(primitive, stream, count, args.position(0)), "primitive_execute");
        }
    }

    /** A memory descriptor and a memory object over it whose data address is set before each use. */
    private static final class Memory {
        final dnnl_memory_desc_t desc = new dnnl_memory_desc_t();
        final dnnl_memory memory = new dnnl_memory();

        /** A plain layout ({@code tag}: nchw, oihw, x) of the caller's arrays. */
        Memory(long[] dims, int tag) {
            check(dnnl_memory_desc_init_by_tag(desc, dims.length, dims, dnnl_f32, tag), "memory_desc_init_by_tag");
            check(dnnl_memory_create(memory, desc, engine, null), "memory_create");
        }

        /** The layout a primitive chose (a copy of its query result, which lives as long as the primitive). */
        Memory(dnnl_memory_desc_t chosen) {
            Pointer.memcpy(desc, chosen, desc.sizeof());
            check(dnnl_memory_create(memory, desc, engine, null), "memory_create");
        }

        dnnl_memory at(Pointer address) {
            check(dnnl_memory_set_data_handle(memory, address), "memory_set_data_handle");
            return memory;
        }

        void close() {
            dnnl_memory_destroy(memory);
        }
    }

    /**
     * One tensor of a primitive call: the caller's array in its plain layout and, when the primitive chose another
     * layout, a blocked copy in the thread's buffer {@code slot} with the reorder between the two.
     */
    private static final class Operand {
        final Memory user;
        final Memory internal; // null: the primitive reads or writes the caller's array directly
        final int slot;
        final long bytes;
        final dnnl_primitive reorder;

        Operand(long[] dims, int tag, dnnl_memory_desc_t chosen, int slot) {
            user = new Memory(dims, tag);
            this.slot = slot;
            if (dnnl_memory_desc_equal(user.desc, chosen) != 0) {
                internal = null;
                bytes = 0;
                reorder = null;
            } else {
                internal = new Memory(chosen);
                bytes = dnnl_memory_desc_get_size(internal.desc);
                reorder = slot == RESULT ? reorder(internal, user) : reorder(user, internal);
            }
        }

        /** The memory the primitive reads, after the caller's array at {@code address} is copied into it if needed. */
        dnnl_memory in(Worker w, Pointer address) {
            if (internal == null) {
                return user.at(address);
            }
            dnnl_memory blocked = internal.at(w.buffer(slot, bytes));
            w.arg(DNNL_ARG_FROM, user.at(address)).arg(DNNL_ARG_TO, blocked).run(reorder);
            return blocked;
        }

        /** The memory the primitive writes; {@link #out} then copies it to the caller's array at {@code address}. */
        dnnl_memory target(Worker w, Pointer address) {
            user.at(address);
            return internal == null ? user.memory : internal.at(w.buffer(slot, bytes));
        }

        void out(Worker w) {
            if (internal != null) {
                w.arg(DNNL_ARG_FROM, internal.memory).arg(DNNL_ARG_TO, user.memory).run(reorder);
            }
        }

        private static dnnl_primitive reorder(Memory from, Memory to) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from.desc, engine, to.desc, engine, null),
                    "reorder_primitive_desc_create");
            dnnl_primitive p = new dnnl_primitive();
            check(dnnl_primitive_create(p, pd), "primitive_create");
            dnnl_primitive_desc_destroy(pd);
            return p;
        }

        void close() {
            if (reorder != null) {
                dnnl_primitive_destroy(reorder);
                internal.close();
            }
            user.close();
        }
    }

    /** A primitive built from an operation descriptor, with its descriptor (the backward ones' hint). */
    private static final class Primitive {
        final dnnl_primitive_desc desc = new dnnl_primitive_desc();
        final dnnl_primitive primitive = new dnnl_primitive();

        Primitive(dnnl_convolution_desc_t op, Primitive forwardHint, String what) {
            check(dnnl_primitive_desc_create(desc, new const_dnnl_op_desc_t(op), null, engine,
                    forwardHint == null ? null : forwardHint.desc), what + " primitive_desc_create");
            check(dnnl_primitive_create(primitive, desc), what + " primitive_create");
        }

        dnnl_memory_desc_t chosen(int query) {
            return dnnl_primitive_desc_query_md(desc, query, 0);
        }

        String implementation() {
            PointerPointer<BytePointer> name = new PointerPointer<>(1);
            check(dnnl_primitive_desc_query(desc, dnnl_query_impl_info_str, 0, name), "query impl_info_str");
            return name.get(BytePointer.class, 0).getString();
        }

        void close() {
            dnnl_primitive_destroy(primitive);
            dnnl_primitive_desc_destroy(desc);
        }
    }

    /**
     * A primitive with two inputs and one output, each an {@link Operand} in its own buffer slot (and, for the
     * forward one, an optional plain bias): one call copies the inputs in, runs, and copies the output back.
     */
    private static final class Call {
        final Primitive primitive;
        final int firstArg;
        final Operand first;
        final int secondArg;
        final Operand second;
        final int resultArg;
        final Operand result;

        Call(Primitive primitive, Shape s, int firstArg, int firstQuery, int secondArg, int secondQuery,
                int resultArg, int resultQuery) {
            this.primitive = primitive;
            this.firstArg = firstArg;
            this.secondArg = secondArg;
            this.resultArg = resultArg;
            first = operand(s, firstArg, primitive.chosen(firstQuery), FIRST);
            second = operand(s, secondArg, primitive.chosen(secondQuery), SECOND);
            result = operand(s, resultArg, primitive.chosen(resultQuery), RESULT);
        }

        /** The caller's plain layout of the tensor an argument names: weights OIHW, activations NCHW. */
        private static Operand operand(Shape s, int arg, dnnl_memory_desc_t chosen, int slot) {
            if (arg == DNNL_ARG_WEIGHTS || arg == DNNL_ARG_DIFF_WEIGHTS) {
                return new Operand(s.weightDims(), dnnl_oihw, chosen, slot);
            }
            boolean input = arg == DNNL_ARG_SRC || arg == DNNL_ARG_DIFF_SRC;
            return new Operand(input ? s.srcDims() : s.dstDims(), dnnl_nchw, chosen, slot);
        }

        void run(Worker w, Pointer a, Pointer b, Pointer out, dnnl_memory bias) {
            dnnl_memory ma = first.in(w, a);
            dnnl_memory mb = second.in(w, b);
            dnnl_memory mr = result.target(w, out);
            w.arg(firstArg, ma).arg(secondArg, mb).arg(resultArg, mr);
            if (bias != null) {
                w.arg(DNNL_ARG_BIAS, bias);
            }
            w.run(primitive.primitive);
            result.out(w);
        }

        void close() {
            first.close();
            second.close();
            result.close();
            primitive.close();
        }
    }

    /** One shape's primitives: the forward one at once, the two backward ones when first asked for. */
    private static final class Plan {
        final Shape shape;
        final long[] strides;
        final long[] padLeft;
        final long[] padRight;
        final Memory bias;
        final Call forward;
        final String forwardImplementation;
        private Call backwardData;
        private Call backwardWeights;

        Plan(Shape s) {
            shape = s;
            strides = new long[] {s.strideH, s.strideW};
            padLeft = new long[] {s.padTop, s.padLeft};
            // bottom / right padding: what the output size needs (Same mode's may exceed the top / left one)
            padRight = new long[] {(long) (s.outH - 1) * s.strideH + s.kernelH - s.height - s.padTop,
                    (long) (s.outW - 1) * s.strideW + s.kernelW - s.width - s.padLeft};
            bias = s.bias ? new Memory(new long[] {s.nOut}, dnnl_x) : null;
            dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(op, dnnl_forward_training, dnnl_convolution_direct,
                    any(s.srcDims()), any(s.weightDims()), s.bias ? bias.desc : null, any(s.dstDims()), strides,
                    padLeft, padRight), "convolution_forward_desc_init");
            Primitive p = new Primitive(op, null, "convolution forward");
            forward = new Call(p, s, DNNL_ARG_SRC, dnnl_query_src_md, DNNL_ARG_WEIGHTS, dnnl_query_weights_md,
                    DNNL_ARG_DST, dnnl_query_dst_md);
            forwardImplementation = p.implementation();
            LOG.debug("oneDNN convolution {}: {}", s, forwardImplementation);
        }

        /** A descriptor that lets the primitive choose the layout. */
        private static dnnl_memory_desc_t any(long[] dims) {
            dnnl_memory_desc_t d = new dnnl_memory_desc_t();
            check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl_f32, dnnl_format_tag_any), "any");
            return d;
        }

        void forward(Worker w, Pointer in, Pointer weights, Pointer b, Pointer out) {
            forward.run(w, in, weights, out, b == null ? null : bias.at(b));
        }

        void backwardData(Worker w, Pointer weights, Pointer delta, Pointer inputGrad) {
            if (backwardData == null) {
                Shape s = shape;
                dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
                check(dnnl_convolution_backward_data_desc_init(op, dnnl_convolution_direct, any(s.srcDims()),
                        any(s.weightDims()), any(s.dstDims()), strides, padLeft, padRight),
                        "convolution_backward_data_desc_init");
                backwardData = new Call(new Primitive(op, forward.primitive, "convolution backward data"), s,
                        DNNL_ARG_WEIGHTS, dnnl_query_weights_md, DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md,
                        DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md);
            }
            backwardData.run(w, weights, delta, inputGrad, null);
        }

        void backwardWeights(Worker w, Pointer in, Pointer delta, Pointer weightGrad) {
            if (backwardWeights == null) {
                Shape s = shape;
                dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
                check(dnnl_convolution_backward_weights_desc_init(op, dnnl_convolution_direct, any(s.srcDims()),
                        any(s.weightDims()), null, any(s.dstDims()), strides, padLeft, padRight),
                        "convolution_backward_weights_desc_init");
                backwardWeights = new Call(new Primitive(op, forward.primitive, "convolution backward weights"), s,
                        DNNL_ARG_SRC, dnnl_query_src_md, DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md,
                        DNNL_ARG_DIFF_WEIGHTS, dnnl_query_diff_weights_md);
            }
            backwardWeights.run(w, in, delta, weightGrad, null);
        }

        void close() {
            for (Call c : new Call[] {backwardData, backwardWeights, forward}) {
                if (c != null) {
                    c.close();
                }
            }
            if (bias != null) {
                bias.close();
            }
        }
    }
}
