package org.umsynth.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.umsynth.testing.SparkTestBase;

/** Atomic publication: staged, renamed into place, refused without --overwrite, crashed runs' staging removed. */
class TableStoreTest extends SparkTestBase {

    @Test
    void publishesAtomicallyAndRemovesOnlyAbandonedStaging() throws Exception {
        Path root = newFolder("tables");
        TableStore store = new TableStore(spark, root.toString());
        FileSystem fs = store.fileSystem();
        Path abandoned = Files.createDirectories(root.resolve("_staging/crashed-run/masks"));
        Path concurrent = Files.createDirectories(root.resolve("_staging/running-run/masks"));
        long twoDaysAgo = System.currentTimeMillis() - 2 * TableStore.ABANDONED_AFTER_MS;
        fs.setTimes(new org.apache.hadoop.fs.Path(root.resolve("_staging/crashed-run").toUri()), twoDaysAgo, -1);

        store.publish(Map.of("numbers", spark.range(5).toDF()), false);

        assertTrue(store.exists("numbers"));
        assertEquals(5, store.read("numbers").count());
        assertFalse(Files.exists(abandoned.getParent()), "a crashed run's staging folder is removed");
        assertTrue(Files.exists(concurrent), "a recent staging folder may belong to a running stage: kept");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> store.publish(Map.of("numbers", spark.range(3).toDF()), false));
        assertTrue(refused.getMessage().contains("pass --overwrite"), refused.getMessage());
        store.publish(Map.of("numbers", spark.range(3).toDF()), true);
        assertEquals(List.of(0L, 1L, 2L), store.read("numbers").orderBy("id").as(org.apache.spark.sql.Encoders.LONG())
                .collectAsList());
        assertFalse(Files.exists(root.resolve("_trash")), "the replaced table is gone");
    }
}
