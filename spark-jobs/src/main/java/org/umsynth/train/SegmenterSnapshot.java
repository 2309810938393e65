package org.umsynth.train;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.seg.SegmentationUNet;
import org.umsynth.model.seg.UNetSpec;

/**
 * A trained segmentation U-Net as shipped to executors in a broadcast: its spec (the configuration is
 * rebuilt from it) and the flat parameters; rebuilt once per executor thread (a DL4J graph is not safe
 * for concurrent {@code output} calls), older snapshots dropped.
 */
public record SegmenterSnapshot(String id, UNetSpec spec, float[] params) implements Serializable {
    private static final ThreadLocal<Map<String, ComputationGraph>> CACHE = ThreadLocal.withInitial(HashMap::new);

    public static SegmenterSnapshot of(String label, UNetSpec spec, ComputationGraph net) {
        return new SegmenterSnapshot(label + "-" + java.util.UUID.randomUUID(), spec,
                net.params().castTo(DataType.FLOAT).toFloatVector());
    }

    public ComputationGraph network() {
        Map<String, ComputationGraph> cache = CACHE.get();
        ComputationGraph net = cache.get(id);
        if (net == null) {
            cache.clear();
            net = new ComputationGraph(SegmentationUNet.configuration(spec, 0));
            net.init(Nd4j.createFromArray(params).reshape(1, params.length), false);
            cache.put(id, net);
        }
        return net;
    }
}
