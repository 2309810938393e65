package org.umsynth.model.phantom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.umsynth.io.volume.Volume;

class ChestPhantomTest {
    private static final long SEED = 20230323L;
    private static final PhantomOptions DEFAULTS = PhantomOptions.defaults();
    private static final List<PhantomCase> CASES = new ArrayList<>();

    @BeforeAll
    static void generateSeries() {
        for (int i = 0; i < 6; i++) {
            CASES.add(ChestPhantom.generate(SEED, i, DEFAULTS));
        }
    }

    @Test
    void sameInputsGiveIdenticalVolumesAndOtherInputsDiffer() {
        PhantomCase again = ChestPhantom.generate(SEED, 2, DEFAULTS);
        PhantomCase first = CASES.get(2);
        assertEquals("phantom_0002", again.name());
        assertArrayEquals(first.image().voxels(), again.image().voxels());
        assertArrayEquals(first.label().voxels(), again.label().voxels());
        assertEquals(first.info(), again.info());
        PhantomCase otherSeed = ChestPhantom.generate(SEED + 1, 2, DEFAULTS);
        assertFalse(Arrays.equals(first.image().voxels(), otherSeed.image().voxels()));
        assertFalse(Arrays.equals(first.label().voxels(), otherSeed.label().voxels()));
        assertFalse(Arrays.equals(first.label().voxels(), CASES.get(3).label().voxels()));
    }

    /**
     * Pins one small case. Generation uses only strict arithmetic and StrictMath, so this holds on
     * every JVM and CPU; if it fails after a deliberate change to the phantom, update the constants
     * (demo data generated before and after that change differ).
     */
    @Test
    void pinnedCaseIsReproducedBitForBit() {
        PhantomCase c = ChestPhantom.generate(99, 3, PhantomOptions.forGrid(128, 32));
        assertEquals(5, c.info().lesionCount());
        assertTrue(c.info().circularFov());
        assertEquals(298188801, Arrays.hashCode(c.image().voxels()));
        assertEquals(-503316479, Arrays.hashCode(c.label().voxels()));
    }

    @Test
    void gridFollowsTheOptionsAndNamesArePadded() {
        PhantomCase c = CASES.get(0);
        Volume image = c.image();
        assertEquals(256, image.cols());
        assertEquals(256, image.rows());
        assertEquals(64, image.slices());
        assertEquals(360.0 / 256, image.spacingX(), 1e-12);
        assertEquals(5.0, image.spacingZ(), 1e-12);
        assertTrue(image.sameGrid(c.label()));
        assertEquals("phantom_0007", ChestPhantom.caseName(7));
        assertEquals("phantom_12345", ChestPhantom.caseName(12345));
        assertThrows(IllegalArgumentException.class, () -> ChestPhantom.caseName(-1));
    }

    @Test
    void labelsAreZeroOneTwoAndImageIsIntegralInScannerRange() {
        for (PhantomCase c : CASES) {
            for (float v : c.label().voxels()) {
                assertTrue(v == 0 || v == 1 || v == 2, "label value " + v);
            }
            int padding = DEFAULTS.outsideFovHu();
            for (float v : c.image().voxels()) {
                assertEquals(Math.rint(v), v, 0.0);
                assertTrue(v == padding || (v >= ChestPhantom.MIN_HU && v <= ChestPhantom.MAX_HU), "HU " + v);
            }
        }
    }

    @Test
    void labelledVoxelsLieInTheAnalyticLungAndCountsAgreeWithInfo() {
        for (int caseIndex = 0; caseIndex < CASES.size(); caseIndex++) {
            PhantomCase c = CASES.get(caseIndex);
            ChestAnatomy anatomy = ChestPhantom.anatomy(SEED, caseIndex, DEFAULTS);
            List<Capsule> central = ChestPhantom.centralCapsules(anatomy);
            SliceGrid grid = new SliceGrid(256, 256, DEFAULTS.spacingXY(), DEFAULTS.spacingXY());
            Volume label = c.label();
            long lung = 0;
            long lesion = 0;
            for (int z = 0; z < label.slices(); z++) {
                for (int y = 0; y < label.rows(); y++) {
                    for (int x = 0; x < label.cols(); x++) {
                        float v = label.get(x, y, z);
                        if (v == 0) {
                            continue;
                        }
                        assertTrue(ChestPhantom.lungAt(anatomy, grid.x(x), grid.y(y), (z + 0.5) * DEFAULTS.spacingZ(), central),
                                "label " + v + " outside the lung at " + x + "," + y + "," + z);
                        if (v == 1) {
                            lung++;
                        } else {
                            lesion++;
                        }
                    }
                }
            }
            assertEquals(c.info().lungVoxels(), lung);
            assertEquals(c.info().lesionVoxels(), lesion);
            assertEquals(lesion, c.info().lesions().stream().mapToLong(PhantomCase.Lesion::voxels).sum());
            for (PhantomCase.Lesion l : c.info().lesions()) {
                assertTrue(l.voxels() > 0);
                assertEquals(2f, label.get((int) l.centerX(), (int) l.centerY(), (int) l.centerZ()), "lesion centre voxel");
                assertTrue(l.coreHu() >= -700 && l.coreHu() <= -100);
                assertTrue(l.diameterMm() >= DEFAULTS.lesionDiameterMinMm() && l.diameterMm() <= DEFAULTS.lesionDiameterMaxMm());
            }
        }
    }

