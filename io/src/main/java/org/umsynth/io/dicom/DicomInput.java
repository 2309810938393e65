package org.umsynth.io.dicom;

import java.util.Objects;

/** One file handed to {@link DicomSeriesReader}: its name (e.g. path relative to the input root) and its bytes. */
public record DicomInput(String source, byte[] bytes) {
    public DicomInput {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(bytes, "bytes");
    }

    @Override
    public String toString() { return "DicomInput[" + source + ", " + bytes.length + " bytes]"; }
}
