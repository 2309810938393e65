package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float im2col / col2im loops (written out per case, incl. the stride-1 plane path) against the double path,
 * which runs the generic traversal: same column matrix, same image, on geometries with every padding, kernel and
 * stride the networks use and some they do not, whole images and row blocks.
 */
class ConvGeometryTest {
    // {channels, height, width, kernel, stride, pad top, pad left}
    private static final int[][] CASES = {
        {3, 10, 10, 3, 1, 0, 0}, {4, 9, 9, 4, 1, 2, 2}, {2, 5, 7, 4, 1, 2, 1}, {3, 8, 6, 3, 1, 1, 1},
        {2, 6, 6, 5, 1, 2, 0}, {3, 7, 9, 1, 1, 0, 0}, {2, 4, 4, 4, 1, 3, 3}, {3, 12, 12, 3, 2, 1, 1},
        {2, 9, 9, 4, 2, 2, 2}, {2, 11, 8, 7, 1, 3, 3}};

    @Test
    void floatLoopsEqualTheGenericTraversal() {
        Nd4j.getRandom().setSeed(17);
        for (int[] c : CASES) {
            int outH = (c[1] + 2 * c[5] - c[3]) / c[4] + 1;
            int outW = (c[2] + 2 * c[6] - c[3]) / c[4] + 1;
            ConvGeometry g = new ConvGeometry(c[0], c[1], c[2], c[3], c[3], c[4], c[4], c[5], c[6], outH, outW);
            INDArray images = Nd4j.rand(DataType.DOUBLE, 2, c[0], c[1], c[2]).subi(0.5);
            INDArray imagesF = images.castTo(DataType.FLOAT);
            for (int[] block : new int[][] {{0, outH}, {0, Math.max(1, outH / 2)}, {outH / 2, outH}}) {
                if (block[0] >= block[1]) {
                    continue;
                }
                String name = java.util.Arrays.toString(c) + " rows " + java.util.Arrays.toString(block);
                long columns = (long) (block[1] - block[0]) * outW;
                INDArray colD = Nd4j.create(DataType.DOUBLE, g.columnRows(), columns);
                INDArray colF = Nd4j.create(DataType.FLOAT, g.columnRows(), columns);
                g.im2col(images, 1, colD, block[0], block[1]);
                g.im2col(imagesF, 1, colF, block[0], block[1]);
                assertEquals(colD.castTo(DataType.FLOAT), colF, "im2col " + name);

                INDArray addD = Nd4j.rand(DataType.DOUBLE, 2, c[0], c[1], c[2]);
                INDArray addF = addD.castTo(DataType.FLOAT);
                g.col2imAdd(colD, addD, 0, block[0], block[1]);
                g.col2imAdd(colF, addF, 0, block[0], block[1]);
                double diff = addD.castTo(DataType.FLOAT).sub(addF).amaxNumber().doubleValue();
                assertEquals(0.0, diff, 1e-5, "col2im " + name);
            }
        }
    }
}
