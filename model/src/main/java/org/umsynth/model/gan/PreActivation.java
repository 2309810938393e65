package org.umsynth.model.gan;

import java.util.function.Supplier;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pre-activation of a fast layer's training forward pass, kept for the backward pass on the same input (the
 * activation's backprop needs it), so that backprop does not repeat the forward pass as DL4J's layers do. Matched
 * by the identity of the input array, which is how DL4J calls forward and backward.
 */
final class PreActivation {
    private INDArray input;
    private INDArray value;

    /** {@code afn(z)}; with {@code keep} (training), a copy of {@code z} is kept for {@link #delta} on {@code input}. */
    INDArray activate(INDArray z, IActivation afn, boolean training, INDArray input, LayerWorkspaceMgr mgr) {
        return activate(z, afn, training, training, input, mgr);
    }

    INDArray activate(INDArray z, IActivation afn, boolean training, boolean keep, INDArray input,
            LayerWorkspaceMgr mgr) {
        clear();
        if (afn instanceof ActivationIdentity) {
            return z;
        }
        ActivationKernel.Kind kind = FastActivation.inPlaceKind(afn);
        if (kind != null && FastActivation.direct(z)) {
            // SIMD loop into a new array: z itself is the kept pre-activation (no copy, no libnd4j op)
            INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, z.dataType(), z.shape(), 'c');
            VectorActivation.forward(kind, FastActivation.alpha(afn), ConvBuffers.bytes(z),
                    ConvBuffers.byteOffset(z), ConvBuffers.bytes(out), ConvBuffers.byteOffset(out),
                    Math.toIntExact(z.length()));
            if (keep) {
                value = z;
                this.input = input;
            }
            return out;
        }
        if (keep) {
            value = mgr.dup(ArrayType.ACTIVATIONS, z); // getActivation may work in place
            this.input = input;
        }
        return afn.getActivation(z, training);
    }

    /**
     * dL/dz for {@code epsilon} = dL/d afn(z), contiguous c order in {@code dataType}: from the kept pre-activation
     * when it belongs to {@code input}, else from {@code recompute}.
     */
    INDArray delta(INDArray epsilon, IActivation afn, INDArray input, Supplier<INDArray> recompute, DataType dataType,
            LayerWorkspaceMgr mgr) {
        INDArray delta;
        if (afn instanceof ActivationIdentity) {
            delta = epsilon;
        } else {
            INDArray z = value != null && this.input == input ? value : recompute.get();
            clear();
            ActivationKernel.Kind kind = FastActivation.inPlaceKind(afn);
            if (kind != null && FastActivation.direct(z) && FastActivation.direct(epsilon)
                    && java.util.Arrays.equals(z.shape(), epsilon.shape())) {
                INDArray dz = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, z.shape(), 'c');
                VectorActivation.backward(kind, FastActivation.alpha(afn), ConvBuffers.bytes(z),
                        ConvBuffers.byteOffset(z), ConvBuffers.bytes(epsilon), ConvBuffers.byteOffset(epsilon),
                        ConvBuffers.bytes(dz), ConvBuffers.byteOffset(dz), Math.toIntExact(z.length()));
                return dz.dataType() == dataType ? dz : dz.castTo(dataType);
            }
            delta = afn.backprop(z, epsilon).getFirst();
        }
        if (delta.dataType() != dataType) {
            delta = delta.castTo(dataType);
        }
        return ConvBuffers.isContiguousC(delta) ? delta : mgr.dup(ArrayType.BP_WORKING_MEM, delta, 'c');
    }

    void clear() {
        value = null;
        input = null;
    }
}
