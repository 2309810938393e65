package org.umsynth.model.gan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;
import org.umsynth.model.train.Conditioning;

/**
 * A training checkpoint on any Hadoop file system, written atomically: everything goes to a temporary
 * folder next to the target, which is renamed to {@code <checkpoints>/<iteration>/} when complete; only
 * then is the {@value #LATEST} pointer (a one-line file naming that folder) replaced. A crash at any point
 * leaves the previous pointer on a complete checkpoint.
 *
 * <p>Files: {@value #GENERATOR} (G alone, no updater: what synthesis loads), {@value #DISCRIMINATOR} and
 * {@value #COMBINED} (DL4J model zips with their Adam state; G's parameters and Adam state live in the
 * combined graph), {@value #PSEUDO_LABELLER} (the frozen G snapshot of the current epoch, present only when
 * the checkpoint falls inside an unlabelled pass), and {@value #STATE} (where training resumes, the seed of
 * every pseudo-random choice, the profile and the run's configuration).
 */
public final class GanCheckpoint {
    public static final String GENERATOR = "generator.zip";
    public static final String DISCRIMINATOR = "discriminator.zip";
    public static final String COMBINED = "combined.zip";
    public static final String PSEUDO_LABELLER = "pseudo_labeller.zip";
    public static final String STATE = "state.json";
    public static final String LATEST = "latest";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private GanCheckpoint() {}

    /**
     * Where training continues: the next round to run is round {@code round} of pass {@code pass}
     * ({@code labelled} or {@code unlabelled}) of epoch {@code epoch} (0-based); {@code iteration} rounds
     * are done. Every shuffle and pseudo-random choice derives from {@code seed} and the position, so these
     * numbers are the complete RNG state.
     */
    public record State(int epoch, String pass, int round, long iteration, long seed, GanProfile profile,
            Map<String, String> config) {
        public State {
            Objects.requireNonNull(pass, "pass");
            Objects.requireNonNull(profile, "profile");
            config = Map.copyOf(config);
        }
    }

    /** A loaded checkpoint; {@code pseudoLabeller} is null outside an unlabelled pass. */
    public record Loaded(State state, ComputationGraph discriminator, ComputationGraph combined,
            ComputationGraph pseudoLabeller) {}

