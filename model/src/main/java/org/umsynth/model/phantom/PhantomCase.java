package org.umsynth.model.phantom;

import java.util.List;
import java.util.Objects;
import org.umsynth.io.volume.Volume;

/**
 * One generated phantom: a CT image in Hounsfield units (integral values, clamped to the scanner
 * range [-1024, 3071] inside the reconstruction field of view, {@link PhantomOptions#outsideFovHu()}
 * outside it) and its label volume (0 background, 1 lung, 2 lesion) on the same grid.
 *
 * @param name  case name, {@code phantom_%04d} of the case index
 * @param image CT volume, canonical LPS axial layout
 * @param label label volume, values in {0, 1, 2}
 * @param info  what was drawn, for tests and reports
 */
public record PhantomCase(String name, Volume image, Volume label, Info info) {

    /** Label value of background voxels. */
    public static final int BACKGROUND = 0;
    /** Label value of lung voxels (parenchyma plus intrapulmonary vessels and airways). */
    public static final int LUNG = 1;
    /** Label value of lesion voxels (always inside the lung envelope). */
    public static final int LESION = 2;

    public PhantomCase {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(info, "info");
        if (!image.sameGrid(label)) {
            throw new IllegalArgumentException("image " + image + " and label " + label + " differ in grid");
        }
    }

    /**
     * Summary of a case.
     *
     * @param lesions        the lesions that were drawn (each owns at least one labelled voxel)
     * @param circularFov    whether voxels outside a reconstruction circle hold the padding value
     * @param fovRadiusMm    radius of that circle (mm, centred on the image), or NaN without one
     * @param noiseSigmaHu   standard deviation of the added noise, HU
     * @param psfSigmaMm     sigma of the in-plane Gaussian point-spread, mm
     * @param lungFirstSlice lowest slice index holding lung label, -1 if none
     * @param lungLastSlice  highest slice index holding lung label, -1 if none
     * @param lungVoxels     voxels labelled {@link #LUNG}
     * @param lesionVoxels   voxels labelled {@link #LESION}
     */
    public record Info(List<Lesion> lesions, boolean circularFov, double fovRadiusMm, double noiseSigmaHu,
                       double psfSigmaMm, int lungFirstSlice, int lungLastSlice, long lungVoxels, long lesionVoxels) {
        public Info {
            lesions = List.copyOf(lesions);
        }

        public int lesionCount() {
            return lesions.size();
        }
    }

    /**
     * One lesion.
     *
     * @param centerX       centre column (continuous voxel index)
     * @param centerY       centre row (continuous voxel index)
     * @param centerZ       centre slice (continuous voxel index)
     * @param diameterMm    nominal diameter (mean of the ellipsoid's three diameters), mm
     * @param coreHu        attenuation of the lesion core before noise and blur, HU
     * @param consolidation true for a dense, consolidation-like lesion, false for ground glass
     * @param voxels        voxels labelled {@link #LESION} that belong to this lesion
     */
    public record Lesion(double centerX, double centerY, double centerZ, double diameterMm, double coreHu,
                         boolean consolidation, long voxels) {
    }
}
