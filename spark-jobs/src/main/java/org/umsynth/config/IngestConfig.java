package org.umsynth.config;

/** Settings of the {@code ingest} stage (CT volumes to the {@code slices} table). */
public class IngestConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting("secret key of the HMAC that turns a source path into a pseudonymous case_id; "
            + "empty: taken from $UMSYNTH_CASE_ID_SECRET, else a fixed demo key (with a warning)")
    public String caseIdSecret = "";

    @Setting(value = "largest volume accepted, in voxels (checked from the header, before allocating)", min = 1)
    public long maxVoxels = 1L << 28;

    @Setting(value = "fraction of cases put in the test split (chosen by case, from the case id)", min = 0, max = 1)
    public double testFraction = 0.2;

    @Setting(value = "number of segmentation classes (0 background, 1 lung, 2 lesion, ...)", min = 2, max = 255)
    public int classes = 3;

    @Setting(value = "a CT must have air: volumes with no voxel below this HU are rejected as not CT", min = -3000, max = 0)
    public double ctAirThresholdHu = -500;

    @Setting(value = "files larger than this many bytes are refused before reading", min = 1)
    public long maxFileBytes = 4L << 30;

    @Override
    public String prefix() {
        return "ingest";
    }
}
