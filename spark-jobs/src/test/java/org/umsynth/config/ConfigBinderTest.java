package org.umsynth.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigBinderTest {

    @Test
    void fileValuesAndOverridesAreBoundWithOverridesWinning(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("test.conf");
        Files.writeString(conf, """
                # a comment
                ingest.testFraction = 0.5
                ingest.maxVoxels = 2^20   # powers of two are allowed
                masks.resolution = 128
                spark.executor.memory = 4g
                """);
        ConfigSource source = ConfigSource.load(conf, List.of("ingest.testFraction=0.25"));
        IngestConfig ingest = ConfigBinder.bind(new IngestConfig(), source);
        assertEquals(0.25, ingest.testFraction);
        assertEquals(1L << 20, ingest.maxVoxels);
        assertEquals(3, ingest.classes, "untouched keys keep their default");
        assertEquals(128, ConfigBinder.bind(new MasksConfig(), source).resolution);
    }

    @Test
    void unknownKeyIsRejectedNamingTheKeyAndWhereItWasSet(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "ingest.testFraction = 0.1\ningest.tesFraction = 0.3\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigBinder.bind(new IngestConfig(), ConfigSource.load(conf, List.of())));
        assertTrue(e.getMessage().contains("'ingest.tesFraction'"), e.getMessage());
        assertTrue(e.getMessage().contains("bad.conf:2"), e.getMessage());
        assertTrue(e.getMessage().contains("testFraction"), "lists the stage's keys: " + e.getMessage());
    }

    @Test
    void keysOfAnotherKnownStageAreAcceptedButUnknownStagesAreNot() throws Exception {
        ConfigSource ok = ConfigSource.load(null, List.of("masks.resolution=64"));
        ConfigBinder.bind(new IngestConfig(), ok);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigBinder.bind(new IngestConfig(), ConfigSource.load(null, List.of("trian.epochs=3"))));
        assertTrue(e.getMessage().contains("'trian.epochs'") && e.getMessage().contains("stages are"), e.getMessage());
    }

    @Test
    void badValuesAreRejectedNamingKeyAndValue() {
        ConfigException notNumber = assertThrows(ConfigException.class,
                () -> ConfigBinder.bind(new IngestConfig(), ConfigSource.load(null, List.of("ingest.classes=three"))));
        assertTrue(notNumber.getMessage().contains("'ingest.classes'") && notNumber.getMessage().contains("'three'"),
                notNumber.getMessage());
        ConfigException outOfRange = assertThrows(ConfigException.class,
                () -> ConfigBinder.bind(new IngestConfig(), ConfigSource.load(null, List.of("ingest.testFraction=1.5"))));
        assertTrue(outOfRange.getMessage().contains("outside [0, 1]"), outOfRange.getMessage());
        assertThrows(ConfigException.class, () -> ConfigSource.load(null, List.of("novalue")));
    }

    @Test
    void describeListsEveryKeyWithItsDefault() {
        List<String> lines = ConfigBinder.describe(new IngestConfig());
        assertTrue(lines.stream().anyMatch(l -> l.contains("ingest.testFraction") && l.contains("default: 0.2")), lines.toString());
        assertEquals(ConfigBinder.settings(IngestConfig.class).size(), lines.size());
    }
}