    @Test
    void lungAndLesionAttenuationIsRealistic() {
        int withLesions = 0;
        for (PhantomCase c : CASES) {
            double[] lung = meanHu(c, 1);
            assertTrue(lung[0] >= -900 && lung[0] <= -650, "lung mean " + lung[0]);
            if (c.info().lesionCount() > 0) {
                withLesions++;
                double[] lesion = meanHu(c, 2);
                assertTrue(lesion[0] >= -750 && lesion[0] <= -100, "lesion mean " + lesion[0]);
                assertTrue(lesion[0] > lung[0] + 80, "lesions must be denser than lung: " + lesion[0] + " vs " + lung[0]);
            }
        }
        assertTrue(withLesions > 0);
    }

    @Test
    void bodyHasSoftTissueBoneAndAirOutside() {
        for (PhantomCase c : CASES) {
            float[] v = c.image().voxels();
            long soft = 0;
            long bone = 0;
            long fat = 0;
            for (float h : v) {
                if (h >= 0 && h <= 80) {
                    soft++;
                } else if (h > 300) {
                    bone++;
                } else if (h >= -130 && h <= -70) {
                    fat++;
                }
            }
            assertTrue(soft > v.length / 20, "soft tissue voxels " + soft);
            assertTrue(fat > v.length / 200, "fat voxels " + fat);
            assertTrue(bone > v.length / 500, "bone voxels " + bone);
            // anterior air: the top rows in front of the chest, inside any field of view
            Volume image = c.image();
            double sum = 0;
            int count = 0;
            for (int z = 0; z < image.slices(); z++) {
                for (int y = 2; y < 8; y++) {
                    for (int x = 110; x < 146; x++) {
                        sum += image.get(x, y, z);
                        count++;
                    }
                }
            }
            assertEquals(-1000, sum / count, 5, "outside-body air");
        }
    }

    @Test
    void vertebraeAreBrightestAlongTheMidline() {
        PhantomCase c = CASES.get(1);
        Volume image = c.image();
        int z = (c.info().lungFirstSlice() + c.info().lungLastSlice()) / 2;
        float max = Float.NEGATIVE_INFINITY;
        for (int y = image.rows() / 2; y < image.rows(); y++) {
            for (int x = image.cols() / 2 - 12; x < image.cols() / 2 + 12; x++) {
                max = Math.max(max, image.get(x, y, z));
            }
        }
        assertTrue(max > 500, "spine maximum " + max);
    }

    @Test
    void lungsLieStrictlyInsideTheZRangeAndFormTwoComponents() {
        for (PhantomCase c : CASES) {
            Volume label = c.label();
            int first = c.info().lungFirstSlice();
            int last = c.info().lungLastSlice();
            assertTrue(first >= 2 && last <= label.slices() - 3 && last - first > 25, "lung slices " + first + ".." + last);
            for (int z = 0; z < label.slices(); z++) {
                boolean any = false;
                for (float v : label.slice(z)) {
                    any |= v > 0;
                }
                assertEquals(z >= first && z <= last, any, "lung presence at slice " + z);
            }
            int[] sizes = componentSizes(label, (first + last) / 2);
            assertTwoLungs(sizes);
        }
    }

    @Test
    void lesionCountVariesAndFollowsTheOptions() {
        Set<Integer> counts = new HashSet<>();
        for (PhantomCase c : CASES) {
            counts.add(c.info().lesionCount());
        }
        assertTrue(counts.size() >= 2, "lesion counts " + counts);
        PhantomOptions none = PhantomOptions.forGrid(128, 32).withLesionCount(0, 0);
        PhantomCase clean = ChestPhantom.generate(SEED, 0, none);
        assertEquals(0, clean.info().lesionCount());
        for (float v : clean.label().voxels()) {
            assertNotEquals(2f, v);
        }
        PhantomCase three = ChestPhantom.generate(SEED, 0, PhantomOptions.forGrid(128, 32).withLesionCount(3, 3));
        assertEquals(3, three.info().lesionCount());
        assertTrue(three.info().lesionVoxels() > 0);
    }

