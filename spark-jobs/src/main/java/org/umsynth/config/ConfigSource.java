package org.umsynth.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key/value settings of one run: a config file ({@code key = value} lines, {@code #}
 * comments; keys are {@code stage.name}) with {@code --set key=value} overrides on top.
 * Which keys exist is decided by the stage classes ({@link ConfigBinder}), not here.
 */
public final class ConfigSource {
    private final Map<String, String> values;
    private final Map<String, String> origins;

    private ConfigSource(Map<String, String> values, Map<String, String> origins) {
        this.values = values;
        this.origins = origins;
    }

    public static ConfigSource empty() {
        return new ConfigSource(new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /** Loads {@code confFile} (may be null) and applies {@code overrides} ("key=value") on top. */
    /**
     * Loads a config file from a local path or from any Hadoop file system ({@code hdfs://}, {@code s3a://}:
     * with the Hadoop settings of the environment, e.g. {@code HADOOP_CONF_DIR}), then applies the overrides.
     */
    public static ConfigSource fromLocation(String location, List<String> overrides) throws IOException {
        if (location == null || !location.matches("[A-Za-z][A-Za-z0-9+.-]+://.*") || location.startsWith("file:")) {
            return load(location == null ? null : Path.of(location.startsWith("file:")
                    ? java.net.URI.create(location).getPath() : location), overrides);
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(location);
        ConfigSource source = empty();
        try (InputStream in = remote.getFileSystem(new org.apache.hadoop.conf.Configuration()).open(remote)) {
            source.parse(in, location);
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigException("config file " + location + " not found");
        }
        return source.withOverrides(overrides);
    }

    public static ConfigSource load(Path confFile, List<String> overrides) throws IOException {
        ConfigSource source = empty();
        if (confFile != null) {
            try (InputStream in = Files.newInputStream(confFile)) {
                source.parse(in, confFile.toString());
            }
        }
        return source.withOverrides(overrides);
    }

    private ConfigSource withOverrides(List<String> overrides) {
        for (String override : overrides == null ? List.<String>of() : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set '" + override + "': expected key=value");
            }
            put(override.substring(0, eq).trim(), override.substring(eq + 1).trim(), "--set");
        }
        return this;
    }

    private void parse(InputStream in, String name) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        int lineNo = 0;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(name + ":" + lineNo + ": expected 'key = value', got '" + trimmed + "'");
            }
            String value = trimmed.substring(eq + 1).strip();
            int comment = value.indexOf(" #");
            if (comment >= 0) {
                value = value.substring(0, comment).strip();
            }
            put(trimmed.substring(0, eq).strip(), value, name + ":" + lineNo);
        }
    }

    public ConfigSource put(String key, String value, String origin) {
        values.put(key, value);
        origins.put(key, origin);
        return this;
    }

    public Map<String, String> values() {
        return Collections.unmodifiableMap(values);
    }

    /** Where a key was set (file:line or --set), for error messages. */
    public String origin(String key) {
        return origins.getOrDefault(key, "default");
    }
}
