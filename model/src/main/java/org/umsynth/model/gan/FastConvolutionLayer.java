package org.umsynth.model.gan;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layer of {@link FastConvolution}: DL4J's {@code ConvolutionLayer} (same parameters, gradient views and
 * conf) with its forward and backward pass computed as Java im2col ({@link ConvGeometry}) + one BLAS gemm, and
 * for the backward pass the two gemms (weight gradient, column gradient) + col2im; whole images go several to a
 * gemm ({@link #imagesPerGemm}), images too large for that one per gemm or in blocks of rows. DL4J's own
 * path builds a 6-d permuted im2col array and recomputes the forward pass inside backprop; here the
 * pre-activation of a training forward pass is kept for the backward pass of the same input. Float layers with more
 * than {@link #directMaxOutputs} outputs run on oneDNN's convolutions instead when its library is loaded
 * ({@link OneDnnConvolution}); the few-output layers (the generator's heads, D's last layer) on the direct kernels.
 *
 * <p>Falls back to DL4J's implementation for what it does not cover: NHWC, dilation other than 1, data
 * types other than float and double, and a non-CPU backend (CUDA: cuDNN is faster than host im2col).
 */
public class FastConvolutionLayer extends ConvolutionLayer {
    /** Column-matrix elements per block (16 MiB of floats); larger images are processed in blocks of rows. */
    static volatile int columnBlockElements = 1 << 22;
    /** At most this many output rows per block (0: no limit); tests force blocks with it. */
    static volatile int maxBlockRows = 0;
    /** At most this many images per gemm (0: as many as fit); tests force groups with it. */
    static volatile int maxImagesPerGemm = 0;
    /**
     * Layers with at most this many output channels (and horizontal stride 1) use {@link DirectConvolution}
     * instead of im2col + gemm; 0 disables it (tests compare both paths).
     */
    static volatile int directMaxOutputs = 4;

    private final transient PreActivation preActivation = new PreActivation();
    private final transient ConvBuffers.MatrixView weightMatrix = new ConvBuffers.MatrixView();
    private final transient ConvBuffers.MatrixView weightGradientMatrix = new ConvBuffers.MatrixView();
    /**
     * Set by {@link FrozenWithInputGradient}: the wrapper discards the parameter gradients, so backprop computes
     * only dL/dinput, and the (inference-mode) forward pass of the wrapper keeps its pre-activation for it.
     */
    private boolean inputGradientOnly;
    /**
     * Set by {@link UnusedInputGradients}: nothing upstream of this layer's input has parameters (it reads the
     * network's input, directly or through parameter-free layers), so no one reads its input gradient: the SIMD and
     * the whole-image im2col paths return zeros instead of computing it (the other paths still compute it). A runtime
     * flag of training copies, not part of the configuration.
     */
    private boolean inputGradientUnused;

    public FastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    void setInputGradientOnly(boolean inputGradientOnly) {
        this.inputGradientOnly = inputGradientOnly;
    }

    boolean isInputGradientOnly() {
        return inputGradientOnly;
    }

    void setInputGradientUnused(boolean inputGradientUnused) {
        this.inputGradientUnused = inputGradientUnused;
    }

    boolean isInputGradientUnused() {
        return inputGradientUnused;
    }

    private boolean covered() {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        DataType t = dataType;
        return c.getCnn2dDataFormat() == CNN2DFormat.NCHW && c.getDilation()[0] == 1 && c.getDilation()[1] == 1
                && (t == DataType.FLOAT || t == DataType.DOUBLE) && ConvBuffers.hostBackend();
    }

    private ConvGeometry geometry(INDArray in) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        int[] kernel = c.getKernelSize();
        int[] strides = c.getStride();
        int[] dilation = c.getDilation();
        int[] outSize;
        int[] pad;
        if (convolutionMode == ConvolutionMode.Same) {
            outSize = ConvolutionUtils.getOutputSize(in, kernel, strides, null, convolutionMode, dilation,
                    CNN2DFormat.NCHW);
            pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize,
                    new int[] {(int) in.size(2), (int) in.size(3)}, kernel, strides, dilation);
        } else {
            pad = c.getPadding();
            outSize = ConvolutionUtils.getOutputSize(in, kernel, strides, pad, convolutionMode, dilation,
                    CNN2DFormat.NCHW);
        }
        return new ConvGeometry(Math.toIntExact(in.size(1)), Math.toIntExact(in.size(2)),
                Math.toIntExact(in.size(3)), kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1], outSize[0],
                outSize[1]);
    }

    /** The input as a contiguous c-order array of the layer's data type, channels checked. */
    private INDArray contiguousInput(LayerWorkspaceMgr mgr, ArrayType scratch) {
        validateInputRank();
        INDArray in = input.dataType() == dataType ? input : input.castTo(dataType);
        validateInputDepth(in.size(1));
        return ConvBuffers.isContiguousC(in) ? in : mgr.dup(scratch, in, 'c');
    }

    /** Output rows per im2col block: the column matrix stays within {@link #columnBlockElements}. */
    static int rowsPerBlock(ConvGeometry g) {
        long perRow = (long) g.columnRows() * g.outW;
        int rows = (int) Math.max(1, Math.min(g.outH, columnBlockElements / Math.max(1, perRow)));
        return maxBlockRows > 0 ? Math.min(rows, maxBlockRows) : rows;
    }

    /**
     * Whole images per gemm: all {@code n} when their column matrices fit {@link #columnBlockElements} together, else
     * as many as fit (1: one image per gemm). One gemm over several images' columns runs 6-13% faster than one per
     * image on the networks' small images (measured: 128 x 1024 x 100 per image vs 400 wide, 128 x 1152 x 64 vs 128
     * wide, OpenBLAS 0.3.19, one thread), and packs the weights once.
     */
    static int imagesPerGemm(int n, int k, int pixels) {
        long perImage = (long) k * pixels;
        int fit = (int) Math.max(1, Math.min(n, columnBlockElements / Math.max(1, perImage)));
        return maxImagesPerGemm > 0 ? Math.min(fit, maxImagesPerGemm) : fit;
    }

    /** Convolution + bias (no activation) of a contiguous input: {@code [N, nOut, outH, outW]}, c order. */
    private INDArray convolve(INDArray in, ConvGeometry g, INDArray weights, INDArray bias, ArrayType outType,
            LayerWorkspaceMgr mgr) {
        int n = Math.toIntExact(in.size(0));
        int nOut = Math.toIntExact(weights.size(0));
        int k = g.columnRows();
        int pixels = g.outH * g.outW;
        INDArray out = mgr.createUninitialized(outType, dataType, new long[] {n, nOut, g.outH, g.outW}, 'c');
        if (dataType == DataType.FLOAT && vector(g)) {
            convolveDirect(in, g, weights, bias, n, nOut, out);
            return out;
        }
        if (NativeConvolution.use(g, nOut, directMaxOutputs)) {
            NativeConvolution.forward(g, in, weights, hasBias() ? bias : null, out);
            return out;
        }
        if (direct(g, nOut)) {
            convolveDirect(in, g, weights, bias, n, nOut, out);
            return out;
        }
        if (oneDnn(g, n, nOut) && Blas.directFloat(in, weights, out) && (!hasBias() || Blas.directFloat(bias))) {
            OneDnnConvolution.forward(g, n, in, weights, hasBias() ? bias : null, out);
            return out;
        }
        INDArray w2 = weightMatrix.of(weights, nOut, k);
        int rows = rowsPerBlock(g);
        int group = imagesPerGemm(n, k, pixels);
        if (rows == g.outH && group > 1 && dataType == DataType.FLOAT && Blas.directFloat(in, w2, out)
                && (!hasBias() || Blas.directFloat(bias))) {
            // several whole images per gemm: their columns side by side, the output rows re-laid into NCHW after
            // thread-owned off-heap matrices (row stride: the group's width), not new workspace arrays per call
            INDArray cols = Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, (long) k * group * pixels);
            INDArray rowsOut = Scratch.nativeFloats(Scratch.NATIVE_ROWS, (long) nOut * group * pixels);
            for (int i0 = 0; i0 < n; i0 += group) {
                int count = Math.min(group, n - i0);
                int width = count * pixels;
                for (int j = 0; j < count; j++) {
                    g.im2colInto(in, i0 + j, cols, width, j * pixels);
                }
                Blas.gemmAt(w2, 0, cols, 0, rowsOut, 0, nOut, width, k, false, false, 1.0, 0.0);
                if (hasBias()) {
                    Blas.addRowBias(rowsOut, 0, nOut, width, bias);
                }
                ConvBuffers.fromChannelRows(rowsOut, count, nOut, pixels, out, i0);
            }
            return out;
        }
        INDArray col = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, new long[] {k, (long) rows * g.outW},
                'c');
        if (rows == g.outH && Blas.directFloat(w2, col, out) && (!hasBias() || Blas.directFloat(bias))) {
            // whole images: BLAS on offsets into out, no per-image views or bias op
            for (int i = 0; i < n; i++) {
                g.im2col(in, i, col, 0, g.outH);
                long at = (long) i * nOut * pixels;
                Blas.gemmAt(w2, 0, col, 0, out, at, nOut, pixels, k, false, false, 1.0, 0.0);
                if (hasBias()) {
                    Blas.addRowBias(out, at, nOut, pixels, bias);
                }
            }
            return out;
        }
        for (int i = 0; i < n; i++) {
            INDArray outImage = out.get(NDArrayIndex.point(i)).reshape('c', new long[] {nOut, pixels});
            for (int first = 0; first < g.outH; first += rows) {
                int end = Math.min(g.outH, first + rows);
                INDArray colBlock = ConvBuffers.block(col, k, (end - first) * g.outW);
                g.im2col(in, i, colBlock, first, end);
                if (end - first == g.outH) {
                    Blas.gemm(w2, colBlock, outImage, false, false, 1.0, 0.0);
                } else {
                    INDArray part = Nd4j.gemm(w2, colBlock, false, false);
                    outImage.get(NDArrayIndex.all(), NDArrayIndex.interval(first * g.outW, end * g.outW)).assign(part);
                }
            }
            if (hasBias()) {
                outImage.addiColumnVector(bias.reshape(nOut, 1));
            }
        }
        return out;
    }

    /**
     * oneDNN's direct convolutions for float layers with more outputs than the direct paths take (the discriminator's
     * 4x4 layers, the generator's downsampling and residual 3x3 layers), when its native library is there and the
     * layer's blocked copies fit its buffer limit.
     */
    private boolean oneDnn(ConvGeometry g, int n, int nOut) {
        return dataType == DataType.FLOAT && nOut > directMaxOutputs && OneDnnConvolution.takes(g, n, nOut);
    }

    private boolean direct(ConvGeometry g, int nOut) {
        return nOut <= directMaxOutputs && DirectConvolution.covers(g);
    }

    /**
     * The SIMD kernels apply: the Vector API is on and the geometry is theirs (the generator's 7x7 stem and heads),
     * whatever the channel counts: on the stem (2 -> 16) they beat im2col + gemm 3-4x, on the heads the scalar loops
     * 3-5x (and libnd4j's oneDNN ops, which they therefore precede).
     */
    private static boolean vector(ConvGeometry g) {
        return Simd.available() && VectorConvolution.covers(g);
    }

    /** Few outputs from many input channels (the PatchGAN's last layer): vectorised over the input channels. */
    private static boolean channelVector(ConvGeometry g, int nOut) {
        return Simd.available() && ChannelVectorConvolution.covers(g, nOut);
    }

    private void convolveDirect(INDArray in, ConvGeometry g, INDArray weights, INDArray bias, int n, int nOut,
            INDArray out) {
        int plane = g.outH * g.outW;
        int outImage = nOut * plane;
        if (dataType == DataType.FLOAT) {
            float[] x = ConvBuffers.floatValues(in, Scratch.IN);
            float[] w = ConvBuffers.floatValues(weights);
            float[] b = hasBias() ? ConvBuffers.floatValues(bias) : new float[nOut];
            int total = n * outImage;
            float[] y = Scratch.floats(Scratch.OUT, total); // every image written below
            if (vector(g)) {
                for (int i = 0; i < n; i++) {
                    VectorConvolution.forward(g, x, i * g.imageSize(), w, b, nOut, y, i * outImage);
                }
                ConvBuffers.floats(out).put(0, y, 0, total);
                return;
            }
            if (FlatConvolution.covers(g)) {
                for (int i = 0; i < n; i++) {
                    FlatConvolution.forward(g, x, i * g.imageSize(), w, b, nOut, y, i * outImage);
                }
                ConvBuffers.floats(out).put(0, y, 0, total);
                return;
            }
            float[] image = new float[outImage];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < nOut; o++) {
                    java.util.Arrays.fill(image, o * plane, (o + 1) * plane, b[o]);
                }
                if (channelVector(g, nOut)) {
                    ChannelVectorConvolution.forward(g, x, i * g.imageSize(), w, nOut, image);
                } else {
                    DirectConvolution.forward(g, x, i * g.imageSize(), w, nOut, image);
                }
                System.arraycopy(image, 0, y, i * outImage, outImage);
            }
            ConvBuffers.floats(out).put(0, y, 0, total);
        } else {
            double[] x = ConvBuffers.read(in);
            double[] w = ConvBuffers.read(weights);
            double[] b = hasBias() ? ConvBuffers.read(bias) : new double[nOut];
            double[] y = new double[n * outImage];
            double[] image = new double[outImage];
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < nOut; o++) {
                    java.util.Arrays.fill(image, o * plane, (o + 1) * plane, b[o]);
                }
                DirectConvolution.forward(g, x, i * g.imageSize(), w, nOut, image);
                System.arraycopy(image, 0, y, i * outImage, outImage);
            }
            ConvBuffers.doubles(out).put(0, y, 0, y.length);
        }
    }

    /**
     * dL/dW into {@code weightGrad} (unless it is null: input gradient only) and dL/dinput into {@code epsNext}
     * (zeroed), by {@link DirectConvolution}.
     */
    private void backpropDirect(INDArray in, ConvGeometry g, INDArray weights, INDArray delta, int n, int nOut,
            INDArray weightGrad, INDArray epsNext) {
        int outImage = nOut * g.outH * g.outW;
        double[] dw = weightGrad == null ? null : new double[Math.toIntExact(weights.length())];
        if (dataType == DataType.FLOAT) {
            float[] x = ConvBuffers.floatValues(in, Scratch.IN);
            float[] w = ConvBuffers.floatValues(weights);
            float[] d = ConvBuffers.floatValues(delta, Scratch.GRAD);
            int inputLength = n * g.imageSize();
            float[] dx = Scratch.floats(Scratch.INPUT_GRAD, inputLength);
            if (vector(g)) {
                for (int i = 0; i < n; i++) { // overwrites every image's input gradient
                    if (dw != null) {
                        VectorConvolution.weightGradient(g, x, i * g.imageSize(), nOut, d, i * outImage, dw);
                    }
                    if (!inputGradientUnused) {
                        VectorConvolution.inputGradient(g, dx, i * g.imageSize(), w, nOut, d, i * outImage);
                    }
                }
                if (!inputGradientUnused) { // else epsNext stays as created: zeros
                    ConvBuffers.floats(epsNext).put(0, dx, 0, inputLength);
                }
                if (dw != null) { // null: input gradient only (a frozen layer)
                    ConvBuffers.write(dw, weightGrad);
                }
                return;
            }
            if (dw != null && FlatConvolution.covers(g)) {
                for (int i = 0; i < n; i++) { // overwrites every image's input gradient
                    FlatConvolution.backward(g, x, dx, i * g.imageSize(), w, nOut, d, i * outImage, dw);
                }
                ConvBuffers.floats(epsNext).put(0, dx, 0, inputLength);
                ConvBuffers.write(dw, weightGrad);
                return;
            }
            java.util.Arrays.fill(dx, 0, inputLength, 0f); // the row loops accumulate
            float[] deltaImage = new float[outImage];
            for (int i = 0; i < n; i++) {
                System.arraycopy(d, i * outImage, deltaImage, 0, outImage);
                if (channelVector(g, nOut)) {
                    ChannelVectorConvolution.backward(g, x, dx, i * g.imageSize(), w, nOut, deltaImage, dw);
                } else if (dw == null) {
                    DirectConvolution.backwardInput(g, dx, i * g.imageSize(), w, nOut, deltaImage);
                } else {
                    DirectConvolution.backward(g, x, dx, i * g.imageSize(), w, nOut, deltaImage, dw);
                }
            }
            ConvBuffers.floats(epsNext).put(0, dx, 0, inputLength);
        } else {
            double[] x = ConvBuffers.read(in);
            double[] w = ConvBuffers.read(weights);
            double[] d = ConvBuffers.read(delta);
            double[] dx = new double[x.length];
            double[] deltaImage = new double[outImage];
            for (int i = 0; i < n; i++) {
                System.arraycopy(d, i * outImage, deltaImage, 0, outImage);
                if (dw == null) {
                    DirectConvolution.backwardInput(g, dx, i * g.imageSize(), w, nOut, deltaImage);
                } else {
                    DirectConvolution.backward(g, x, dx, i * g.imageSize(), w, nOut, deltaImage, dw);
                }
            }
            ConvBuffers.doubles(epsNext).put(0, dx, 0, dx.length);
        }
        if (dw != null) {
            ConvBuffers.write(dw, weightGrad);
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!covered()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
        INDArray in = contiguousInput(workspaceMgr, ArrayType.FF_WORKING_MEM);
        ConvGeometry g = geometry(in);
        INDArray z = convolve(in, g, weights, bias, ArrayType.ACTIVATIONS, workspaceMgr);
        return preActivation.activate(z, layerConf().getActivationFn(), training, training || inputGradientOnly, input,
                workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!covered()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr);
        INDArray bias = getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, true, workspaceMgr);
        INDArray in = contiguousInput(workspaceMgr, ArrayType.BP_WORKING_MEM);
        ConvGeometry g = geometry(in);
        int n = Math.toIntExact(in.size(0));
        int nOut = Math.toIntExact(weights.size(0));
        int k = g.columnRows();
        int pixels = g.outH * g.outW;

        INDArray delta = preActivation.delta(epsilon, layerConf().getActivationFn(), input,
                () -> convolve(in, g, weights, bias, ArrayType.BP_WORKING_MEM, workspaceMgr), dataType, workspaceMgr);

        INDArray weightGrad = inputGradientOnly ? null : gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray weightGrad2 = inputGradientOnly ? null : weightGradientMatrix.of(weightGrad, nOut, k);
        INDArray w2 = weightMatrix.of(weights, nOut, k);
        INDArray epsNext = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, dataType,
                new long[] {n, g.channels, g.height, g.width}, 'c');
        if (dataType == DataType.FLOAT && vector(g)) {
            backpropDirect(in, g, weights, delta, n, nOut, weightGrad, epsNext);
            return finishBackprop(delta, weightGrad, epsNext);
        }
        if (NativeConvolution.use(g, nOut, directMaxOutputs)) {
            // the op writes fresh arrays (its weight gradient is computed even when it is not wanted)
            INDArray dw = Nd4j.createUninitialized(dataType, weights.shape());
            INDArray db = hasBias() ? Nd4j.createUninitialized(dataType, nOut) : null;
            NativeConvolution.backward(g, in, weights, hasBias() ? bias : null, delta, epsNext, dw, db);
            if (weightGrad != null) {
                weightGrad.assign(dw);
            }
            return finishBackprop(delta, weightGrad, epsNext);
        }
        if (direct(g, nOut)) {
            backpropDirect(in, g, weights, delta, n, nOut, weightGrad, epsNext);
            return finishBackprop(delta, weightGrad, epsNext);
        }
        if (oneDnn(g, n, nOut) && Blas.directFloat(in, weights, delta, epsNext)
                && (inputGradientOnly || Blas.directFloat(weightGrad))) {
            if (!inputGradientUnused) { // else epsNext stays as created: zeros
                OneDnnConvolution.inputGradient(g, n, weights, hasBias(), delta, epsNext);
            }
            if (weightGrad != null) {
                OneDnnConvolution.weightGradient(g, n, in, hasBias(), delta, weightGrad);
            }
            return finishBackprop(delta, weightGrad, epsNext);
        }
        int rows = rowsPerBlock(g);
        int group = imagesPerGemm(n, k, pixels);
        boolean inputGradient = !inputGradientUnused;
        if (rows == g.outH && group > 1 && dataType == DataType.FLOAT && Blas.directFloat(in, delta, w2, epsNext)
                && (inputGradientOnly || Blas.directFloat(weightGrad2))) {
            backpropGrouped(in, g, delta, w2, weightGrad2, epsNext, group, inputGradient);
            return finishBackprop(delta, weightGrad, epsNext);
        }
        long blockColumns = (long) rows * g.outW;
        INDArray col = inputGradientOnly ? null : workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[] {k, blockColumns}, 'c');
        INDArray colGrad = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType,
                new long[] {k, blockColumns}, 'c');
        boolean first = true;
        if (rows == g.outH && Blas.directFloat(delta, w2, colGrad, epsNext)
                && (inputGradientOnly || Blas.directFloat(col, weightGrad2))) {
            // whole images: BLAS on offsets into delta, no per-image views
            for (int i = 0; i < n; i++) {
                long at = (long) i * nOut * pixels;
                if (!inputGradientOnly) {
                    g.im2col(in, i, col, 0, g.outH);
                    // dL/dW [nOut, K] += delta_i [nOut, P] x col^T [P, K]
                    Blas.gemmAt(delta, at, col, 0, weightGrad2, 0, nOut, k, pixels, false, true, 1.0, i == 0 ? 0.0 : 1.0);
                }
                if (inputGradient) { // else epsNext stays as created: zeros
                    // dL/dcol [K, P] = W^T [K, nOut] x delta_i [nOut, P], then scattered back onto the image
                    Blas.gemmAt(w2, 0, delta, at, colGrad, 0, k, pixels, nOut, true, false, 1.0, 0.0);
                    g.col2imAdd(colGrad, epsNext, i, 0, g.outH);
                }
            }
            return finishBackprop(delta, weightGrad, epsNext);
        }
        for (int i = 0; i < n; i++) {
            INDArray deltaImage = delta.get(NDArrayIndex.point(i)).reshape('c', new long[] {nOut, pixels});
            for (int r0 = 0; r0 < g.outH; r0 += rows) {
                int r1 = Math.min(g.outH, r0 + rows);
                int columns = (r1 - r0) * g.outW;
                INDArray colBlock = inputGradientOnly ? null : ConvBuffers.block(col, k, columns);
                INDArray colGradBlock = ConvBuffers.block(colGrad, k, columns);
                INDArray deltaBlock = r1 - r0 == g.outH ? deltaImage
                        : deltaImage.get(NDArrayIndex.all(), NDArrayIndex.interval(r0 * g.outW, r1 * g.outW)).dup('c');
                if (!inputGradientOnly) {
                    g.im2col(in, i, colBlock, r0, r1);
                    // dL/dW [nOut, K] += delta [nOut, P] x col^T [P, K]
                    Blas.gemm(deltaBlock, colBlock, weightGrad2, false, true, 1.0, first ? 0.0 : 1.0);
                    first = false;
                }
                // dL/dcol [K, P] = W^T [K, nOut] x delta [nOut, P], then scattered back onto the image
                Blas.gemm(w2, deltaBlock, colGradBlock, true, false, 1.0, 0.0);
                g.col2imAdd(colGradBlock, epsNext, i, r0, r1);
            }
        }
        return finishBackprop(delta, weightGrad, epsNext);
    }

    /**
     * {@link #imagesPerGemm} images per gemm: the output gradient re-laid as {@code [nOut, images * pixels]}, then
     * dL/dW {@code [nOut, K]} (+)= delta x columns^T in one gemm per group, and dL/dcolumns = W^T x delta, scattered
     * back per image.
     */
    private void backpropGrouped(INDArray in, ConvGeometry g, INDArray delta, INDArray w2, INDArray weightGrad2,
            INDArray epsNext, int group, boolean inputGradient) {
        int n = Math.toIntExact(in.size(0));
        int nOut = Math.toIntExact(w2.size(0));
        int k = g.columnRows();
        int pixels = g.outH * g.outW;
        boolean weights = !inputGradientOnly;
        if (!weights && !inputGradient) {
            return; // epsNext stays as created: zeros
        }
        long wide = (long) group * pixels;
        // thread-owned off-heap matrices (row stride: the group's width), not new workspace arrays per call
        INDArray deltaRows = Scratch.nativeFloats(Scratch.NATIVE_ROWS, nOut * wide);
        INDArray cols = weights ? Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, k * wide) : null;
        INDArray colGrad = inputGradient ? Scratch.nativeFloats(Scratch.NATIVE_COLUMN_GRAD, k * wide) : null;
        for (int i0 = 0; i0 < n; i0 += group) {
            int count = Math.min(group, n - i0);
            int width = count * pixels;
            ConvBuffers.toChannelRows(delta, i0, count, nOut, pixels, deltaRows);
            if (weights) {
                for (int j = 0; j < count; j++) {
                    g.im2colInto(in, i0 + j, cols, width, j * pixels);
                }
                Blas.gemmAt(deltaRows, 0, cols, 0, weightGrad2, 0, nOut, k, width, false, true, 1.0,
                        i0 == 0 ? 0.0 : 1.0);
            }
            if (inputGradient) {
                Blas.gemmAt(w2, 0, deltaRows, 0, colGrad, 0, k, width, nOut, true, false, 1.0, 0.0);
                for (int j = 0; j < count; j++) {
                    g.col2imAddFrom(colGrad, width, j * pixels, epsNext, i0 + j);
                }
            }
        }
    }

    /** {@code weightGrad} null: input gradient only, no parameter gradients in the result. */
    private Pair<Gradient, INDArray> finishBackprop(INDArray delta, INDArray weightGrad, INDArray epsNext) {
        Gradient gradient = new DefaultGradient();
        if (weightGrad == null) {
            weightNoiseParams.clear();
            return new Pair<>(gradient, backpropDropOutIfPresent(epsNext));
        }
        INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
        if (layerConf().hasBias()) {
            if (delta.rank() == 4 && delta.size(0) > 0 && Blas.directFloat(delta, biasGrad)) {
                Blas.channelSums(delta, biasGrad);
            } else {
                biasGrad.assign(delta.sum(0, 2, 3).reshape(biasGrad.shape()));
            }
            gradient.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        gradient.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
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