    @Test
    void circularFieldOfViewPadsOutsideTheCircleOnly() {
        PhantomOptions fov = PhantomOptions.forGrid(128, 32).withCircularFovProbability(1);
        PhantomCase c = ChestPhantom.generate(SEED, 5, fov);
        assertTrue(c.info().circularFov());
        assertEquals(180, c.info().fovRadiusMm(), 1e-9);
        Volume image = c.image();
        for (int z = 0; z < image.slices(); z++) {
            assertEquals(-2048f, image.get(0, 0, z));
            assertEquals(-2048f, image.get(127, 127, z));
            assertTrue(image.get(64, 4, z) > -1100, "inside the circle");
        }
        PhantomCase square = ChestPhantom.generate(SEED, 5, fov.withCircularFovProbability(0));
        assertFalse(square.info().circularFov());
        for (float v : square.image().voxels()) {
            assertTrue(v >= ChestPhantom.MIN_HU);
        }
        assertArrayEquals(c.label().voxels(), square.label().voxels(), "the FOV never changes the labels");
    }

    @Test
    void addedNoiseHasTheReportedStandardDeviation() {
        PhantomOptions noisy = PhantomOptions.forGrid(128, 32).withCircularFovProbability(0);
        PhantomCase c = ChestPhantom.generate(SEED, 3, noisy);
        PhantomCase clean = ChestPhantom.generate(SEED, 3, noisy.withNoiseSigma(0, 0));
        assertArrayEquals(c.label().voxels(), clean.label().voxels());
        double sigma = c.info().noiseSigmaHu();
        assertTrue(sigma >= 10 && sigma <= 25);
        float[] a = c.image().voxels();
        float[] b = clean.image().voxels();
        double sum = 0;
        double sum2 = 0;
        long n = 0;
        for (int i = 0; i < a.length; i++) {
            if (b[i] > -950 && b[i] < 2000) {
                double d = a[i] - b[i];
                sum += d;
                sum2 += d * d;
                n++;
            }
        }
        double mean = sum / n;
        double std = Math.sqrt(sum2 / n - mean * mean);
        assertEquals(0, mean, 0.5);
        assertEquals(sigma, std, 0.08 * sigma + 0.5);
    }

    @Test
    void otherGridsKeepTheAnatomy() {
        PhantomCase c = ChestPhantom.generate(SEED, 1, PhantomOptions.forGrid(128, 40));
        assertEquals(128, c.image().cols());
        assertEquals(40, c.image().slices());
        assertTrue(c.info().lungFirstSlice() >= 1 && c.info().lungLastSlice() <= 38);
        assertTwoLungs(componentSizes(c.label(), (c.info().lungFirstSlice() + c.info().lungLastSlice()) / 2));
    }

    @Test
    void invalidOptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PhantomOptions.forGrid(16, 64));
        assertThrows(IllegalArgumentException.class, () -> new PhantomOptions(256, 64, 0.5, 5, 10, 25, 0.6, 1, 0, 5, 5, 35,
                0.25, 0.5, -2048, true)); // 128 mm field of view cannot hold a chest
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withLesionCount(3, 2));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withNoiseSigma(-1, 5));
        assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withCircularFovProbability(1.5));
    }

    /** Two large components of similar size hold all but a few pixels (slivers cut off by vessels or ribs). */
    private static void assertTwoLungs(int[] sizes) {
        String text = Arrays.toString(sizes);
        assertTrue(sizes.length >= 2, text);
        assertTrue(sizes.length < 3 || sizes[2] <= 20, "a third large component: " + text);
        long total = Arrays.stream(sizes).sum();
        assertTrue(sizes[0] + sizes[1] >= 0.99 * total, text);
        assertTrue(sizes[1] > 0.5 * sizes[0], "lungs of very different size: " + text);
    }

    private static double[] meanHu(PhantomCase c, int labelValue) {
        float[] image = c.image().voxels();
        float[] label = c.label().voxels();
        double sum = 0;
        long n = 0;
        for (int i = 0; i < image.length; i++) {
            if (label[i] == labelValue) {
                sum += image[i];
                n++;
            }
        }
        return new double[] {sum / n, n};
    }

    /** Sizes of the 4-connected components of label > 0 in slice z, largest first. */
    private static int[] componentSizes(Volume label, int z) {
        int cols = label.cols();
        int rows = label.rows();
        float[] slice = label.slice(z);
        boolean[] seen = new boolean[slice.length];
        List<Integer> sizes = new ArrayList<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int start = 0; start < slice.length; start++) {
            if (slice[start] == 0 || seen[start]) {
                continue;
            }
            int size = 0;
            seen[start] = true;
            queue.add(start);
            while (!queue.isEmpty()) {
                int i = queue.poll();
                size++;
                int x = i % cols;
                int y = i / cols;
                int[] neighbours = {x > 0 ? i - 1 : -1, x < cols - 1 ? i + 1 : -1, y > 0 ? i - cols : -1, y < rows - 1 ? i + cols : -1};
                for (int j : neighbours) {
                    if (j >= 0 && !seen[j] && slice[j] != 0) {
                        seen[j] = true;
                        queue.add(j);
                    }
                }
            }
            sizes.add(size);
        }
        return sizes.stream().sorted((p, q) -> q - p).mapToInt(Integer::intValue).toArray();
    }
}
