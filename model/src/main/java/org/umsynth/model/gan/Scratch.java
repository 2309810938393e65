package org.umsynth.model.gan;

import java.lang.ref.SoftReference;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-thread float scratch arrays of the fast layers, reused from call to call. A fresh {@code float[]} per layer
 * call (a few hundred KB to a few MB) cost more than the copy into it: the JVM zeroes it in memory the caches have
 * not seen (measured: reading a [2, 16, 64, 64] array into a new array 70 us, into a reused one 10 us). Contents
 * are undefined on entry and arrays may be longer than asked for; each slot is used by one piece of code at a
 * time (layers do not call each other). Per thread, so Spark tasks on other threads have their own.
 *
 * <p>Held through soft references: the GC reclaims them when the heap runs short (they reach ~200 MB per training
 * thread with the paper networks at 256x256, more at the paper's resolution, and would otherwise stay with a pooled
 * thread, e.g. a Spark executor's, through the stages after training); the next call then allocates again.
 */
final class Scratch {
    /** Slots: a layer's input, output, output gradient, input gradient; the image copy of im2col / col2im. */
    static final int IN = 0;
    static final int OUT = 1;
    static final int GRAD = 2;
    static final int INPUT_GRAD = 3;
    static final int IMAGE = 4;
    static final int COLUMN = 5;
    static final int RUN = 6;
    private static final int SLOTS = 7;

    /** Plane sets of {@link FlatConvolution}: output planes, padded output gradients, input-gradient planes. */
    static final int PLANES_OUT = 0;
    static final int PLANES_DELTA = 1;
    static final int PLANES_INPUT_GRAD = 2;
    private static final int PLANE_SLOTS = 3;

    /** Off-heap working matrices of the convolutions' grouped gemms: columns, output-channel rows, column gradient. */
    static final int NATIVE_COLUMNS = 0;
    static final int NATIVE_ROWS = 1;
    static final int NATIVE_COLUMN_GRAD = 2;
    private static final int NATIVE_SLOTS = 3;

    /** One thread's arrays. */
    @SuppressWarnings("unchecked")
    private static final class ThreadArrays {
        final Thread owner = Thread.currentThread();
        final SoftReference<float[]>[] floats = new SoftReference[SLOTS];
        final SoftReference<float[][]>[] planes = new SoftReference[PLANE_SLOTS];
        FloatPointer ones;
        final INDArray[] natives = new INDArray[NATIVE_SLOTS];
    }

    private static final ThreadLocal<ThreadArrays> PER_THREAD = ThreadLocal.withInitial(ThreadArrays::new);
    /**
     * The arrays of the thread that asked last: checked before the {@link ThreadLocal}, because DL4J / ND4J leave
     * so many stale entries in a training thread's {@code ThreadLocalMap} that every lookup probes a long chain
     * (JFR: ~3% of a GAN step's samples in {@code ThreadLocalMap.getEntryAfterMiss}; the step's A/B was within noise).
     */
    private static volatile ThreadArrays last;

    private Scratch() {}

    private static ThreadArrays mine() {
        ThreadArrays a = last;
        if (a == null || a.owner != Thread.currentThread()) {
            a = PER_THREAD.get();
            last = a;
        }
        return a;
    }

    /** An array of at least {@code n} floats, contents undefined. */
    static float[] floats(int slot, int n) {
        SoftReference<float[]>[] s = mine().floats;
        float[] a = s[slot] == null ? null : s[slot].get();
        if (a == null || a.length < n) {
            a = new float[n];
            s[slot] = new SoftReference<>(a);
        }
        return a;
    }

    /** An off-heap vector of at least {@code n} ones (the bias as a rank-1 gemm: {@link Blas#addRowBias}). */
    static FloatPointer ones(int n) {
        ThreadArrays a = mine();
        if (a.ones == null || a.ones.capacity() < n) {
            float[] values = new float[Math.max(n, 1024)];
            java.util.Arrays.fill(values, 1f);
            a.ones = new FloatPointer(values);
        }
        return a.ones;
    }

    /**
     * A detached off-heap float vector of at least {@code n} elements, contents undefined, reused by this thread's
     * later calls. The gemm working matrices were new workspace arrays per call before, and ND4J registers two
     * deallocators (data and shape buffer) for every array it creates, even in a workspace: each is a live map entry
     * that the next young GC copies (with the cached weight views, ~570 of a 64x64 GAN step's 1,443 registrations;
     * young-GC survivors fell from ~250 to ~170 MB). Held strongly by the thread, like the workspaces it replaces
     * (the size of the largest working matrix asked for), and freed with the thread.
     */
    static INDArray nativeFloats(int slot, long n) {
        INDArray[] s = mine().natives;
        if (s[slot] == null || s[slot].length() < n) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                s[slot] = Nd4j.createUninitializedDetached(DataType.FLOAT, Math.max(n, 1024));
            }
        }
        return s[slot];
    }

    /** {@code count} arrays of at least {@code n} floats each (indexed from 0: what C2 vectorises), contents undefined. */
    static float[][] planes(int slot, int count, int n) {
        SoftReference<float[][]>[] s = mine().planes;
        float[][] p = s[slot] == null ? null : s[slot].get();
        if (p == null || p.length < count) {
            p = p == null ? new float[count][] : java.util.Arrays.copyOf(p, count);
            s[slot] = new SoftReference<>(p);
        }
        for (int i = 0; i < count; i++) {
            if (p[i] == null || p[i].length < n) {
                p[i] = new float[n];
            }
        }
        return p;
    }
}
