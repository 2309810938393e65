package org.umsynth.model.gan;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.Deconvolution2DLayer;
import org.deeplearning4j.nn.params.DeconvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layer of {@link FastDeconvolution2D}. A transposed convolution is the input-gradient of a convolution:
 * forward, per image, {@code col [nOut*kH*kW, inH*inW] = W^T x} (W as {@code [nIn, nOut*kH*kW]}) then col2im onto
 * the output; backward, {@code col = im2col(dL/dy)}, {@code dL/dx = W col}, {@code dL/dW = x col^T}. In float, with
 * oneDNN's library loaded, the three are that convolution's primitives instead ({@link OneDnnConvolution}).
 * Falls back to DL4J's implementation for Same mode, NHWC, dilation other than 1 and other data types.
 */
public class FastDeconvolution2DLayer extends Deconvolution2DLayer {
    private final transient PreActivation preActivation = new PreActivation();
    private final transient ConvBuffers.MatrixView weightMatrix = new ConvBuffers.MatrixView();
    private final transient ConvBuffers.MatrixView weightGradientMatrix = new ConvBuffers.MatrixView();

    public FastDeconvolution2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private boolean covered() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        return c.getCnn2dDataFormat() == CNN2DFormat.NCHW && c.getDilation()[0] == 1 && c.getDilation()[1] == 1
                && convolutionMode != ConvolutionMode.Same && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE)
                && ConvBuffers.hostBackend();
    }

    /**
     * Float layers run on oneDNN when its native library is there and the blocked copies fit its buffer limit
     * ({@link OneDnnConvolution}); {@code g} is the convolution this layer transposes, {@code nIn} its outputs.
     */
    private boolean oneDnn(ConvGeometry g, int n, long nIn) {
        return dataType == DataType.FLOAT && OneDnnConvolution.takes(g, n, Math.toIntExact(nIn));
    }

    /** The convolution whose input is this layer's output and whose output is this layer's input. */
    private ConvGeometry geometry(INDArray in, long nOut) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] kernel = c.getKernelSize();
        int[] strides = c.getStride();
        int[] pad = c.getPadding();
        int[] out = ConvolutionUtils.getDeconvolutionOutputSize(in, kernel, strides, pad, convolutionMode,
                c.getDilation(), CNN2DFormat.NCHW);
        int inH = Math.toIntExact(in.size(2));
        int inW = Math.toIntExact(in.size(3));
        if ((out[0] + 2 * pad[0] - kernel[0]) / strides[0] + 1 != inH
                || (out[1] + 2 * pad[1] - kernel[1]) / strides[1] + 1 != inW) {
            throw new IllegalStateException("deconvolution output " + out[0] + "x" + out[1] + " is not the input of a "
                    + "convolution giving " + inH + "x" + inW);
        }
        return new ConvGeometry(Math.toIntExact(nOut), out[0], out[1], kernel[0], kernel[1], strides[0], strides[1],
                pad[0], pad[1], inH, inW);
    }

    private INDArray contiguousInput(LayerWorkspaceMgr mgr, ArrayType scratch) {
        INDArray in = input.dataType() == dataType ? input : input.castTo(dataType);
        if (in.rank() != 4) {
            throw new IllegalArgumentException(layerId() + ": expected 4-d NCHW input, got "
                    + java.util.Arrays.toString(in.shape()));
        }
        return ConvBuffers.isContiguousC(in) ? in : mgr.dup(scratch, in, 'c');
    }

    /** Columns {@code [r0 * inW, r1 * inW)} of a {@code [channels, inH * inW]} image matrix, contiguous. */
    private static INDArray columns(INDArray image, ConvGeometry g, int r0, int r1) {
        return r1 - r0 == g.outH ? image
                : image.get(NDArrayIndex.all(), NDArrayIndex.interval((long) r0 * g.outW, (long) r1 * g.outW)).dup('c');
    }

    private INDArray deconvolve(INDArray in, ConvGeometry g, INDArray weights, INDArray bias, ArrayType outType,
            LayerWorkspaceMgr mgr) {
        int n = Math.toIntExact(in.size(0));
        long nIn = weights.size(0);
        int k = g.columnRows();
        INDArray w2 = weightMatrix.of(weights, nIn, k);
        INDArray out = mgr.create(outType, dataType, new long[] {n, g.channels, g.height, g.width}, 'c');
        int rows = FastConvolutionLayer.rowsPerBlock(g);
        int pixelsIn = g.outH * g.outW;
        int group = FastConvolutionLayer.imagesPerGemm(n, k, pixelsIn);
        if (oneDnn(g, n, nIn) && Blas.directFloat(in, weights, out) && (!hasBias() || Blas.directFloat(bias))) {
            // the input gradient of the convolution whose input this layer outputs: its weights are this layer's
            OneDnnConvolution.inputGradient(g, n, weights, false, in, out);
            if (hasBias()) {
                int planeOut = g.height * g.width;
                for (int i = 0; i < n; i++) {
                    Blas.addRowBias(out, (long) i * g.channels * planeOut, g.channels, planeOut, bias);
                }
            }
            return out;
        }
        if (rows == g.outH && dataType == DataType.FLOAT && Blas.directFloat(in, w2, out)
                && (!hasBias() || Blas.directFloat(bias))) {
            // whole images, several per gemm, BLAS on offsets: no per-image views, no bias op per image
            int planeOut = g.height * g.width;
            long wide = (long) group * pixelsIn;
            // thread-owned off-heap matrices (row stride: the group's width), not new workspace arrays per call
            INDArray inRows = Scratch.nativeFloats(Scratch.NATIVE_ROWS, nIn * wide);
            INDArray cols = Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, k * wide);
            for (int i0 = 0; i0 < n; i0 += group) {
                int count = Math.min(group, n - i0);
                int width = count * pixelsIn;
                ConvBuffers.toChannelRows(in, i0, count, (int) nIn, pixelsIn, inRows);
                // columns [K, P] = W^T [K, nIn] x x [nIn, P], scattered onto the (larger) output image
                Blas.gemmAt(w2, 0, inRows, 0, cols, 0, k, width, (int) nIn, true, false, 1.0, 0.0);
                for (int j = 0; j < count; j++) {
                    g.col2imAddFrom(cols, width, j * pixelsIn, out, i0 + j);
                    if (hasBias()) {
                        Blas.addRowBias(out, (long) (i0 + j) * g.channels * planeOut, g.channels, planeOut, bias);
                    }
                }
            }
            return out;
        }
        INDArray col = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType,
                new long[] {k, (long) rows * g.outW}, 'c');
        for (int i = 0; i < n; i++) {
            INDArray image = in.get(NDArrayIndex.point(i)).reshape('c', new long[] {nIn, (long) g.outH * g.outW});
            for (int r0 = 0; r0 < g.outH; r0 += rows) {
                int r1 = Math.min(g.outH, r0 + rows);
                INDArray colBlock = ConvBuffers.block(col, k, (r1 - r0) * g.outW);
                Blas.gemm(w2, columns(image, g, r0, r1), colBlock, true, false, 1.0, 0.0);
                g.col2imAdd(colBlock, out, i, r0, r1);
            }
            if (hasBias()) {
                out.get(NDArrayIndex.point(i)).reshape('c', new long[] {g.channels, (long) g.height * g.width})
                        .addiColumnVector(bias.reshape(g.channels, 1));
            }
        }
        return out;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!covered()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray weights = getParamWithNoise(DeconvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = getParamWithNoise(DeconvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
        INDArray in = contiguousInput(workspaceMgr, ArrayType.FF_WORKING_MEM);
        ConvGeometry g = geometry(in, weights.size(1));
        INDArray z = deconvolve(in, g, weights, bias, ArrayType.ACTIVATIONS, workspaceMgr);
        return preActivation.activate(z, layerConf().getActivationFn(), training, input, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!covered()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray weights = getParamWithNoise(DeconvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = getParamWithNoise(DeconvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
        INDArray in = contiguousInput(workspaceMgr, ArrayType.BP_WORKING_MEM);
        ConvGeometry g = geometry(in, weights.size(1));
        int n = Math.toIntExact(in.size(0));
        long nIn = weights.size(0);
        int k = g.columnRows();
        long pixelsIn = (long) g.outH * g.outW;

        INDArray delta = preActivation.delta(epsilon, layerConf().getActivationFn(), input,
                () -> deconvolve(in, g, weights, bias, ArrayType.BP_WORKING_MEM, workspaceMgr), dataType, workspaceMgr);

        INDArray biasGrad = gradientViews.get(DeconvolutionParamInitializer.BIAS_KEY);
        INDArray weightGrad = gradientViews.get(DeconvolutionParamInitializer.WEIGHT_KEY);
        INDArray weightGrad2 = weightGradientMatrix.of(weightGrad, nIn, k);
        INDArray w2 = weightMatrix.of(weights, nIn, k);
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {n, nIn, g.outH, g.outW}, 'c');
        if (oneDnn(g, n, nIn) && Blas.directFloat(in, delta, weights, weightGrad, epsNext)) {
            // that convolution's forward pass of dL/dy is dL/dx; its weight gradient for input dL/dy and output
            // gradient x is dL/dW
            OneDnnConvolution.forward(g, n, delta, weights, null, epsNext);
            OneDnnConvolution.weightGradient(g, n, delta, false, in, weightGrad);
            return finishBackprop(delta, biasGrad, weightGrad, epsNext);
        }
        int rows = FastConvolutionLayer.rowsPerBlock(g);
        int group = FastConvolutionLayer.imagesPerGemm(n, k, (int) pixelsIn);
        if (rows == g.outH && dataType == DataType.FLOAT
                && Blas.directFloat(in, delta, w2, weightGrad2, epsNext)) {
            long wide = group * pixelsIn;
            // thread-owned off-heap matrices (row stride: the group's width), not new workspace arrays per call
            INDArray inRows = Scratch.nativeFloats(Scratch.NATIVE_ROWS, nIn * wide);
            INDArray epsRows = Scratch.nativeFloats(Scratch.NATIVE_COLUMN_GRAD, nIn * wide);
            INDArray cols = Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, k * wide);
            for (int i0 = 0; i0 < n; i0 += group) {
                int count = Math.min(group, n - i0);
                int width = count * (int) pixelsIn;
                for (int j = 0; j < count; j++) {
                    g.im2colInto(delta, i0 + j, cols, width, j * (int) pixelsIn);
                }
                // dL/dx [nIn, P] = W [nIn, K] x col [K, P]
                Blas.gemmAt(w2, 0, cols, 0, epsRows, 0, (int) nIn, width, k, false, false, 1.0, 0.0);
                ConvBuffers.fromChannelRows(epsRows, count, (int) nIn, (int) pixelsIn, epsNext, i0);
                // dL/dW [nIn, K] (+)= x [nIn, P] x col^T [P, K]
                ConvBuffers.toChannelRows(in, i0, count, (int) nIn, (int) pixelsIn, inRows);
                Blas.gemmAt(inRows, 0, cols, 0, weightGrad2, 0, (int) nIn, k, width, false, true, 1.0,
                        i0 == 0 ? 0.0 : 1.0);
            }
            return finishBackprop(delta, biasGrad, weightGrad, epsNext);
        }
        INDArray col = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[] {k, (long) rows * g.outW}, 'c');
        boolean first = true;
        for (int i = 0; i < n; i++) {
            INDArray image = in.get(NDArrayIndex.point(i)).reshape('c', new long[] {nIn, pixelsIn});
            INDArray epsImage = epsNext.get(NDArrayIndex.point(i)).reshape('c', new long[] {nIn, pixelsIn});
            for (int r0 = 0; r0 < g.outH; r0 += rows) {
                int r1 = Math.min(g.outH, r0 + rows);
                int cols = (r1 - r0) * g.outW;
                INDArray colBlock = ConvBuffers.block(col, k, cols);
                g.im2col(delta, i, colBlock, r0, r1);
                // dL/dx [nIn, P] = W [nIn, K] x col [K, P]
                if (r1 - r0 == g.outH) {
                    Blas.gemm(w2, colBlock, epsImage, false, false, 1.0, 0.0);
                } else {
                    epsImage.get(NDArrayIndex.all(), NDArrayIndex.interval((long) r0 * g.outW, (long) r1 * g.outW))
                            .assign(Nd4j.gemm(w2, colBlock, false, false));
                }
                // dL/dW [nIn, K] += x [nIn, P] x col^T [P, K]
                Blas.gemm(columns(image, g, r0, r1), colBlock, weightGrad2, false, true, 1.0, first ? 0.0 : 1.0);
                first = false;
            }
        }

        return finishBackprop(delta, biasGrad, weightGrad, epsNext);
    }

    private Pair<Gradient, INDArray> finishBackprop(INDArray delta, INDArray biasGrad, INDArray weightGrad,
            INDArray epsNext) {
        Gradient gradient = new DefaultGradient();
        if (layerConf().hasBias()) {
            if (delta.rank() == 4 && delta.size(0) > 0 && Blas.directFloat(delta, biasGrad)) {
                Blas.channelSums(delta, biasGrad);
            } else {
                biasGrad.assign(delta.sum(0, 2, 3).reshape(biasGrad.shape()));
            }
            gradient.setGradientFor(DeconvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.setGradientFor(DeconvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
        weightNoiseParams.clear();
        epsNext = backpropDropOutIfPresent(epsNext);
        return new Pair<>(gradient, epsNext);
    }

    @Override
    public void clear() {
        super.clear();
        preActivation.clear();
    }
}
