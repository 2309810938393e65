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
 * A {@link FastConvolutionLayer}'s float NCHW convolution, forward, input gradient and weight gradient, as oneDNN's
 * JIT direct convolutions (and a {@link FastDeconvolution2DLayer}'s transposed convolution: the same three, swapped) (the engine PyTorch's CPU convolutions run on): on the PatchGAN's 4x4 layers they run
 * 1.5-2.3x faster than im2col + OpenBLAS gemm (bench/gan/README.md, round 8), whose column matrix costs memory
 * traffic a direct convolution does not have.
 *
 * <p>The layer's arrays stay in DL4J's layouts ({@code [N, C, H, W]} activations, {@code [nOut, nIn, kH, kW]}
 * weights): each call reorders them into the blocked layouts the primitive chose (channels in groups of 8) and the
 * results back, as PyTorch does for its dense NCHW tensors. Primitives, their descriptors and the blocked buffers are
 * built once per thread and shape ({@link Plan}) and reused; the arrays' own memory is passed by address on every
 * call. oneDNN runs on its OpenMP runtime with {@code OMP_NUM_THREADS} threads (the launchers and surefire set 1:
 * one Spark task per core).
 *
 * <p>Optional: when the native library cannot be loaded (another platform, {@code -Dumsynth.onednnConvolutions=off})
 * the layers keep their im2col + gemm paths. Double precision always does (oneDNN convolutions are float only here),
 * so the gradient checks exercise the Java paths and {@code OneDnnConvolutionTest} holds this engine to them.
 */
