package org.umsynth.io.dicom;

import org.umsynth.io.volume.Volume;

import java.util.List;
import java.util.Objects;

/**
 * One assembled CT series.
 *
 * @param seriesKey   opaque key: SHA-256 (hex) of the SeriesInstanceUID, or {@link DicomSeriesReader#NO_SERIES_UID_KEY}
 *                    for files without one; never the UID itself
 * @param volume      canonical LPS volume in Hounsfield units (see {@link Volume})
 * @param sourceFiles the files used, in slice order (feet to head)
 * @param warnings    fallbacks taken (technical, no patient data)
 */
public record DicomSeries(String seriesKey, Volume volume, List<String> sourceFiles, List<String> warnings) {
    public DicomSeries {
        Objects.requireNonNull(seriesKey, "seriesKey");
        Objects.requireNonNull(volume, "volume");
        sourceFiles = List.copyOf(sourceFiles);
        warnings = List.copyOf(warnings);
    }
}
