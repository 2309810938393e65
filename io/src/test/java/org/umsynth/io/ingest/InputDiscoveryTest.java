package org.umsynth.io.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputDiscoveryTest {

    @Test
    void pairsLabelsByBaseNameAndGroupsDicomByFolder(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        touch(images.resolve("a.nii.gz"));
        touch(images.resolve("b_0000.nii.gz"));        // nnU-Net channel suffix
        touch(images.resolve("plain.nii"));
        touch(images.resolve("series7/IM1"));
        touch(images.resolve("series7/IM2.dcm"));
        touch(images.resolve("nested/series8/x.dcm"));
        touch(images.resolve(".hidden.nii.gz"));        // hidden: skipped like Spark does
        touch(images.resolve("_SUCCESS"));
        touch(labels.resolve("a.nii.gz"));
        touch(labels.resolve("b.nii.gz"));
        touch(labels.resolve("series7.nii.gz"));
        touch(labels.resolve("lonely.nii.gz"));

        FileSystem fs = FileSystem.getLocal(new Configuration());
        InputDiscovery.Result r = InputDiscovery.discover(fs, new org.apache.hadoop.fs.Path(images.toUri()),
                fs, new org.apache.hadoop.fs.Path(labels.toUri()));
        Map<String, InputUnit> bySource = r.units().stream().collect(Collectors.toMap(InputUnit::source, u -> u));
        assertEquals(Map.of("a.nii.gz", InputUnit.Kind.NIFTI, "b_0000.nii.gz", InputUnit.Kind.NIFTI,
                        "plain.nii", InputUnit.Kind.NIFTI, "series7", InputUnit.Kind.DICOM_FOLDER,
                        "nested/series8", InputUnit.Kind.DICOM_FOLDER),
                bySource.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().kind())));
        assertEquals("a.nii.gz", bySource.get("a.nii.gz").label());
        assertEquals("b.nii.gz", bySource.get("b_0000.nii.gz").label());
        assertEquals("series7.nii.gz", bySource.get("series7").label());
        assertNull(bySource.get("plain.nii").label());
        assertEquals(List.of("series7/IM1", "series7/IM2.dcm"), bySource.get("series7").files());
        assertEquals(List.of(new Rejection("labels/lonely.nii.gz", "label volume without an image of the same base name")),
                r.orphanLabels());
    }

    @Test
    void aManifestPairsImagesWithLabelsWhateverTheirNames(@TempDir Path dir) throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        touch(images.resolve("scan_001.nii.gz"));
        touch(images.resolve("series9/IM1"));
        touch(images.resolve("unlisted.nii"));
        touch(labels.resolve("seg/lungs_001.nii.gz"));
        touch(labels.resolve("series9_seg.nii.gz"));
        touch(labels.resolve("unused.nii.gz"));
        List<String> manifest = List.of("image,label", "scan_001.nii.gz, seg/lungs_001.nii.gz", "series9/,series9_seg.nii.gz",
                "missing.nii.gz,unused.nii.gz", "unlisted.nii,nowhere.nii.gz");
        FileSystem fs = FileSystem.getLocal(new Configuration());
        InputDiscovery.Result r = InputDiscovery.discover(fs, new org.apache.hadoop.fs.Path(images.toUri()),
                fs, new org.apache.hadoop.fs.Path(labels.toUri()), manifest);
        Map<String, InputUnit> bySource = r.units().stream().collect(Collectors.toMap(InputUnit::source, u -> u));
        assertEquals("seg/lungs_001.nii.gz", bySource.get("scan_001.nii.gz").label());
        assertEquals("series9_seg.nii.gz", bySource.get("series9").label());
        assertNull(bySource.get("unlisted.nii").label());
        assertEquals(List.of(new Rejection("labels/nowhere.nii.gz",
                        "named by the labels manifest (line 5) but not found under the labels root"),
                new Rejection("missing.nii.gz", "named by the labels manifest but not found under the input root")),
                r.orphanLabels());
    }

    private static void touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[]{1, 2, 3});
    }
}
