package org.umsynth.model.gan;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libnd4j's {@code conv2d} / {@code conv2d_bp} ops on a {@link FastConvolutionLayer}'s own arrays (NCHW input,
 * weights in DL4J's {@code [nOut, nIn, kH, kW]} layout, passed as weights format OIYX, so no parameter copy and no
 * layout change). In ND4J's oneDNN build these ops run oneDNN's JIT convolutions, which beat the Java
 * {@link DirectConvolution} 3-4x on the generator's 7x7 heads; in the default build they are libnd4j's generic
 * im2col code, slower than the fast layer's own paths, so there {@link #MODE} {@code auto} leaves them unused.
 */
final class NativeConvolution {
    private static final Logger LOG = LoggerFactory.getLogger(NativeConvolution.class);

    /**
     * {@code auto} (default): the heads use the ops when ND4J's native library was built with oneDNN; {@code on}:
     * whenever a layer qualifies (tests check the wiring on the default build); {@code off}: never. System property
     * {@code umsynth.nativeConvolutions}.
     */
    static volatile String MODE = System.getProperty("umsynth.nativeConvolutions", "auto").toLowerCase(Locale.ROOT);

    /** Smallest kernel area routed to the ops: the 7x7 heads (49), not D's 4x4 last layer, where Java wins. */
    static final int MIN_KERNEL_AREA = 25;

    private static final boolean ONEDNN_BUILD = detectOneDnn();

    private NativeConvolution() {}

    private static boolean detectOneDnn() {
        try {
            String info = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
            boolean onednn = info != null && info.toUpperCase(Locale.ROOT).contains("ONEDNN");
            LOG.debug("ND4J native build with oneDNN: {}", onednn);
            return onednn;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("ND4J build info not readable: {}", e.toString());
            return false;
        }
    }

    /** Whether ND4J's native library is the oneDNN build. */
    static boolean oneDnnBuild() {
        return ONEDNN_BUILD;
    }

    /** Whether a layer with this geometry and output count computes through the libnd4j ops. */
    static boolean use(ConvGeometry g, int nOut, int directMaxOutputs) {
        boolean enabled = switch (MODE) {
            case "on" -> true;
            case "off" -> false;
            default -> ONEDNN_BUILD;
        };
        // explicit symmetric padding only (the op's own output size must be the layer's: not Same mode's asymmetric one)
        return enabled && nOut <= directMaxOutputs && g.kernelH * g.kernelW >= MIN_KERNEL_AREA
                && (g.height + 2 * g.padTop - g.kernelH) / g.strideH + 1 == g.outH
                && (g.width + 2 * g.padLeft - g.kernelW) / g.strideW + 1 == g.outW;
    }

    private static int[] intArgs(ConvGeometry g) {
        // kH, kW, sH, sW, pH, pW, dH, dW, padding mode (0: explicit), data format (0: NCHW), weights format (1: OIYX)
        return new int[] {g.kernelH, g.kernelW, g.strideH, g.strideW, g.padTop, g.padLeft, 1, 1, 0, 0, 1};
    }

    /** {@code out = conv(in, weights) + bias} ({@code bias} may be null); {@code out} {@code [N, nOut, outH, outW]}. */
    static void forward(ConvGeometry g, INDArray in, INDArray weights, INDArray bias, INDArray out) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d");
        op = bias == null ? op.addInputs(in, weights) : op.addInputs(in, weights, bias.reshape(bias.length()));
        Nd4j.exec(op.addOutputs(out).addIntegerArguments(intArgs(g)).build());
    }

    /**
     * Gradients for {@code delta} = dL/d(pre-activation): {@code inputGrad} (the input's shape), {@code weightGrad}
     * ({@code [nOut, nIn, kH, kW]}), {@code biasGrad} ({@code [nOut]}, or null without a bias).
     */
    static void backward(ConvGeometry g, INDArray in, INDArray weights, INDArray bias, INDArray delta,
            INDArray inputGrad, INDArray weightGrad, INDArray biasGrad) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp");
        if (bias == null) {
            op = op.addInputs(in, weights, delta).addOutputs(inputGrad, weightGrad);
        } else {
            op = op.addInputs(in, weights, bias.reshape(bias.length()), delta).addOutputs(inputGrad, weightGrad,
                    biasGrad);
        }
        Nd4j.exec(op.addIntegerArguments(intArgs(g)).build());
    }
}
