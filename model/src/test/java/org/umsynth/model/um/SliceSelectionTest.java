package org.umsynth.model.um;

import org.junit.jupiter.api.Test;
import org.umsynth.io.volume.Volume;

import static org.junit.jupiter.api.Assertions.*;

class SliceSelectionTest {

    private static Volume labelVolume(int slices, int first, int last) {
        int c = 16, r = 16;
        float[] v = new float[c * r * slices];
        for (int z = first; z <= last; z++) v[(z * r + 8) * c + 8] = (z == last ? 2 : 1); // a lesion-only last slice still counts
        return new Volume(c, r, slices, 1, 1, 2.5, v);
    }

    @Test
    void referenceArithmeticOnALabelVolume() {
        Volume label = labelVolume(120, 20, 101);
        Volume hu = new Volume(16, 16, 120, 1, 1, 2.5, new float[16 * 16 * 120]);
        SliceSelection s = SliceSelection.select(hu, label, SliceMode.FOUR);
        // zmin = int(20 + 81*0.1) = 28, zmax = int(101 - 8.1) = 92, gap = 64 // 4 = 16
        assertTrue(s.usable());
        assertEquals(28, s.zMin());
        assertEquals(92, s.zMax());
        assertArrayEquals(new int[]{28, 44, 60, 76}, s.indices());
        assertEquals("label", s.lungSource());
        SliceSelection all = SliceSelection.select(hu, label, SliceMode.ALL);
        assertEquals(65, all.indices().length);
        assertEquals(28, all.indices()[0]);
        assertEquals(92, all.indices()[64]);
    }

    @Test
    void tinyExtentRepeatsTheFirstSlice() {
        boolean[] has = new boolean[10];
        has[4] = has[6] = true;
        SliceSelection s = SliceSelection.fromExtent(has, SliceMode.FOUR, "label");
        // zmin = int(4.2) = 4, zmax = int(5.8) = 5, gap = 0
        assertArrayEquals(new int[]{4, 4, 4, 4}, s.indices());
    }

    @Test
    void noLungIsAClearUnusableResult() {
        Volume hu = new Volume(16, 16, 5, 1, 1, 1, new float[16 * 16 * 5]); // all water
        SliceSelection s = SliceSelection.select(hu, null, SliceMode.FOUR);
        assertFalse(s.usable());
        assertEquals(0, s.indices().length);
        assertTrue(s.unusableReason().startsWith("no lung found"));
    }

    @Test
    void huLungMaskFindsTwoLungsAndIgnoresOutsideAir() {
        int side = 128;
        float[] hu = TestImages.chestHu(side, 5);
        // spacing 2.7 mm: lungs (about 15x24 px) are ~2600 mm^2; a 5 px trachea ~ 570 px^2... keep it small: 3 px radius
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) {
            if ((x - 64) * (x - 64) + (y - 40) * (y - 40) <= 9) hu[y * side + x] = -1000;
        }
        boolean[] m = LungMask.ofSlice(hu, side, side, 2.7, 2.7);
        int left = 0, right = 0, outside = 0, trachea = 0;
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) {
            if (!m[y * side + x]) continue;
            if (TestImages.ell(x, y, 175 / 4.0, 250 / 4.0, 62 / 4.0, 95 / 4.0)) left++;
            else if (TestImages.ell(x, y, 337 / 4.0, 250 / 4.0, 62 / 4.0, 95 / 4.0)) right++;
            else if (!TestImages.ell(x, y, 64, 65, 52.5, 37.5)) outside++;
            if ((x - 64) * (x - 64) + (y - 40) * (y - 40) <= 9) trachea++;
        }
        assertTrue(left > 500 && right > 500, "lungs " + left + ", " + right);
        assertEquals(0, outside);
        assertEquals(0, trachea);
    }

    @Test
    void unlabelledVolumeUsesTheHuMask() {
        int side = 64, slices = 30;
        float[] v = new float[side * side * slices];
        java.util.Arrays.fill(v, -1000f);
        for (int z = 0; z < slices; z++) {
            float[] s = TestImages.chestHu(side, z);
            if (z < 5 || z > 24) { // no lungs outside [5, 24]: fill the lungs with tissue
                for (int i = 0; i < s.length; i++) {
                    int x = i % side, y = i / side;
                    if (TestImages.ell(x, y, 32, 32.5, 26, 18.75)) s[i] = 40;
                }
            }
            System.arraycopy(s, 0, v, z * side * side, s.length);
        }
        Volume hu = new Volume(side, side, slices, 5.4, 5.4, 5, v);
        SliceSelection s = SliceSelection.select(hu, null, SliceMode.FOUR);
        assertTrue(s.usable(), s.toString());
        assertEquals("hu-threshold", s.lungSource());
        // extent [5, 24]: zmin = int(5 + 1.9) = 6, zmax = int(24 - 1.9) = 22, gap 4
        assertArrayEquals(new int[]{6, 10, 14, 18}, s.indices());
    }

    @Test
    void caseMasksMakeOneUmPerChosenSliceAndQuarantineConstantOnes() {
        int side = 64, slices = 12;
        float[] v = new float[side * side * slices];
        float[] lab = new float[side * side * slices];
        for (int z = 0; z < slices; z++) {
            System.arraycopy(TestImages.chestHu(side, z), 0, v, z * side * side, side * side);
            lab[(z * side + 30) * side + 20] = 1;
        }
        java.util.Arrays.fill(v, 1 * side * side, 2 * side * side, -1000f); // slice 1: constant
        Volume hu = new Volume(side, side, slices, 5.4, 5.4, 5, v);
        Volume label = new Volume(side, side, slices, 5.4, 5.4, 5, lab);
        UmParams p = UmParams.reference().withResolution(64).withNSegments(16);
        // extent [0, 11]: zmin = int(1.1) = 1, zmax = int(9.9) = 9, gap 2 -> 1, 3, 5, 7
        CaseMasks four = CaseMasks.compute(hu, label, p);
        assertArrayEquals(new int[]{1, 3, 5, 7}, four.selection().indices());
        assertEquals(3, four.masks().size());
        assertEquals(1, four.unusableSlices().size());
        assertEquals(1, four.unusableSlices().get(0).sliceIndex());
        assertTrue(four.unusableSlices().get(0).reason().contains("constant"));
        assertNull(four.unusableReason());
        assertEquals(64 * 64, four.masks().get(0).um().length);

        CaseMasks montage = CaseMasks.compute(hu, label, p.withMode(SliceMode.MONTAGE).withResolution(128).withNSegments(64));
        assertEquals(1, montage.masks().size());
        assertEquals(128, montage.masks().get(0).width());
        assertArrayEquals(new int[]{1, 3, 5, 7}, montage.masks().get(0).sourceSlices());

        CaseMasks none = CaseMasks.compute(hu, new Volume(side, side, slices, 5.4, 5.4, 5, new float[lab.length]), p);
        assertTrue(none.unusableReason().startsWith("no lung found"));
    }

    @Test
    void montageLayoutIsRowMajor() {
        float[][] s = new float[4][];
        for (int k = 0; k < 4; k++) { s[k] = new float[4]; java.util.Arrays.fill(s[k], k); }
        float[] m = Montage.tile(s, 2, 2, 2);
        assertArrayEquals(new float[]{0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3}, m, 0f);
        assertArrayEquals(s[3], Montage.untile(m, 2, 3), 0f);
    }
}
