package org.umsynth.model.gan;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * im2col / col2im of one NCHW image for a 2-D convolution (dilation 1, zero padding), in Caffe's layout:
 * column matrix row {@code (ci, ky, kx)} (the order of DL4J's weights {@code [nOut, nIn, kH, kW]}), column
 * {@code (oy - firstRow) * outW + ox}. Every (row, output row) pair is one run along x: a bulk copy for
 * stride 1, a strided gather otherwise; out-of-image positions are zeros.
 */
final class ConvGeometry {
    final int channels;
    final int height;
    final int width;
    final int kernelH;
    final int kernelW;
    final int strideH;
    final int strideW;
    final int padTop;
    final int padLeft;
    final int outH;
    final int outW;

    ConvGeometry(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW, int padTop,
            int padLeft, int outH, int outW) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.outH = outH;
        this.outW = outW;
    }

    /** Rows of the column matrix: {@code channels * kernelH * kernelW}. */
    int columnRows() {
        return channels * kernelH * kernelW;
    }

    int imageSize() {
        return channels * height * width;
    }

    /** One run of a traversal: column offset, image offset, length, image stride (out-of-image runs: zeros). */
    private interface Runs {
        void inside(int column, int image, int length, int imageStride);

        void outside(int column, int length);
    }

    private void traverse(int firstRow, int endRow, Runs runs) {
        int blockColumns = (endRow - firstRow) * outW;
        for (int ci = 0; ci < channels; ci++) {
            for (int ky = 0; ky < kernelH; ky++) {
                for (int kx = 0; kx < kernelW; kx++) {
                    int row = (ci * kernelH + ky) * kernelW + kx;
                    // ox is inside when 0 <= ox * strideW - padLeft + kx <= width - 1
                    int lo = Math.max(0, -Math.floorDiv(kx - padLeft, strideW));
                    int hi = Math.min(outW, Math.floorDiv(width - 1 + padLeft - kx, strideW) + 1);
                    for (int oy = firstRow; oy < endRow; oy++) {
                        int column = row * blockColumns + (oy - firstRow) * outW;
                        int iy = oy * strideH - padTop + ky;
                        if (iy < 0 || iy >= height || lo >= hi) {
                            runs.outside(column, outW);
                            continue;
                        }
                        if (lo > 0) {
                            runs.outside(column, lo);
                        }
                        runs.inside(column + lo, (ci * height + iy) * width + lo * strideW - padLeft + kx, hi - lo,
                                strideW);
                        if (hi < outW) {
                            runs.outside(column + hi, outW - hi);
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #traverse} written out for float heap arrays (no per-run interface call: the traversal's call site
     * sees four {@link Runs} classes and does not inline them).
     */
    private void im2colFloat(float[] img, float[] col, int firstRow, int endRow) {
        int blockColumns = (endRow - firstRow) * outW;
        for (int ci = 0; ci < channels; ci++) {
            for (int ky = 0; ky < kernelH; ky++) {
                for (int kx = 0; kx < kernelW; kx++) {
                    int row = (ci * kernelH + ky) * kernelW + kx;
                    int lo = Math.max(0, -Math.floorDiv(kx - padLeft, strideW));
                    int hi = Math.min(outW, Math.floorDiv(width - 1 + padLeft - kx, strideW) + 1);
                    for (int oy = firstRow; oy < endRow; oy++) {
                        cutRow(img, ci, oy * strideH - padTop + ky, kx, lo, hi, col,
                                row * blockColumns + (oy - firstRow) * outW);
                    }
                }
            }
        }
    }

    /**
     * {@link #im2colFloat} on whole images with far fewer copy calls: per (channel, kx, row residue r modulo the
     * vertical stride) one plane of the image's rows {@code r, r + strideH, ...} cut to the output's columns (input
     * column {@code ox * strideW - padLeft + kx}, zero outside the image), then each column-matrix row (channel, ky,
     * kx) is one contiguous run of the plane of ky's residue, starting at ky's row. The row-by-row loop copies runs of
     * outW floats per (channel, ky, kx, output row) (8 in the 8x8 residual blocks), and that per-run cost dominated
     * (~6 ns per run); here the strided gathers of stride-2 layers are also shared by the taps of one residue.
     */
    private void im2colPlanes(float[] img, FloatBuffer col, int ld, int offset) {
        int plane = outH * outW;
        int qMin = Math.floorDiv(-padTop, strideH);
        int rows = outH + Math.floorDiv(kernelH - 1 - padTop, strideH) - qMin; // plane rows per residue
        float[] cut = Scratch.floats(Scratch.RUN, strideH * rows * outW);
        for (int ci = 0; ci < channels; ci++) {
            for (int kx = 0; kx < kernelW; kx++) {
                cutPlanes(img, ci, kx, qMin, rows, cut);
                for (int ky = 0; ky < kernelH; ky++) {
                    int r = Math.floorMod(ky - padTop, strideH);
                    int q = Math.floorDiv(ky - padTop, strideH);
                    // straight into the (native) column matrix: no heap copy of the whole matrix to move after
                    col.put(((ci * kernelH + ky) * kernelW + kx) * ld + offset, cut, (r * rows + q - qMin) * outW,
                            plane);
                }
            }
        }
    }

    /** Fills {@link #im2colPlanes}' planes of channel {@code ci}, column tap {@code kx}: residue r at row r * rows. */
    private void cutPlanes(float[] img, int ci, int kx, int qMin, int rows, float[] cut) {
        // ox inside the image: 0 <= ox * strideW - padLeft + kx <= width - 1
        int lo = Math.max(0, -Math.floorDiv(kx - padLeft, strideW));
        int hi = Math.min(outW, Math.floorDiv(width - 1 + padLeft - kx, strideW) + 1);
        for (int r = 0; r < strideH; r++) {
            for (int t = 0; t < rows; t++) {
                cutRow(img, ci, (t + qMin) * strideH + r, kx, lo, hi, cut, (r * rows + t) * outW);
            }
        }
    }

    /**
     * One output row's worth of image row {@code iy} of channel {@code ci} for column tap {@code kx}: outW floats at
     * {@code dst[at..]}, image columns {@code ox * strideW - padLeft + kx} for {@code ox} in {@code [lo, hi)} (the ones
     * inside the image), zeros elsewhere and for rows outside the image.
     */
    private void cutRow(float[] img, int ci, int iy, int kx, int lo, int hi, float[] dst, int at) {
        if (iy < 0 || iy >= height || lo >= hi) {
            java.util.Arrays.fill(dst, at, at + outW, 0f);
            return;
        }
        for (int x = 0; x < lo; x++) {
            dst[at + x] = 0f;
        }
        int from = (ci * height + iy) * width + lo * strideW - padLeft + kx;
        if (strideW == 1) {
            System.arraycopy(img, from, dst, at + lo, hi - lo);
        } else {
            for (int x = lo; x < hi; x++, from += strideW) {
                dst[at + x] = img[from];
            }
        }
        for (int x = hi; x < outW; x++) {
            dst[at + x] = 0f;
        }
    }

    /**
     * The adjoint of {@link #im2colFloat} for output rows {@code [firstRow, endRow)}: adds the column matrix into the
     * image. Each column-matrix row ({@code (endRow - firstRow) * outW} floats at {@code row * ld + offset} of
     * {@code col}) is read into a small array that stays in L1, then scattered run by run.
     */
    private void col2imRows(FloatBuffer col, int ld, int offset, int firstRow, int endRow, float[] img) {
        int plane = (endRow - firstRow) * outW;
        float[] run = Scratch.floats(Scratch.COLUMN, plane);
        for (int ci = 0; ci < channels; ci++) {
            for (int ky = 0; ky < kernelH; ky++) {
                for (int kx = 0; kx < kernelW; kx++) {
                    int row = (ci * kernelH + ky) * kernelW + kx;
                    int lo = Math.max(0, -Math.floorDiv(kx - padLeft, strideW));
                    int hi = Math.min(outW, Math.floorDiv(width - 1 + padLeft - kx, strideW) + 1);
                    if (lo >= hi) {
                        continue;
                    }
                    col.get(row * ld + offset, run, 0, plane);
                    for (int oy = firstRow; oy < endRow; oy++) {
                        int iy = oy * strideH - padTop + ky;
                        if (iy < 0 || iy >= height) {
                            continue;
                        }
                        int c = (oy - firstRow) * outW;
                        int to = (ci * height + iy) * width + lo * strideW - padLeft + kx;
                        for (int x = lo; x < hi; x++, to += strideW) {
                            img[to] += run[c + x];
                        }
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #im2colPlanes} for stride 1: per (channel, kx) the column-matrix rows of every ky are
     * summed into one plane (contiguous runs of outH * outW floats), which is then added onto the image row by row.
     * The same sums as {@link #col2imRows}'s row-by-row loop in another order (float rounding may differ in the last
     * bits). Stride 2 keeps the row loop: there the planes' extra pass cost more than the strided scatter they share
     * (measured: 16 channels 64x64, 3x3 stride 2 per image 104 -> 143 us).
     */
    private void col2imStride1(FloatBuffer col, int ld, int offset, float[] img) {
        int plane = outH * outW;
        int rows = outH + kernelH - 1;
        float[] cut = Scratch.floats(Scratch.RUN, rows * outW);
        float[] row = Scratch.floats(Scratch.COLUMN, plane);
        for (int ci = 0; ci < channels; ci++) {
            for (int kx = 0; kx < kernelW; kx++) {
                int lo = Math.max(0, padLeft - kx);
                int hi = Math.min(outW, width + padLeft - kx);
                if (lo >= hi) {
                    continue;
                }
                // rows read straight from the (native) column matrix into a small array that stays in L1
                col.get(((ci * kernelH) * kernelW + kx) * ld + offset, cut, 0, plane); // ky = 0
                java.util.Arrays.fill(cut, plane, rows * outW, 0f);
                for (int ky = 1; ky < kernelH; ky++) {
                    col.get(((ci * kernelH + ky) * kernelW + kx) * ld + offset, row, 0, plane);
                    int at = ky * outW;
                    for (int t = 0; t < plane; t++) {
                        cut[at + t] += row[t];
                    }
                }
                for (int r = 0; r < rows; r++) {
                    int iy = r - padTop;
                    if (iy < 0 || iy >= height) {
                        continue;
                    }
                    int to = (ci * height + iy) * width + lo - padLeft + kx;
                    int from = r * outW + lo;
                    for (int x = 0; x < hi - lo; x++) {
                        img[to + x] += cut[from + x];
                    }
                }
            }
        }
    }

    /**
     * Fills {@code column} ({@code [columnRows, (endRow - firstRow) * outW]}, c order, contiguous) from image
     * {@code n} of {@code images} ({@code [N, channels, height, width]}, c order, contiguous).
     */
    void im2col(INDArray images, int n, INDArray column, int firstRow, int endRow) {
        int base = n * imageSize();
        if (images.dataType() == DataType.FLOAT) {
            // image and column on the heap (reused scratch arrays), runs copied with System.arraycopy, one bulk copy
            // into the column matrix: per-run puts into the direct buffer and fresh arrays per call cost more
            int size = imageSize();
            float[] img = Scratch.floats(Scratch.IMAGE, size);
            ConvBuffers.floats(images).get(base, img, 0, size);
            if (firstRow == 0 && endRow == outH) {
                im2colPlanes(img, ConvBuffers.floats(column), outH * outW, 0);
                return;
            }
            int total = columnRows() * (endRow - firstRow) * outW;
            float[] col = Scratch.floats(Scratch.COLUMN, total);
            im2colFloat(img, col, firstRow, endRow);
            ConvBuffers.floats(column).put(0, col, 0, total);
        } else {
            DoubleBuffer img = ConvBuffers.doubles(images);
            DoubleBuffer col = ConvBuffers.doubles(column);
            traverse(firstRow, endRow, new Runs() {
                @Override
                public void inside(int c, int i, int length, int stride) {
                    for (int k = 0, from = base + i; k < length; k++, from += stride) {
                        col.put(c + k, img.get(from));
                    }
                }

                @Override
                public void outside(int c, int length) {
                    for (int k = 0; k < length; k++) {
                        col.put(c + k, 0.0);
                    }
                }
            });
        }
    }

    /** Adds {@code column} (as {@link #im2col} lays it out) into image {@code n} of {@code images}: the adjoint. */
    void col2imAdd(INDArray column, INDArray images, int n, int firstRow, int endRow) {
        int base = n * imageSize();
        if (images.dataType() == DataType.FLOAT) {
            FloatBuffer target = ConvBuffers.floats(images);
            int size = imageSize();
            float[] img = Scratch.floats(Scratch.IMAGE, size);
            target.get(base, img, 0, size);
            if (firstRow == 0 && endRow == outH) {
                col2imWhole(ConvBuffers.floats(column), outH * outW, 0, img);
            } else {
                col2imRows(ConvBuffers.floats(column), (endRow - firstRow) * outW, 0, firstRow, endRow, img);
            }
            target.put(base, img, 0, size);
        } else {
            DoubleBuffer img = ConvBuffers.doubles(images);
            DoubleBuffer col = ConvBuffers.doubles(column);
            traverse(firstRow, endRow, new Runs() {
                @Override
                public void inside(int c, int i, int length, int stride) {
                    for (int k = 0, to = base + i; k < length; k++, to += stride) {
                        img.put(to, img.get(to) + col.get(c + k));
                    }
                }

                @Override
                public void outside(int c, int length) {}
            });
        }
    }

    private void col2imWhole(FloatBuffer col, int ld, int offset, float[] img) {
        if (strideH == 1 && strideW == 1) {
            col2imStride1(col, ld, offset, img);
        } else {
            col2imRows(col, ld, offset, 0, outH, img);
        }
    }

    /**
     * im2col of whole image {@code n} of float {@code images} into a column matrix shared by several images: row r
     * of this image's {@code [columnRows, outH * outW]} matrix goes to elements {@code [r * ld + offset, .. +
     * outH * outW)} of {@code column} (contiguous float), so one gemm can take the columns of several images.
     */
    void im2colInto(INDArray images, int n, INDArray column, int ld, int offset) {
        checkShared(column, ld, offset);
        int size = imageSize();
        float[] img = Scratch.floats(Scratch.IMAGE, size);
        ConvBuffers.floats(images).get(n * size, img, 0, size);
        im2colPlanes(img, ConvBuffers.floats(column), ld, offset);
    }

    /** The adjoint of {@link #im2colInto}: adds this image's columns of the shared matrix into image {@code n}. */
    void col2imAddFrom(INDArray column, int ld, int offset, INDArray images, int n) {
        checkShared(column, ld, offset);
        FloatBuffer target = ConvBuffers.floats(images);
        int size = imageSize();
        float[] img = Scratch.floats(Scratch.IMAGE, size);
        target.get(n * size, img, 0, size);
        col2imWhole(ConvBuffers.floats(column), ld, offset, img);
        target.put(n * size, img, 0, size);
    }

    private void checkShared(INDArray column, int ld, int offset) {
        int plane = outH * outW;
        if (offset < 0 || offset + plane > ld || (long) (columnRows() - 1) * ld + offset + plane > column.length()) {
            throw new IllegalArgumentException("column matrix of " + column.length() + " elements, row stride " + ld
                    + ", offset " + offset + " cannot hold " + columnRows() + " rows of " + plane);
        }
    }
}
