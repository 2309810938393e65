package org.umsynth.train;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.umsynth.model.gan.GanNetworks;
import org.umsynth.model.gan.GanProfile;

/**
 * A generator or discriminator as shipped to executors in a broadcast: the profile (the configuration is
 * rebuilt from it) and the flat parameter vector. Executors rebuild the network once per thread per
 * snapshot ({@link #network()}), since a DL4J graph is not safe for concurrent {@code output} calls and
 * {@code local[N]} runs N tasks in one JVM.
 */
public record NetworkSnapshot(String id, Kind kind, GanProfile profile, float[] params) implements Serializable {
    public enum Kind {
        GENERATOR, DISCRIMINATOR
    }

    private static final ThreadLocal<Map<String, ComputationGraph>> CACHE = ThreadLocal.withInitial(HashMap::new);

    /** A snapshot of {@code graph}; {@code label} is for people, the id is made unique (executor caches key on it). */
    public static NetworkSnapshot of(String label, Kind kind, GanProfile profile, ComputationGraph graph) {
        return new NetworkSnapshot(label + "-" + java.util.UUID.randomUUID(), kind, profile,
                graph.params().castTo(DataType.FLOAT).toFloatVector());
    }

    /** This snapshot's network on the calling thread, built on first use; older snapshots of its kind are dropped. */
    public ComputationGraph network() {
        Map<String, ComputationGraph> cache = CACHE.get();
        String key = kind + "/" + id;
        ComputationGraph net = cache.get(key);
        if (net == null) {
            cache.keySet().removeIf(k -> k.startsWith(kind + "/"));
            net = new ComputationGraph(kind == Kind.GENERATOR
                    ? GanNetworks.generatorConfiguration(profile, DataType.FLOAT, 0)
                    : GanNetworks.discriminatorConfiguration(profile, DataType.FLOAT, 0));
            net.init(Nd4j.createFromArray(params).reshape(1, params.length), false);
            cache.put(key, net);
        }
        return net;
    }
}
