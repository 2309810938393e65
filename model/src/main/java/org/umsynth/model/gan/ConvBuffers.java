package org.umsynth.model.gan;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/** NIO views of contiguous c-order arrays, for the Java loops of {@link ConvGeometry}. */
final class ConvBuffers {
    private ConvBuffers() {}

    static boolean isContiguousC(INDArray a) {
        return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) && a.elementWiseStride() == 1;
    }

    static FloatBuffer floats(INDArray a) {
        check(a, DataType.FLOAT);
        return a.data().asNioFloat().duplicate().position(Math.toIntExact(a.offset())).slice();
    }

    static DoubleBuffer doubles(INDArray a) {
        check(a, DataType.DOUBLE);
        return a.data().asNioDouble().duplicate().position(Math.toIntExact(a.offset())).slice();
    }

    private static void check(INDArray a, DataType type) {
        if (a.dataType() != type || !isContiguousC(a)) {
            throw new IllegalStateException("expected a contiguous c-order " + type + " array: " + a.shapeInfoToString());
        }
    }
}
