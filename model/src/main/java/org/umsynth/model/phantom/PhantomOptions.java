package org.umsynth.model.phantom;

/**
 * Geometry and variation settings for {@link ChestPhantom}.
 *
 * <p>Anatomy is modelled in millimetres, so the grid only decides how finely it is sampled: keep
 * the in-plane field of view ({@code size * spacingXY}) and the z coverage
 * ({@code slices * spacingZ}) realistic, or use {@link #forGrid(int, int)} which does that for you.
 *
 * @param size                     columns = rows of every axial slice
 * @param slices                   number of axial slices (feet to head)
 * @param spacingXY                in-plane pixel spacing, mm
 * @param spacingZ                 slice spacing, mm
 * @param noiseSigmaMinHu          lower bound of the per-case noise standard deviation, HU
 * @param noiseSigmaMaxHu          upper bound of the per-case noise standard deviation, HU
 * @param psfSigmaMinMm            lower bound of the per-case in-plane point-spread (Gaussian sigma), mm
 * @param psfSigmaMaxMm            upper bound of the per-case in-plane point-spread, mm
 * @param lesionCountMin           fewest lesions in a case (inclusive)
 * @param lesionCountMax           most lesions in a case (inclusive)
 * @param lesionDiameterMinMm      smallest nominal lesion diameter, mm
 * @param lesionDiameterMaxMm      largest nominal lesion diameter, mm
 * @param consolidationProbability chance that a lesion is a dense, consolidation-like one (-300..-100 HU)
 *                                 rather than ground glass (-700..-300 HU)
 * @param circularFovProbability   chance that a case has a circular reconstruction field of view
 * @param outsideFovHu             value written outside the reconstruction circle (scanner padding,
 *                                 e.g. -2048 or -1024); never used inside it
 * @param table                    whether to draw the patient table under the body
 */
public record PhantomOptions(
        int size,
        int slices,
        double spacingXY,
        double spacingZ,
        double noiseSigmaMinHu,
        double noiseSigmaMaxHu,
        double psfSigmaMinMm,
        double psfSigmaMaxMm,
        int lesionCountMin,
        int lesionCountMax,
        double lesionDiameterMinMm,
        double lesionDiameterMaxMm,
        double consolidationProbability,
        double circularFovProbability,
        int outsideFovHu,
        boolean table) implements java.io.Serializable {

    /** In-plane field of view of {@link #defaults()}, mm. */
    public static final double DEFAULT_FOV_MM = 360.0;
    /** Z coverage of {@link #defaults()}, mm: chest plus some neck and upper abdomen. */
    public static final double DEFAULT_COVERAGE_MM = 320.0;

    public PhantomOptions {
        require(size >= 32 && size <= 2048, "size must be in [32, 2048], got " + size);
        require(slices >= 16 && slices <= 2048, "slices must be in [16, 2048], got " + slices);
        require(spacingXY > 0 && spacingZ > 0, "spacing must be positive");
        double fov = size * spacingXY;
        double coverage = slices * spacingZ;
        require(fov >= 250 && fov <= 600, "in-plane field of view " + fov + " mm outside [250, 600] mm");
        require(coverage >= 200 && coverage <= 800, "z coverage " + coverage + " mm outside [200, 800] mm");
        require(noiseSigmaMinHu >= 0 && noiseSigmaMinHu <= noiseSigmaMaxHu && noiseSigmaMaxHu <= 200,
                "noise sigma range must satisfy 0 <= min <= max <= 200 HU");
        require(psfSigmaMinMm >= 0 && psfSigmaMinMm <= psfSigmaMaxMm && psfSigmaMaxMm <= 5,
                "point-spread sigma range must satisfy 0 <= min <= max <= 5 mm");
        require(lesionCountMin >= 0 && lesionCountMin <= lesionCountMax && lesionCountMax <= 50,
                "lesion count range must satisfy 0 <= min <= max <= 50");
        require(lesionDiameterMinMm >= 2 && lesionDiameterMinMm <= lesionDiameterMaxMm && lesionDiameterMaxMm <= 80,
                "lesion diameter range must satisfy 2 <= min <= max <= 80 mm");
        require(consolidationProbability >= 0 && consolidationProbability <= 1, "consolidationProbability must be in [0, 1]");
        require(circularFovProbability >= 0 && circularFovProbability <= 1, "circularFovProbability must be in [0, 1]");
        require(outsideFovHu >= -32768 && outsideFovHu <= -1024, "outsideFovHu must be in [-32768, -1024]");
    }

    /** 256 x 256 x 64, 1.40625 mm pixels (360 mm field of view), 5 mm slices (320 mm coverage). */
    public static PhantomOptions defaults() {
        return forGrid(256, 64);
    }

    /**
     * Default settings on a size x size x slices grid, with spacing chosen to keep the default
     * 360 mm field of view and 320 mm z coverage (e.g. 512 x 512 x 128: 0.703 mm x 2.5 mm).
     */
    public static PhantomOptions forGrid(int size, int slices) {
        return new PhantomOptions(size, slices, DEFAULT_FOV_MM / size, DEFAULT_COVERAGE_MM / slices,
                10, 25, 0.6, 1.0, 0, 5, 5, 35, 0.25, 0.5, -2048, true);
    }

    /** The same settings with another lesion count range. */
    public PhantomOptions withLesionCount(int min, int max) {
        return new PhantomOptions(size, slices, spacingXY, spacingZ, noiseSigmaMinHu, noiseSigmaMaxHu,
                psfSigmaMinMm, psfSigmaMaxMm, min, max, lesionDiameterMinMm, lesionDiameterMaxMm,
                consolidationProbability, circularFovProbability, outsideFovHu, table);
    }

    /** The same settings with another circular-FOV probability (0: never, 1: always). */
    public PhantomOptions withCircularFovProbability(double probability) {
        return new PhantomOptions(size, slices, spacingXY, spacingZ, noiseSigmaMinHu, noiseSigmaMaxHu,
                psfSigmaMinMm, psfSigmaMaxMm, lesionCountMin, lesionCountMax, lesionDiameterMinMm, lesionDiameterMaxMm,
                consolidationProbability, probability, outsideFovHu, table);
    }

    /** The same settings with a fixed noise level (0 gives a noise-free image, useful for checks). */
    public PhantomOptions withNoiseSigma(double minHu, double maxHu) {
        return new PhantomOptions(size, slices, spacingXY, spacingZ, minHu, maxHu,
                psfSigmaMinMm, psfSigmaMaxMm, lesionCountMin, lesionCountMax, lesionDiameterMinMm, lesionDiameterMaxMm,
                consolidationProbability, circularFovProbability, outsideFovHu, table);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
