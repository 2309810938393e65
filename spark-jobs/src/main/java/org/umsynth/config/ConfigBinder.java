package org.umsynth.config;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Fills typed stage configurations from a {@link ConfigSource}. A file may hold the keys of every
 * stage (one conf for the whole pipeline); a key whose stage is unknown, or whose name is not a
 * field of its stage, or whose value does not parse or is out of range, is rejected with a message
 * that names the key and where it was set.
 */
public final class ConfigBinder {
    /** Keys passed through untouched (Spark and Hadoop settings, read by the session builder). */
    private static final Set<String> PASS_THROUGH_PREFIXES = Set.of("spark", "hadoop");

    private ConfigBinder() {
    }

    /** Binds the keys of {@code config}'s stage and checks every other key of the source is known. */
    public static <T extends StageConfig> T bind(T config, ConfigSource source) {
        checkAllKeysKnown(source);
        Map<String, Field> fields = settings(config.getClass());
        String prefix = config.prefix() + ".";
        for (Map.Entry<String, String> e : source.values().entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            Field field = fields.get(e.getKey().substring(prefix.length()));
            set(config, field, e.getKey(), e.getValue(), source.origin(e.getKey()));
        }
        config.validate();
        return config;
    }

    /**
     * Binds every stage's config from one source: composite commands (pipeline, experiment) call it first,
     * so that a bad value of a late stage fails before hours of work on the early ones.
     */
    public static void bindAll(ConfigSource source) {
        for (Supplier<? extends StageConfig> stage : StageConfigs.ALL.values()) {
            bind(stage.get(), source);
        }
    }

    private static void checkAllKeysKnown(ConfigSource source) {
        for (String key : source.values().keySet()) {
            int dot = key.indexOf('.');
            String stage = dot < 0 ? key : key.substring(0, dot);
            if (PASS_THROUGH_PREFIXES.contains(stage)) {
                continue;
            }
            Supplier<? extends StageConfig> factory = StageConfigs.ALL.get(stage);
            if (factory == null || dot < 0) {
                throw new ConfigException("unknown key '" + key + "' (" + source.origin(key) + "): stages are "
                        + knownStages() + ", plus spark.* and hadoop.* pass-through");
            }
            Map<String, Field> fields = settings(factory.get().getClass());
            if (!fields.containsKey(key.substring(dot + 1))) {
                throw new ConfigException("unknown key '" + key + "' (" + source.origin(key) + "); keys of stage '"
                        + stage + "': " + new TreeSet<>(fields.keySet()));
            }
        }
    }

    private static String knownStages() {
        return new TreeSet<>(StageConfigs.ALL.keySet()).toString();
    }

    /** The settable fields of a configuration class, by name. */
    public static Map<String, Field> settings(Class<?> type) {
        Map<String, Field> fields = new LinkedHashMap<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(Setting.class) && !Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    fields.putIfAbsent(f.getName(), f);
                }
            }
        }
        return fields;
    }

    /** One line per key with its default and description, for {@code --help}. */
    public static List<String> describe(StageConfig defaults) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Field> e : settings(defaults.getClass()).entrySet()) {
            Field f = e.getValue();
            Object value;
            try {
                value = f.get(defaults);
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException(ex);
            }
            String shown = value instanceof double[] d ? Arrays.toString(d) : String.valueOf(value);
            lines.add(String.format(Locale.ROOT, "  %-34s %s (default: %s)",
                    defaults.prefix() + "." + e.getKey(), f.getAnnotation(Setting.class).value(), shown));
        }
        return lines;
    }

    private static void set(Object target, Field field, String key, String raw, String origin) {
        Setting setting = field.getAnnotation(Setting.class);
        Class<?> type = field.getType();
        try {
            Object value;
            if (type == int.class) {
                value = Integer.parseInt(raw);
                checkRange(key, origin, ((Integer) value).doubleValue(), setting);
            } else if (type == long.class) {
                value = parseLong(raw);
                checkRange(key, origin, ((Long) value).doubleValue(), setting);
            } else if (type == double.class) {
                value = Double.parseDouble(raw);
                if (!Double.isFinite((Double) value)) {
                    throw new NumberFormatException("not finite");
                }
                checkRange(key, origin, (Double) value, setting);
            } else if (type == boolean.class) {
                if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
                    throw new ConfigException("key '" + key + "' (" + origin + "): expected true or false, got '" + raw + "'");
                }
                value = Boolean.parseBoolean(raw);
            } else if (type == String.class) {
                value = raw;
            } else if (type.isEnum()) {
                value = parseEnum(type, key, raw, origin);
            } else {
                throw new IllegalStateException("unsupported setting type " + type + " for " + key);
            }
            field.set(target, value);
        } catch (NumberFormatException e) {
            throw new ConfigException("key '" + key + "' (" + origin + "): '" + raw + "' is not a valid " + type.getSimpleName());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accepts plain numbers and powers of two written as {@code 2^28}. */
    private static long parseLong(String raw) {
        if (raw.startsWith("2^")) {
            int exp = Integer.parseInt(raw.substring(2));
            if (exp < 0 || exp > 62) {
                throw new NumberFormatException(raw);
            }
            return 1L << exp;
        }
        return Long.parseLong(raw.replace("_", ""));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object parseEnum(Class<?> type, String key, String raw, String origin) {
        for (Object constant : type.getEnumConstants()) {
            if (((Enum) constant).name().equalsIgnoreCase(raw)) {
                return constant;
            }
        }
        throw new ConfigException("key '" + key + "' (" + origin + "): '" + raw + "' is not one of "
                + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }

    private static void checkRange(String key, String origin, double v, Setting s) {
        if (v < s.min() || v > s.max()) {
            throw new ConfigException("key '" + key + "' (" + origin + "): " + fmt(v) + " is outside ["
                    + fmt(s.min()) + ", " + fmt(s.max()) + "]");
        }
    }

    private static String fmt(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
