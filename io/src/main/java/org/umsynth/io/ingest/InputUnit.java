package org.umsynth.io.ingest;

import java.io.Serializable;
import java.util.List;

/**
 * One unit of ingest work, read by one task: a NIfTI file, or a folder of DICOM files (which may
 * hold several series). Paths are relative to the input root; {@code label} is relative to the
 * labels root, or null for an unlabelled case.
 */
public record InputUnit(Kind kind, String source, List<String> files, long bytes, String label)
        implements Serializable {

    public enum Kind { NIFTI, DICOM_FOLDER }

    public InputUnit {
        files = List.copyOf(files);
    }
}
