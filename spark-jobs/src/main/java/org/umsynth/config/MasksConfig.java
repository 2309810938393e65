package org.umsynth.config;

import org.umsynth.model.um.SliceMode;
import org.umsynth.model.um.SlicMode;
import org.umsynth.model.um.UmParams;

/** Settings of the {@code masks} stage (unsupervised masks from the {@code slices} table). */
public class MasksConfig extends StageConfig {
    private static final long serialVersionUID = 1L;

    @Setting(value = "working resolution in pixels (square); slices are resized to it before SLIC "
            + "(montage: the montage side, 1024 in the reference)", min = 32, max = 2048)
    public int resolution = 256;

    @Setting(value = "which slices get a UM: four (the reference's 4 per case), all (every slice in the trimmed "
            + "lung extent), montage (the 4 tiled 2x2 into one image)")
    public SliceMode mode = SliceMode.FOUR;

    @Setting(value = "SLIC n_segments per image (128 per slice = the reference's 512 per 2x2 montage)", min = 1, max = 100000)
    public int nSegments = 128;

    @Setting(value = "SLIC compactness, in scikit-image units (CIELAB L* in 0..100)", min = 1e-3, max = 1e4)
    public double compactness = 10;

    @Setting(value = "SLIC iterations at most", min = 1, max = 100)
    public int maxIterations = 10;

    @Setting(value = "quantisation step tr of the UM: floor(mean / tr) * tr", min = 1, max = 255)
    public int quantStep = 10;

    @Setting(value = "reproduce the reference's uint8 truncation of the windowed slice before SLIC")
    public boolean uint8Input = false;

    @Setting(value = "SLIC implementation: fast (default; float32, half-size middle passes at coarse seed steps; on the bench "
            + "slices and noisy phantoms within 10% of scikit-image's segment count and boundary recall >= 0.9, "
            + "bench/slic/README.md) or exact (scikit-image 0.19.3's labels bit for bit, about 2x slower at 512)")
    public SlicMode slicMode = UmParams.DEFAULT_SLIC_MODE;

    @Setting(value = "pictures (HU | UM | edges) written for this many masks when --png is given", min = 0, max = 1000)
    public int pngCount = 8;

    @Override
    public String prefix() {
        return "masks";
    }

    @Override
    public void validate() {
        if (mode == SliceMode.MONTAGE && resolution % 2 != 0) {
            throw new ConfigException("key 'masks.resolution': montage mode needs an even resolution, got " + resolution);
        }
    }

    /** The algorithm's parameters (recorded with every mask). */
    public UmParams params() {
        return new UmParams(resolution, nSegments, compactness, maxIterations, quantStep, 0.5, 3.0, mode, uint8Input, slicMode);
    }
}
