package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.umsynth.config.IngestConfig;
import org.umsynth.testing.IngestCorpus;
import org.umsynth.testing.MiniHdfs;
import org.umsynth.testing.SparkTestBase;

/** Ingest with inputs and tables on a real in-process HDFS: same rows as from the local disk. */
class IngestHdfsTest extends SparkTestBase {

    @Test
    void ingestFromAndToHdfsGivesTheSameRowsAsLocal() throws IOException {
        Path local = newFolder("hdfs-corpus");
        IngestCorpus corpus = IngestCorpus.createGoodOnly(local.resolve("in"));
        FileSystem hdfs = MiniHdfs.fileSystem();
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(corpus.images.toUri()), new org.apache.hadoop.fs.Path("/lake/images"));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(corpus.labels.toUri()), new org.apache.hadoop.fs.Path("/lake/labels"));
        String root = MiniHdfs.uri();

        IngestJob.Summary onHdfs = IngestJob.run(spark, root + "/lake/images", root + "/lake/labels", root + "/runs/r1",
                new IngestConfig(), false);
        IngestJob.Summary onDisk = IngestJob.run(spark, corpus.images.toString(), corpus.labels.toString(),
                local.resolve("data").toString(), new IngestConfig(), false);

        assertEquals(onDisk.slices(), onHdfs.slices());
        assertEquals(0, onHdfs.quarantined());
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/r1/slices/_SUCCESS")));
        Map<String, Row> hdfsRows = bySliceKey(spark.read().parquet(root + "/runs/r1/slices").collectAsList());
        Map<String, Row> diskRows = bySliceKey(spark.read().parquet(local.resolve("data/slices").toString()).collectAsList());
        assertEquals(diskRows.keySet(), hdfsRows.keySet(), "same case ids and slices (ids depend on relative paths only)");
        for (String key : diskRows.keySet()) {
            assertArrayEquals((byte[]) diskRows.get(key).getAs("hu"), (byte[]) hdfsRows.get(key).getAs("hu"), key);
            assertEquals((String) diskRows.get(key).getAs("source_sha256"), hdfsRows.get(key).getAs("source_sha256"));
        }
    }

    @Test
    void configFileIsReadFromHdfs() throws Exception {
        FileSystem hdfs = MiniHdfs.fileSystem();
        org.apache.hadoop.fs.Path conf = new org.apache.hadoop.fs.Path("/profiles/site.conf");
        try (var out = hdfs.create(conf, true)) {
            out.write("masks.resolution = 96\ningest.testFraction = 0.5\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        var source = org.umsynth.config.ConfigSource.fromLocation(MiniHdfs.uri() + "/profiles/site.conf", List.of("masks.resolution=80"));
        org.umsynth.config.MasksConfig masks = org.umsynth.config.ConfigBinder.bind(new org.umsynth.config.MasksConfig(), source);
        assertEquals(80, masks.resolution, "--set wins over the file");
        assertEquals(0.5, org.umsynth.config.ConfigBinder.bind(new IngestConfig(), source).testFraction);
        var missing = org.junit.jupiter.api.Assertions.assertThrows(org.umsynth.config.ConfigException.class,
                () -> org.umsynth.config.ConfigSource.fromLocation(MiniHdfs.uri() + "/profiles/none.conf", List.of()));
        assertTrue(missing.getMessage().contains("/profiles/none.conf not found"), missing.getMessage());
    }

    private static Map<String, Row> bySliceKey(List<Row> rows) {
        Map<String, Row> map = new TreeMap<>();
        for (Row r : rows) {
            map.put(r.getAs("case_id") + "/" + r.getAs("slice_index"), r);
        }
        return map;
    }
}