    /** Writes a checkpoint and moves {@value #LATEST} to it; returns its folder. */
    public static Path save(FileSystem fs, Path checkpoints, State state, ComputationGraph generator,
            ComputationGraph discriminator, ComputationGraph combined, ComputationGraph pseudoLabeller)
            throws IOException {
        String name = String.format("%08d", state.iteration());
        Path target = new Path(checkpoints, name);
        Path temp = new Path(checkpoints, "_tmp-" + name + "-" + UUID.randomUUID());
        fs.mkdirs(temp);
        try {
            writeModel(fs, new Path(temp, GENERATOR), generator, false);
            writeModel(fs, new Path(temp, DISCRIMINATOR), discriminator, true);
            writeModel(fs, new Path(temp, COMBINED), combined, true);
            if (pseudoLabeller != null) {
                writeModel(fs, new Path(temp, PSEUDO_LABELLER), pseudoLabeller, false);
            }
            try (OutputStream out = fs.create(new Path(temp, STATE), true)) {
                out.write(JSON.writeValueAsBytes(toJson(state)));
            }
            if (fs.exists(target)) {
                fs.delete(target, true); // the same iteration re-run after a resume
            }
            if (!fs.rename(temp, target)) {
                throw new IOException("could not rename " + temp + " to " + target);
            }
        } finally {
            if (fs.exists(temp)) {
                fs.delete(temp, true);
            }
        }
        Path pointerTemp = new Path(checkpoints, "_" + LATEST + "-" + UUID.randomUUID());
        try (OutputStream out = fs.create(pointerTemp, true)) {
            out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path pointer = new Path(checkpoints, LATEST);
        if (fs.exists(pointer)) {
            fs.delete(pointer, false);
        }
        if (!fs.rename(pointerTemp, pointer)) {
            throw new IOException("could not move the latest pointer to " + name);
        }
        return target;
    }

    /**
     * Deletes all but the newest {@code keep} complete checkpoints (never the one {@value #LATEST} names);
     * returns how many were deleted.
     */
    public static int prune(FileSystem fs, Path checkpoints, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1: " + keep);
        }
        java.util.List<String> names = new java.util.ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(checkpoints)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && n.matches("\\d{8,}")) {
                names.add(n);
            }
        }
        names.sort(java.util.Comparator.naturalOrder());
        String latest = latest(fs, checkpoints).map(Path::getName).orElse("");
        int deleted = 0;
        for (int i = 0; i < names.size() - keep; i++) {
            if (!names.get(i).equals(latest) && fs.delete(new Path(checkpoints, names.get(i)), true)) {
                deleted++;
            }
        }
        return deleted;
    }

    private static Optional<Path> newestComplete(FileSystem fs, Path checkpoints) throws IOException {
        if (!fs.exists(checkpoints)) {
            return Optional.empty();
        }
        Path newest = null;
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(checkpoints)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && n.matches("\\d{8,}") && fs.exists(new Path(st.getPath(), STATE))
                    && (newest == null || n.compareTo(newest.getName()) > 0)) {
                newest = st.getPath();
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The folder {@value #LATEST} points at, or after a crash between its delete and rename, the newest complete one. */
    public static Optional<Path> latest(FileSystem fs, Path checkpoints) throws IOException {
        Path pointer = new Path(checkpoints, LATEST);
        if (!fs.exists(pointer)) {
            // Hadoop's rename does not replace, so save() deletes the old pointer before renaming the new one
            // in: a crash between the two leaves no pointer. Checkpoint folders are renamed in complete, so
            // the newest folder with a state file is then the latest checkpoint.
            return newestComplete(fs, checkpoints);
        }
        String name;
        try (FSDataInputStream in = fs.open(pointer)) {
            name = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        Path dir = new Path(checkpoints, name);
        if (!fs.exists(new Path(dir, STATE))) {
            throw new IOException("checkpoint pointer names " + dir + ", which has no " + STATE);
        }
        return Optional.of(dir);
    }

    public static Loaded load(FileSystem fs, Path dir) throws IOException {
        State state = readState(fs, dir);
        Path pseudo = new Path(dir, PSEUDO_LABELLER);
        return new Loaded(state, readModel(fs, new Path(dir, DISCRIMINATOR), true),
                readModel(fs, new Path(dir, COMBINED), true), fs.exists(pseudo) ? readModel(fs, pseudo, false) : null);
    }

    /** The generator alone (what synthesis needs). */
    public static ComputationGraph loadGenerator(FileSystem fs, Path dir) throws IOException {
        return readModel(fs, new Path(dir, GENERATOR), false);
    }

    public static State readState(FileSystem fs, Path dir) throws IOException {
        try (InputStream in = fs.open(new Path(dir, STATE))) {
            return fromJson(JSON.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() {}));
        }
    }

    private static void writeModel(FileSystem fs, Path path, ComputationGraph graph, boolean updater)
            throws IOException {
        try (OutputStream out = fs.create(path, true)) {
            ModelSerializer.writeModel(graph, out, updater);
        }
    }

    private static ComputationGraph readModel(FileSystem fs, Path path, boolean updater) throws IOException {
        try (InputStream in = fs.open(path)) {
            return ModelSerializer.restoreComputationGraph(in, updater);
        }
    }

    static Map<String, Object> toJson(State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", s.epoch());
        m.put("pass", s.pass());
        m.put("round", s.round());
        m.put("iteration", s.iteration());
        m.put("seed", s.seed());
        m.put("profile", profileToMap(s.profile()));
        m.put("config", new java.util.TreeMap<>(s.config()));
        return m;
    }

    @SuppressWarnings("unchecked")
    static State fromJson(Map<String, Object> m) {
        Map<String, String> config = new LinkedHashMap<>();
        ((Map<String, Object>) m.get("config")).forEach((k, v) -> config.put(k, String.valueOf(v)));
        return new State(((Number) m.get("epoch")).intValue(), (String) m.get("pass"),
                ((Number) m.get("round")).intValue(), ((Number) m.get("iteration")).longValue(),
                ((Number) m.get("seed")).longValue(), profileFromMap((Map<String, Object>) m.get("profile")), config);
    }

    /** The profile's fields by name (conditioning in lower case). */
    public static Map<String, Object> profileToMap(GanProfile p) {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            for (RecordComponent c : GanProfile.class.getRecordComponents()) {
                Object v = c.getAccessor().invoke(p);
                m.put(c.getName(), v instanceof Conditioning mode ? mode.name().toLowerCase(java.util.Locale.ROOT) : v);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }

    public static GanProfile profileFromMap(Map<String, Object> m) {
        RecordComponent[] components = GanProfile.class.getRecordComponents();
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            Object v = m.get(c.getName());
            if (v == null && c.getType() == boolean.class) {
                v = Boolean.FALSE; // a flag added later: absent in older checkpoints
            }
            if (v == null) {
                throw new IllegalArgumentException("checkpoint profile lacks '" + c.getName() + "'");
            }
            if (c.getType() == int.class) {
                args[i] = ((Number) v).intValue();
            } else if (c.getType() == double.class) {
                args[i] = ((Number) v).doubleValue();
            } else if (c.getType() == boolean.class) {
                args[i] = (Boolean) v;
            } else if (c.getType() == Conditioning.class) {
                args[i] = Conditioning.valueOf(v.toString().toUpperCase(java.util.Locale.ROOT));
            } else {
                throw new IllegalStateException("unhandled profile field type " + c.getType());
            }
        }
        try {
            return GanProfile.class.getDeclaredConstructor(types).newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalArgumentException("checkpoint profile invalid: " + e.getCause().getMessage(), e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
