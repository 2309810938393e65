package org.umsynth.io.ingest;

import java.io.Serializable;

/**
 * What a {@link VolumeIngestor} needs to know, independent of how a job is configured.
 *
 * @param caseIdSecret      key of the HMAC that pseudonymises case ids
 * @param maxVoxels         volumes above this are refused from their header, before allocating
 * @param maxFileBytes      files above this are refused before reading
 * @param testFraction      share of cases in the test split
 * @param classes           label values must lie in [0, classes)
 * @param ctAirThresholdHu  a CT volume must contain air: some voxel below this value
 */
public record IngestSettings(String caseIdSecret, long maxVoxels, long maxFileBytes, double testFraction,
                             int classes, double ctAirThresholdHu) implements Serializable {
}
