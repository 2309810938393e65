package org.umsynth.model.gan;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** NIO views of contiguous c-order arrays, for the Java loops of {@link ConvGeometry}. */
final class ConvBuffers {
    private ConvBuffers() {}

    /** Whether arrays live in host memory (the CPU backend): the Java loops are only worth it there. */
    static boolean hostBackend() {
        return HOST_BACKEND;
    }

    private static final boolean HOST_BACKEND = org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU();

    /** Values laid out in c order without gaps from {@code offset()} (strides of size-1 axes do not matter). */
    static boolean isContiguousC(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** A contiguous c-order array viewed as a {@code rows x columns} matrix without copying. */
    static INDArray matrix(INDArray a, long rows, long columns) {
        INDArray m = org.nd4j.linalg.api.shape.Shape.newShapeNoCopy(a, new long[] {rows, columns}, false);
        if (m == null) {
            throw new IllegalStateException("not a contiguous c-order view: " + a.shapeInfoToString());
        }
        return m;
    }

    /**
     * {@link #matrix} of an array that stays the same object from call to call (a layer's weights or weight-gradient
     * view), built once: ND4J makes each view with a fresh data buffer, NDArray and shape buffer, three deallocator
     * registrations (a GAN step made ~1,400 registrations, ~260 of them these views).
     */
    static final class MatrixView {
        private INDArray source;
        private INDArray view;
        private long rows;
        private long columns;

        INDArray of(INDArray a, long rows, long columns) {
            if (a != source || rows != this.rows || columns != this.columns) {
                view = matrix(a, rows, columns);
                source = a;
                this.rows = rows;
                this.columns = columns;
            }
            return view;
        }
    }

    /** The first {@code rows x columns} values of a contiguous scratch array, as a contiguous matrix. */
    static INDArray block(INDArray scratch, int rows, int columns) {
        if (scratch.size(0) == rows && scratch.size(1) == columns) {
            return scratch;
        }
        return scratch.reshape('c', new long[] {scratch.length()})
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, (long) rows * columns))
                .reshape('c', new long[] {rows, columns});
    }

    /**
     * The whole underlying buffer of a float array as native-order bytes, for the Vector API's byte-buffer loads
     * (index it with {@link #byteOffset}; unlike {@link #floats} it is not sliced at the array's offset).
     */
    static java.nio.ByteBuffer bytes(INDArray a) {
        check(a, DataType.FLOAT);
        return a.data().asNio().duplicate().order(java.nio.ByteOrder.nativeOrder());
    }

    /** Byte offset of a float array's first element in {@link #bytes}. */
    static int byteOffset(INDArray a) {
        return Math.toIntExact(a.offset() * Float.BYTES);
    }

    static FloatBuffer floats(INDArray a) {
        check(a, DataType.FLOAT);
        return a.data().asNioFloat().duplicate().position(Math.toIntExact(a.offset())).slice();
    }

    static DoubleBuffer doubles(INDArray a) {
        check(a, DataType.DOUBLE);
        return a.data().asNioDouble().duplicate().position(Math.toIntExact(a.offset())).slice();
    }

    /**
     * Images {@code first .. first + count - 1} of float {@code images} ({@code [N, channels, pixels]}, contiguous)
     * as the matrix {@code [channels, count * pixels]} (image j in columns {@code j * pixels ..}): the layout one
     * gemm over several images needs.
     */
    static void toChannelRows(INDArray images, int first, int count, int channels, int pixels, INDArray matrix) {
        int total = count * channels * pixels;
        float[] v = Scratch.floats(Scratch.OUT, total);
        floats(images).get(first * channels * pixels, v, 0, total);
        FloatBuffer m = floats(matrix);
        int ld = count * pixels;
        for (int j = 0; j < count; j++) {
            for (int c = 0; c < channels; c++) {
                m.put(c * ld + j * pixels, v, (j * channels + c) * pixels, pixels);
            }
        }
    }

    /** The inverse of {@link #toChannelRows}: the matrix's columns back into images {@code first ..}. */
    static void fromChannelRows(INDArray matrix, int count, int channels, int pixels, INDArray images, int first) {
        int total = count * channels * pixels;
        float[] v = Scratch.floats(Scratch.OUT, total);
        floats(matrix).get(0, v, 0, total);
        FloatBuffer out = floats(images);
        int ld = count * pixels;
        for (int j = 0; j < count; j++) {
            for (int c = 0; c < channels; c++) {
                out.put(((first + j) * channels + c) * pixels, v, c * ld + j * pixels, pixels);
            }
        }
    }

    /** The values of a float array, c order. */
    static float[] floatValues(INDArray a) {
        INDArray c = isContiguousC(a) ? a : a.dup('c');
        float[] v = new float[Math.toIntExact(c.length())];
        floats(c).get(0, v, 0, v.length);
        return v;
    }

    /** The values of a float array, c order, in scratch array {@code slot} ({@link Scratch}: may be longer). */
    static float[] floatValues(INDArray a, int slot) {
        int n = Math.toIntExact(a.length());
        float[] v = Scratch.floats(slot, n);
        if (isContiguousC(a)) {
            floats(a).get(0, v, 0, n);
        } else if (!rowsOfView(a, v)) {
            floats(a.dup('c')).get(0, v, 0, n);
        }
        return v;
    }

    /**
     * A 4-d float view with unit stride along its rows (e.g. a Cropping2D output) read row by row into {@code into},
     * c order: one bulk read per row instead of ND4J's {@code dup} op (an op call plus a fresh array each time).
     * False (nothing read) for any other layout.
     */
    static boolean rowsOfView(INDArray a, float[] into) {
        if (a.dataType() != DataType.FLOAT || a.rank() != 4 || a.stride(3) != 1 || a.ordering() != 'c') {
            return false;
        }
        long[] shape = a.shape();
        long[] stride = a.stride();
        FloatBuffer all = a.data().asNioFloat();
        int base = Math.toIntExact(a.offset());
        int w = (int) shape[3];
        int to = 0;
        for (int i = 0; i < shape[0]; i++) {
            for (int c = 0; c < shape[1]; c++) {
                for (int y = 0; y < shape[2]; y++, to += w) {
                    all.get(Math.toIntExact(base + i * stride[0] + c * stride[1] + y * stride[2]), into, to, w);
                }
            }
        }
        return true;
    }

    /** The values of any numeric array, c order, as doubles (float and double by bulk reads). */
    static double[] read(INDArray a) {
        INDArray c = isContiguousC(a) ? a : a.dup('c');
        int n = Math.toIntExact(c.length());
        double[] v = new double[n];
        if (c.dataType() == DataType.FLOAT) {
            float[] f = new float[n];
            floats(c).get(0, f, 0, n);
            for (int i = 0; i < n; i++) {
                v[i] = f[i];
            }
        } else if (c.dataType() == DataType.DOUBLE) {
            doubles(c).get(0, v, 0, n);
        } else { // e.g. integer label maps: ND4J's conversion
            doubles(c.castTo(DataType.DOUBLE)).get(0, v, 0, n);
        }
        return v;
    }

    /** Writes {@code v} (c order) into a contiguous float or double array. */
    static void write(double[] v, INDArray target) {
        int n = Math.toIntExact(target.length());
        if (target.dataType() == DataType.FLOAT) {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                f[i] = (float) v[i];
            }
            floats(target).put(0, f, 0, n);
        } else {
            doubles(target).put(0, v, 0, n);
        }
    }

    private static void check(INDArray a, DataType type) {
        if (a.dataType() != type || !isContiguousC(a)) {
            throw new IllegalStateException("expected a contiguous c-order " + type + " array: " + a.shapeInfoToString());
        }
    }
}
