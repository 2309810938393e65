package org.umsynth.io.dicom;

import org.junit.jupiter.api.Test;
import org.umsynth.io.InvalidInputException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DicomSeriesReaderTest {

    private static DicomSeries single(DicomReadResult result) {
        assertEquals(List.of(), result.rejected().stream().map(InvalidInputException::getMessage).toList());
        assertEquals(1, result.series().size());
        return result.series().get(0);
    }

    private static boolean hasWarning(DicomSeries series, String start) {
        return series.warnings().stream().anyMatch(w -> w.startsWith(start));
    }

    private static List<String> reasons(DicomReadResult result) {
        return result.rejected().stream().map(e -> e.source() + ": " + e.reason()).sorted().toList();
    }

    @Test
    void shuffledAxialSeriesIsOrderedByPosition() {
        TestSeries physical = new TestSeries(6, 5, 5, 0.7, 0.8, 2.5);
        DicomSeries series = single(DicomSeriesReader.read(physical.write(42)));
        physical.assertCanonical(series.volume());
        assertEquals(List.of("IM0001", "IM0002", "IM0003", "IM0004", "IM0005"), series.sourceFiles());
        assertEquals(List.of(), series.warnings());
        assertEquals(DicomParser.sha256(physical.seriesUid), series.seriesKey());
    }

    @Test
    void feetFirstSeriesWithReversedInstanceNumbersIsStillFeetToHead() {
        TestSeries physical = new TestSeries(6, 5, 5, 0.7, 0.8, 2.5);
        physical.instanceNumbersAgainstPosition = true;
        DicomSeries series = single(DicomSeriesReader.read(physical.write(7)));
        physical.assertCanonical(series.volume());
        assertEquals(List.of("IM0005", "IM0004", "IM0003", "IM0002", "IM0001"), series.sourceFiles());
    }

    @Test
    void flippedSagittalAndCoronalStorageAllGiveTheSameCanonicalVolume() {
        double[][] orientations = {
                {-1, 0, 0, 0, -1, 0},  // axial, rotated 180 degrees
                {1, 0, 0, 0, -1, 0},   // axial, flipped vertically (normal -z: slices stored head first)
                {0, 1, 0, 0, 0, -1},   // sagittal
                {1, 0, 0, 0, 0, -1},   // coronal
                {0, 1, 0, 1, 0, 0}};   // axial transposed
        for (TransferSyntax syntax : TransferSyntax.values()) {
            for (double[] orientation : orientations) {
                TestSeries physical = new TestSeries(6, 5, 4, 0.7, 0.8, 2.5).orientation(orientation);
                physical.syntax = syntax;
                DicomSeries series = single(DicomSeriesReader.read(physical.write(3)));
                physical.assertCanonical(series.volume());
                assertEquals(List.of(), series.warnings(), syntax + " " + java.util.Arrays.toString(orientation));
            }
        }
    }

    @Test
    void obliqueSeriesIsSnappedToNearestAxesWithWarning() {
        double a = Math.toRadians(5);
        TestSeries axial = new TestSeries(6, 5, 4, 0.7, 0.7, 2.5);
        TestSeries oblique = new TestSeries(6, 5, 4, 0.7, 0.7, 2.5)
                .orientation(Math.cos(a), Math.sin(a), 0, -Math.sin(a), Math.cos(a), 0);
        DicomSeries series = single(DicomSeriesReader.read(oblique.write(1)));
        axial.assertCanonical(series.volume());
        assertTrue(hasWarning(series, "oblique orientation (up to 5.0 degrees"), series.warnings().toString());
    }

    @Test
    void mixedSeriesInOneFolderAreSeparatedBySeriesInstanceUid() {
        TestSeries first = new TestSeries(6, 5, 5, 0.7, 0.8, 2.5);
        TestSeries second = new TestSeries(4, 4, 3, 0.5, 0.5, 1.25);
        second.seriesUid = "1.2.826.0.1.3680043.10.1453.9.2";
        List<DicomInput> folder = new ArrayList<>(first.write(1));
        for (DicomInput input : second.write(2)) {
            folder.add(new DicomInput("b/" + input.source(), input.bytes()));
        }
        folder.add(new DicomInput("DICOMDIR.txt", "index".getBytes(StandardCharsets.US_ASCII)));
        java.util.Collections.shuffle(folder, new java.util.Random(5));
        DicomReadResult result = DicomSeriesReader.read(folder);
        assertEquals(List.of("DICOMDIR.txt: not a DICOM Part-10 file (no 'DICM' marker after the 128-byte preamble)"), reasons(result));
        assertEquals(2, result.series().size());
        for (DicomSeries series : result.series()) {
            TestSeries expected = series.seriesKey().equals(DicomParser.sha256(first.seriesUid)) ? first : second;
            assertEquals(DicomParser.sha256(expected.seriesUid), series.seriesKey());
            expected.assertCanonical(series.volume());
            assertFalse(series.seriesKey().contains("1.2.826"));
        }
    }

    @Test
    void irregularSpacingUsesMedianWithWarning() {
        TestSeries physical = new TestSeries(4, 4, 6, 1, 1, 2.0);
        List<DicomInput> files = physical.write(9).stream().filter(f -> !f.source().equals("IM0004")).toList();
        DicomSeries series = single(DicomSeriesReader.read(files));
        assertEquals(5, series.volume().slices());
        assertEquals(2.0, series.volume().spacingZ(), 1e-9);
        assertTrue(hasWarning(series, "irregular slice spacing: steps from 2.000 to 4.000 mm; median 2.000 mm used"), series.warnings().toString());
    }

    @Test
    void duplicatePositionsAndMismatchedRowsAreRejectedAndTheMajorityKept() {
        TestSeries physical = new TestSeries(6, 5, 5, 0.7, 0.8, 2.5);
        List<DicomInput> files = new ArrayList<>(physical.write(4));
        DicomInput third = files.stream().filter(f -> f.source().equals("IM0003")).findFirst().orElseThrow();
        files.add(new DicomInput("IM0003-copy", third.bytes()));
        files.add(new DicomInput("IM0099", DicomWriter.write(new DicomWriter.CtImage(3, 6, new int[18])
                .seriesInstanceUid(physical.seriesUid).instanceNumber(99).imagePosition(0, 0, 500))));
        DicomReadResult result = DicomSeriesReader.read(files);
        assertEquals(List.of(
                "IM0003-copy: duplicate slice position -295.000 mm along the slice normal, same as IM0003 (kept)",
                "IM0099: Columns x Rows 6 x 3 differ from the series majority 6 x 5 (6 files)"), reasons(result));
        assertEquals(1, result.series().size());
        physical.assertCanonical(result.series().get(0).volume());
    }

    @Test
    void positionsOffTheSliceNormalAreWarnedAsTiltAndSpacingIsAlongTheNormal() {
        List<DicomInput> files = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            files.add(new DicomInput("IM" + k, DicomWriter.write(new DicomWriter.CtImage(3, 3, new int[9])
                    .imagePosition(k * 1.0, 0, k * 2.0).instanceNumber(k + 1))));
        }
        DicomSeries series = single(DicomSeriesReader.read(files));
        assertEquals(2.0, series.volume().spacingZ(), 1e-12);
        assertEquals(List.of("slice positions drift up to 3.00 mm across the slice plane (gantry tilt or shear); not corrected"),
                series.warnings());
    }

    @Test
    void missingPositionsFallBackToInstanceNumberAndSpacingBetweenSlices() {
        TestSeries physical = new TestSeries(4, 3, 5, 0.7, 0.8, 3.0);
        physical.customise = image -> image.imagePosition((double[]) null).spacingBetweenSlices(3.0).sliceThickness(2.0);
        DicomSeries series = single(DicomSeriesReader.read(physical.write(11)));
        physical.assertCanonical(series.volume());
        assertTrue(hasWarning(series, "no ImagePositionPatient (0020,0032) on 5 of 5 files; slices ordered by InstanceNumber"), series.warnings().toString());
        assertTrue(hasWarning(series, "no slice positions: z spacing taken from SpacingBetweenSlices"), series.warnings().toString());
    }

    @Test
    void missingPixelSpacingOrientationRescaleAndThicknessFallBackWithWarnings() {
        TestSeries physical = new TestSeries(4, 3, 1, 1.0, 1.0, 1.0);
        physical.customise = image -> image.pixelSpacing((double[]) null).imageOrientation((double[]) null)
                .sliceThickness(null).rescaleSlope(null).rescaleIntercept(null).seriesInstanceUid(null);
        DicomSeries series = single(DicomSeriesReader.read(physical.write(0)));
        physical.assertCanonical(series.volume());
        assertEquals(DicomSeriesReader.NO_SERIES_UID_KEY, series.seriesKey());
        List<String> expectedStarts = List.of("no SeriesInstanceUID", "no ImageOrientationPatient", "no PixelSpacing",
                "single slice: no SpacingBetweenSlices or SliceThickness; z spacing assumed 1.0 mm", "no RescaleSlope/RescaleIntercept");
        for (String start : expectedStarts) {
            assertTrue(hasWarning(series, start), start + " in " + series.warnings());
        }
        assertEquals(expectedStarts.size(), series.warnings().size(), series.warnings().toString());
    }

    @Test
    void repeatedFileWarningsAreMergedWithACount() {
        TestSeries physical = new TestSeries(4, 3, 4, 1.0, 1.0, 1.0);
        physical.customise = image -> image.rescaleSlope(null).rescaleIntercept(null);
        DicomSeries series = single(DicomSeriesReader.read(physical.write(0)));
        assertEquals(List.of("no RescaleSlope/RescaleIntercept (0028,1053)/(0028,1052); assumed slope 1, intercept 0 "
                + "(stored values taken as HU) (4 files, e.g. IM0001)"), series.warnings());
    }

    @Test
    void multiFrameFileIsOneSeriesOfFrames() {
        int[] stored = new int[3 * 4 * 5];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = i * 11 - 300;
        }
        byte[] file = DicomWriter.write(new DicomWriter.CtImage(4, 5, stored).transferSyntax(TransferSyntax.RLE_LOSSLESS)
                .spacingBetweenSlices(1.5).rescaleSlope(1.0).rescaleIntercept(0.0));
        DicomSeries series = single(DicomSeriesReader.read(List.of(new DicomInput("multi.dcm", file))));
        assertEquals(3, series.volume().slices());
        assertEquals(1.5, series.volume().spacingZ());
        for (int i = 0; i < stored.length; i++) {
            assertEquals(stored[i], series.volume().voxels()[i], 0f);
        }
        assertTrue(hasWarning(series, "no slice positions: z spacing taken from SpacingBetweenSlices"), series.warnings().toString());
    }

    @Test
    void seriesLargerThanTheVoxelLimitIsRejectedAsAWhole() {
        TestSeries physical = new TestSeries(4, 4, 5, 1, 1, 1);
        DicomReadResult result = DicomSeriesReader.read(physical.write(0), 16 * 4);
        assertEquals(List.of(), result.series());
        assertEquals(1, result.rejected().size());
        assertEquals("series " + DicomParser.sha256(physical.seriesUid), result.rejected().get(0).source());
        assertEquals("series of 4 x 4 x 5 voxels exceeds the limit of 64 voxels", result.rejected().get(0).reason());
    }

    @Test
    void badFilesAreRejectedWithTheirReasonsAndTheRestIsRead() {
        TestSeries physical = new TestSeries(4, 4, 3, 1, 1, 1);
        List<DicomInput> files = new ArrayList<>(physical.write(0));
        files.add(new DicomInput("empty.dcm", new byte[0]));
        files.add(new DicomInput("mr.dcm", DicomWriter.write(new DicomWriter.CtImage(4, 4, new int[16]).modality("MR"))));
        files.add(new DicomInput("j2k.dcm", DicomWriter.write(new DicomWriter.CtImage(4, 4, new int[16])
                .transferSyntaxUid("1.2.840.10008.1.2.4.91"))));
        DicomReadResult result = DicomSeriesReader.read(files);
        assertEquals(List.of("empty.dcm: empty file",
                "j2k.dcm: JPEG 2000 compressed pixel data (1.2.840.10008.1.2.4.91) is not supported",
                "mr.dcm: modality MR is not CT"), reasons(result));
        assertEquals(1, result.series().size());
        physical.assertCanonical(result.series().get(0).volume());
        assertEquals(3, result.series().get(0).sourceFiles().stream().collect(Collectors.toSet()).size());
    }
}
