package org.umsynth.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.umsynth.config.PhantomConfig;
import org.umsynth.io.nifti.NiftiReader;
import org.umsynth.io.volume.Volume;
import org.umsynth.model.phantom.ChestPhantom;
import org.umsynth.model.phantom.PhantomOptions;
import org.umsynth.testing.MiniHdfs;
import org.umsynth.testing.SparkTestBase;

/** The phantom command writes readable, deterministic NIfTI pairs, locally and on HDFS. */
class PhantomJobTest extends SparkTestBase {

    private static PhantomConfig small() {
        PhantomConfig c = new PhantomConfig();
        c.size = 64;
        c.slices = 32;
        return c;
    }

    @Test
    void writesImageAndLabelPairsThatReadBackAsTheGeneratedCases() throws IOException {
        Path out = newFolder("phantom");
        PhantomJob.run(spark, 3, 42, out.toString(), small());
        try (var images = Files.list(out.resolve("images")); var labels = Files.list(out.resolve("labels"))) {
            assertEquals(List.of("phantom_0000.nii.gz", "phantom_0001.nii.gz", "phantom_0002.nii.gz"),
                    images.map(p -> p.getFileName().toString()).sorted().toList());
            assertEquals(3, labels.count());
        }
        Volume expected = ChestPhantom.generate(42, 1, PhantomOptions.forGrid(64, 32)).image();
        try (InputStream in = Files.newInputStream(out.resolve("images/phantom_0001.nii.gz"))) {
            Volume read = NiftiReader.read(in, "phantom_0001").volume();
            assertTrue(read.sameGrid(expected));
            assertArrayEquals(expected.voxels(), read.voxels(), 0f, "int16 NIfTI holds the phantom's integer HU exactly");
        }
    }

    @Test
    void sameSeedGivesTheSameBytesOnHdfs() throws IOException {
        String root = MiniHdfs.uri();
        PhantomJob.run(spark, 2, 9, root + "/phantoms/a", small());
        PhantomJob.run(spark, 2, 9, root + "/phantoms/b", small());
        FileSystem fs = MiniHdfs.fileSystem();
        for (String f : List.of("images/phantom_0000.nii.gz", "labels/phantom_0001.nii.gz")) {
            assertArrayEquals(read(fs, "/phantoms/a/" + f), read(fs, "/phantoms/b/" + f), f);
        }
        assertEquals(0, fs.globStatus(new org.apache.hadoop.fs.Path("/phantoms/a/images/.*")).length, "no temporary files left");
    }

    private static byte[] read(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
            return in.readAllBytes();
        }
    }
}
