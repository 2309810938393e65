package org.umsynth.io.dicom;

import org.umsynth.io.InvalidInputException;

import java.util.List;

/** What {@link DicomSeriesReader#read} made of a set of files: assembled series and per-file (or per-series) rejections. */
public record DicomReadResult(List<DicomSeries> series, List<InvalidInputException> rejected) {
    public DicomReadResult {
        series = List.copyOf(series);
        rejected = List.copyOf(rejected);
    }
}