final class OneDnnConvolution {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnConvolution.class);

    /** {@code umsynth.onednnConvolutions}: {@code on} (default) or {@code off}; tests switch it. */
    static volatile boolean enabled = !"off".equals(
            System.getProperty("umsynth.onednnConvolutions", "on").toLowerCase(Locale.ROOT));

    /** Plans kept per thread (least recently used dropped first): layers x batch sizes of the networks in use. */
    static final int PLANS_PER_THREAD = 64;

    private static volatile Boolean loaded;
    private static dnnl_engine engine;

    private static final ThreadLocal<Plans> PLANS = ThreadLocal.withInitial(Plans::new);

    private OneDnnConvolution() {}

    /** Whether the engine is switched on and its native library loaded (tried once per JVM). */
    static boolean available() {
        if (!enabled) {
            return false;
        }
        Boolean l = loaded;
        return l != null ? l : load();
    }

    private static synchronized boolean load() {
        if (loaded == null) {
            try {
                Loader.load(org.bytedeco.dnnl.global.dnnl.class);
                dnnl_engine e = new dnnl_engine();
                check(dnnl_engine_create(e, dnnl_cpu, 0), "engine_create");
                engine = e;
                loaded = true;
            } catch (Throwable t) { // UnsatisfiedLinkError on a platform without the natives, or a failed engine
                LOG.warn("oneDNN not available ({}); convolutions use im2col + OpenBLAS", t.toString());
                loaded = false;
            }
        }
        return loaded;
    }

    /** The shapes a plan is built for: batch size, geometry, output channels, bias. */
    private record Shape(int n, int channels, int height, int width, int nOut, int kernelH, int kernelW, int strideH,
            int strideW, int padTop, int padLeft, int outH, int outW, boolean bias) {
        static Shape of(int n, ConvGeometry g, int nOut, boolean bias) {
            return new Shape(n, g.channels, g.height, g.width, nOut, g.kernelH, g.kernelW, g.strideH, g.strideW,
                    g.padTop, g.padLeft, g.outH, g.outW, bias);
        }
    }

    /**
     * {@code out = conv(in, weights) + bias}; {@code bias} null without one. All arrays float, contiguous, c order:
     * {@code in [N, C, H, W]}, {@code weights [nOut, C, kH, kW]}, {@code bias [nOut]} (any shape of that length),
     * {@code out [N, nOut, outH, outW]}.
     */
    static void forward(ConvGeometry g, int n, INDArray in, INDArray weights, INDArray bias, INDArray out) {
        Plan plan = plan(Shape.of(n, g, Math.toIntExact(weights.size(0)), bias != null));
        plan.forward(address(in), address(weights), bias == null ? null : address(bias), address(out));
    }

    /**
     * {@code inputGrad} (overwritten, the input's shape) = dL/dinput for {@code delta} = dL/d(pre-activation)
     * {@code [N, nOut, outH, outW]}: the transposed convolution of {@code delta} with the weights (also a
     * transposed-convolution layer's forward pass). {@code bias}: whether the layer's forward pass has one (the
     * backward primitives are built from that forward one).
     */
    static void inputGradient(ConvGeometry g, int n, INDArray weights, boolean bias, INDArray delta,
            INDArray inputGrad) {
        plan(Shape.of(n, g, Math.toIntExact(weights.size(0)), bias)).backwardData(address(weights), address(delta),
                address(inputGrad));
    }

    /**
     * {@code weightGrad} {@code [nOut, C, kH, kW]} (overwritten) = dL/dweights for {@code delta} = dL/d(pre-activation)
     * {@code [N, nOut, outH, outW]} and the input {@code in}. The bias gradient is the caller's (a sum over delta).
     */
    static void weightGradient(ConvGeometry g, int n, INDArray in, boolean bias, INDArray delta,
            INDArray weightGrad) {
        plan(Shape.of(n, g, Math.toIntExact(weightGrad.size(0)), bias)).backwardWeights(address(in), address(delta),
                address(weightGrad));
    }

    /** The implementation oneDNN chose for this shape's forward pass (e.g. {@code jit:avx2}); for logs and tests. */
    static String implementation(ConvGeometry g, int n, int nOut, boolean bias) {
        return plan(Shape.of(n, g, nOut, bias)).forwardImplementation;
    }

    private static Plan plan(Shape shape) {
        if (loaded != Boolean.TRUE && !load()) {
            throw new IllegalStateException("oneDNN's native library is not loaded: check available() first");
        }
        Plans plans = PLANS.get();
        Plan plan = plans.get(shape);
        if (plan == null) {
            plan = new Plan(shape);
            plans.put(shape, plan);
        }
        return plan;
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

    /** A thread's plans, least recently used first; an evicted plan frees its native objects. */
    private static final class Plans extends LinkedHashMap<Shape, Plan> {
        Plans() {
            super(16, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<Shape, Plan> eldest) {
            if (size() > PLANS_PER_THREAD) {
                eldest.getValue().close();
                return true;
            }
            return false;
        }
    }

    /** A memory object: a descriptor and either the caller's array (address set per call) or an owned buffer. */
    private static final class Memory {
        final dnnl_memory_desc_t desc;
        final dnnl_memory memory = new dnnl_memory();
        private final BytePointer owned;

        /** Memory for the caller's arrays in a plain layout ({@code tag}); the address comes with each call. */
        Memory(long[] dims, int tag) {
            desc = new dnnl_memory_desc_t();
            check(dnnl_memory_desc_init_by_tag(desc, dims.length, dims, dnnl_f32, tag), "memory_desc_init_by_tag");
            owned = null;
            check(dnnl_memory_create(memory, desc, engine, null), "memory_create");
        }

        /** An owned, 64-byte aligned buffer in the layout {@code chosen} (copied: a primitive's query result). */
        Memory(dnnl_memory_desc_t chosen) {
            desc = new dnnl_memory_desc_t();
            Pointer.memcpy(desc, chosen, desc.sizeof());
            long bytes = dnnl_memory_desc_get_size(desc);
            BytePointer buffer = new BytePointer(bytes + 64);
            long misalignment = buffer.address() % 64;
            owned = buffer.position(misalignment == 0 ? 0 : 64 - misalignment);
            check(dnnl_memory_create(memory, desc, engine, owned), "memory_create");
        }

        void point(Pointer address) {
            check(dnnl_memory_set_data_handle(memory, address), "memory_set_data_handle");
        }

        boolean sameLayout(dnnl_memory_desc_t other) {
            return dnnl_memory_desc_equal(desc, other) != 0;
        }

        void close() {
            dnnl_memory_destroy(memory);
            if (owned != null) {
                owned.position(0).deallocate();
            }
        }
    }

    /**
     * A primitive's view of one tensor: the caller's array ({@code user}) and, when the primitive wants another
     * layout, an owned buffer with a reorder each way as needed.
     */
    private static final class Operand {
        final Memory user;
        final Memory internal; // null: the primitive reads or writes the caller's array directly
        private dnnl_primitive toInternal;
        private dnnl_primitive toUser;

        Operand(Memory user, dnnl_memory_desc_t chosen, boolean input) {
            this.user = user;
            if (user.sameLayout(chosen)) {
                internal = null;
            } else {
                internal = new Memory(chosen);
                if (input) {
                    toInternal = reorder(user, internal);
                } else {
                    toUser = reorder(internal, user);
                }
            }
        }

        /** The memory the primitive uses, after copying the caller's array into it if needed. */
        dnnl_memory in(Pointer address, Stream s) {
            user.point(address);
            if (internal == null) {
                return user.memory;
            }
            s.execute(toInternal, DNNL_ARG_FROM, user.memory, DNNL_ARG_TO, internal.memory);
            return internal.memory;
        }

        /** The memory the primitive writes; {@link #out} copies it to the caller's array. */
        dnnl_memory target(Pointer address) {
            user.point(address);
            return internal == null ? user.memory : internal.memory;
        }

        void out(Stream s) {
            if (internal != null) {
                s.execute(toUser, DNNL_ARG_FROM, internal.memory, DNNL_ARG_TO, user.memory);
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
            if (toInternal != null) {
                dnnl_primitive_destroy(toInternal);
            }
            if (toUser != null) {
                dnnl_primitive_destroy(toUser);
            }
            if (internal != null) {
                internal.close();
            }
        }
    }

    /** A thread's stream and argument list. */
    private static final class Stream {
        final dnnl_stream stream = new dnnl_stream();
        final dnnl_exec_arg_t args = new dnnl_exec_arg_t(4);

        Stream() {
            check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "stream_create");
        }

        void execute(dnnl_primitive p, Object... argAndMemory) {
            int count = argAndMemory.length / 2;
            for (int i = 0; i < count; i++) {
                args.position(i).arg((Integer) argAndMemory[2 * i]).memory((dnnl_memory) argAndMemory[2 * i + 1]);
            }
            args.position(0);
            check(dnnl_primitive_execute(p, stream, count, args), "primitive_execute");
        }
    }

    private static final ThreadLocal<Stream> STREAMS = ThreadLocal.withInitial(Stream::new);

    /** One shape's primitives: forward always, the two backward ones when first asked for. */
    private static final class Plan {
        final Shape shape;
        final long[] strides;
        final long[] padLeft;
        final long[] padRight;
        final Memory src;
        final Memory weights;
        final Memory bias;
        final Memory dst;
        final dnnl_memory_desc_t anyWeights = new dnnl_memory_desc_t();
        final dnnl_primitive_desc forwardDesc = new dnnl_primitive_desc();
        final dnnl_primitive forward = new dnnl_primitive();
        final Operand forwardSrc;
        final Operand forwardWeights;
        final Operand forwardDst;
        final String forwardImplementation;
        private BackwardData backwardData;
        private BackwardWeights backwardWeights;

        Plan(Shape s) {
            shape = s;
            strides = new long[] {s.strideH, s.strideW};
            padLeft = new long[] {s.padTop, s.padLeft};
            // bottom / right padding: what the output size needs (Same mode's may exceed the top / left one)
            padRight = new long[] {(long) (s.outH - 1) * s.strideH + s.kernelH - s.height - s.padTop,
                    (long) (s.outW - 1) * s.strideW + s.kernelW - s.width - s.padLeft};
            long[] srcDims = {s.n, s.channels, s.height, s.width};
            long[] weightDims = {s.nOut, s.channels, s.kernelH, s.kernelW};
            long[] dstDims = {s.n, s.nOut, s.outH, s.outW};
            src = new Memory(srcDims, dnnl_nchw);
            weights = new Memory(weightDims, dnnl_oihw);
            bias = s.bias ? new Memory(new long[] {s.nOut}, dnnl_x) : null;
            dst = new Memory(dstDims, dnnl_nchw);

            dnnl_memory_desc_t anySrc = anyDesc(srcDims);
            check(dnnl_memory_desc_init_by_tag(anyWeights, 4, weightDims, dnnl_f32, dnnl_format_tag_any), "any");
            dnnl_memory_desc_t anyDst = anyDesc(dstDims);
            dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(op, dnnl_forward_training, dnnl_convolution_direct, anySrc,
                    anyWeights, s.bias ? bias.desc : null, anyDst, strides, padLeft, padRight),
                    "convolution_forward_desc_init");
            check(dnnl_primitive_desc_create(forwardDesc, new const_dnnl_op_desc_t(op), null, engine, null),
                    "convolution forward primitive_desc_create");
            check(dnnl_primitive_create(forward, forwardDesc), "primitive_create");
            forwardSrc = new Operand(src, dnnl_primitive_desc_query_md(forwardDesc, dnnl_query_src_md, 0), true);
            forwardWeights = new Operand(weights, dnnl_primitive_desc_query_md(forwardDesc, dnnl_query_weights_md, 0),
                    true);
            forwardDst = new Operand(dst, dnnl_primitive_desc_query_md(forwardDesc, dnnl_query_dst_md, 0), false);
            forwardImplementation = implementationOf(forwardDesc);
            LOG.debug("oneDNN convolution {}: {}", s, forwardImplementation);
        }

        private static dnnl_memory_desc_t anyDesc(long[] dims) {
            dnnl_memory_desc_t d = new dnnl_memory_desc_t();
            check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl_f32, dnnl_format_tag_any), "any");
            return d;
        }

        void forward(Pointer in, Pointer w, Pointer b, Pointer out) {
            Stream s = STREAMS.get();
            dnnl_memory srcMemory = forwardSrc.in(in, s);
            dnnl_memory weightMemory = forwardWeights.in(w, s);
            dnnl_memory dstMemory = forwardDst.target(out);
            if (b != null) {
                bias.point(b);
                s.execute(forward, DNNL_ARG_SRC, srcMemory, DNNL_ARG_WEIGHTS, weightMemory, DNNL_ARG_BIAS,
                        bias.memory, DNNL_ARG_DST, dstMemory);
            } else {
                s.execute(forward, DNNL_ARG_SRC, srcMemory, DNNL_ARG_WEIGHTS, weightMemory, DNNL_ARG_DST, dstMemory);
            }
            forwardDst.out(s);
        }

        void backwardData(Pointer w, Pointer delta, Pointer inputGrad) {
            if (backwardData == null) {
                backwardData = new BackwardData(this);
            }
            backwardData.run(w, delta, inputGrad);
        }

        void backwardWeights(Pointer in, Pointer delta, Pointer weightGrad) {
            if (backwardWeights == null) {
                backwardWeights = new BackwardWeights(this);
            }
            backwardWeights.run(in, delta, weightGrad);
        }

        void close() {
            if (backwardData != null) {
                backwardData.close();
            }
            if (backwardWeights != null) {
                backwardWeights.close();
            }
            forwardSrc.close();
            forwardWeights.close();
            forwardDst.close();
            dnnl_primitive_destroy(forward);
            dnnl_primitive_desc_destroy(forwardDesc);
            src.close();
            weights.close();
            dst.close();
            if (bias != null) {
                bias.close();
            }
        }
    }

    private static String implementationOf(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> name = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, name), "query impl_info_str");
        return name.get(BytePointer.class, 0).getString();
    }

    /** dL/dinput = the transposed convolution of dL/d(pre-activation) with the weights. */
    private static final class BackwardData {
        final dnnl_primitive_desc desc = new dnnl_primitive_desc();
        final dnnl_primitive primitive = new dnnl_primitive();
        final Operand weights;
        final Operand delta;
        final Operand inputGrad;

        BackwardData(Plan p) {
            Shape s = p.shape;
            dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_data_desc_init(op, dnnl_convolution_direct,
                    Plan.anyDesc(new long[] {s.n, s.channels, s.height, s.width}), p.anyWeights,
                    Plan.anyDesc(new long[] {s.n, s.nOut, s.outH, s.outW}), p.strides, p.padLeft, p.padRight),
                    "convolution_backward_data_desc_init");
            check(dnnl_primitive_desc_create(desc, new const_dnnl_op_desc_t(op), null, engine, p.forwardDesc),
                    "convolution backward data primitive_desc_create");
            check(dnnl_primitive_create(primitive, desc), "primitive_create");
            // own user memories: the forward plan's may point at other arrays of the same shapes meanwhile
            weights = new Operand(new Memory(new long[] {s.nOut, s.channels, s.kernelH, s.kernelW}, dnnl_oihw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_weights_md, 0), true);
            delta = new Operand(new Memory(new long[] {s.n, s.nOut, s.outH, s.outW}, dnnl_nchw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_diff_dst_md, 0), true);
            inputGrad = new Operand(new Memory(new long[] {s.n, s.channels, s.height, s.width}, dnnl_nchw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_diff_src_md, 0), false);
        }

        void run(Pointer w, Pointer d, Pointer dx) {
            Stream s = STREAMS.get();
            s.execute(primitive, DNNL_ARG_WEIGHTS, weights.in(w, s), DNNL_ARG_DIFF_DST, delta.in(d, s),
                    DNNL_ARG_DIFF_SRC, inputGrad.target(dx));
            inputGrad.out(s);
        }

        void close() {
            weights.close();
            delta.close();
            inputGrad.close();
            weights.user.close();
            delta.user.close();
            inputGrad.user.close();
            dnnl_primitive_destroy(primitive);
            dnnl_primitive_desc_destroy(desc);
        }
    }

    /** dL/dweights = the correlation of the input with dL/d(pre-activation) (no bias: the caller sums it). */
    private static final class BackwardWeights {
        final dnnl_primitive_desc desc = new dnnl_primitive_desc();
        final dnnl_primitive primitive = new dnnl_primitive();
        final Operand src;
        final Operand delta;
        final Operand weightGrad;

        BackwardWeights(Plan p) {
            Shape s = p.shape;
            dnnl_convolution_desc_t op = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_weights_desc_init(op, dnnl_convolution_direct,
                    Plan.anyDesc(new long[] {s.n, s.channels, s.height, s.width}), p.anyWeights, null,
                    Plan.anyDesc(new long[] {s.n, s.nOut, s.outH, s.outW}), p.strides, p.padLeft, p.padRight),
                    "convolution_backward_weights_desc_init");
            check(dnnl_primitive_desc_create(desc, new const_dnnl_op_desc_t(op), null, engine, p.forwardDesc),
                    "convolution backward weights primitive_desc_create");
            check(dnnl_primitive_create(primitive, desc), "primitive_create");
            src = new Operand(new Memory(new long[] {s.n, s.channels, s.height, s.width}, dnnl_nchw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_src_md, 0), true);
            delta = new Operand(new Memory(new long[] {s.n, s.nOut, s.outH, s.outW}, dnnl_nchw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_diff_dst_md, 0), true);
            weightGrad = new Operand(new Memory(new long[] {s.nOut, s.channels, s.kernelH, s.kernelW}, dnnl_oihw),
                    dnnl_primitive_desc_query_md(desc, dnnl_query_diff_weights_md, 0), false);
        }

        void run(Pointer in, Pointer d, Pointer dw) {
            Stream s = STREAMS.get();
            s.execute(primitive, DNNL_ARG_SRC, src.in(in, s), DNNL_ARG_DIFF_DST, delta.in(d, s),
                    DNNL_ARG_DIFF_WEIGHTS, weightGrad.target(dw));
            weightGrad.out(s);
        }

        void close() {
            src.close();
            delta.close();
            weightGrad.close();
            src.user.close();
            delta.user.close();
            weightGrad.user.close();
            dnnl_primitive_destroy(primitive);
            dnnl_primitive_desc_destroy(desc);
        }
    }
}
