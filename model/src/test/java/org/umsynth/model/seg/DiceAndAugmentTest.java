package org.umsynth.model.seg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DiceAndAugmentTest {

    @Test
    void diceOnHandMadeMasks() {
        // 4x4; truth lung = top two rows (8 px), lesion = pixel 15; prediction lung = first 3 rows minus 2 px
        byte[] truth = new byte[16];
        byte[] pred = new byte[16];
        for (int i = 0; i < 8; i++) {
            truth[i] = 1;
        }
        truth[15] = 2;
        for (int i = 0; i < 12; i++) {
            pred[i] = 1;
        }
        pred[0] = 0;
        pred[1] = 0;
        long[] c = DiceScores.counts(pred, truth, 3);
        // lung: |P & T| = 6, |P| = 10, |T| = 8 -> 12 / 18
        assertArrayEquals(new long[]{6, 10, 8, 0, 0, 1}, c);
        assertEquals(12.0 / 18.0, DiceScores.dice(c, 1), 1e-15);
        assertEquals(0.0, DiceScores.dice(c, 2), 1e-15, "lesion missed");

        // a second slice of the case: perfect lung, lesion predicted where there is none
        byte[] truth2 = new byte[16];
        byte[] pred2 = new byte[16];
        truth2[0] = 1;
        pred2[0] = 1;
        pred2[5] = 2;
        long[] sum = DiceScores.add(c, DiceScores.counts(pred2, truth2, 3));
        assertEquals(14.0 / 20.0, DiceScores.dice(sum, 1), 1e-15, "volume Dice over the case's slices");
        assertEquals(0.0, DiceScores.dice(sum, 2), 1e-15);

        // both empty: Dice 1 (BraTS convention)
        long[] empty = DiceScores.counts(new byte[16], new byte[16], 3);
        assertEquals(1.0, DiceScores.dice(empty, 1));
        assertEquals(1.0, DiceScores.dice(empty, 2));
        assertThrows(IllegalArgumentException.class, () -> DiceScores.counts(new byte[3], new byte[4], 3));
    }

    @Test
    void augmentationIsSeededAndMovesImageAndLabelTogether() {
        int n = 8;
        float[] img = new float[n * n];
        byte[] lab = new byte[n * n];
        for (int i = 0; i < img.length; i++) {
            img[i] = i / 64f;
            lab[i] = (byte) (i % 3);
        }
        SegSample s = new SegSample("c", 0, n, img, lab);
        assertEquals(SegAugment.draw(42, 2), SegAugment.draw(42, 2));
        SegAugment.Transform t = new SegAugment.Transform(true, 1, -2);
        SegSample a = SegAugment.apply(s, t);
        // output (x, y) comes from input (n-1-(x-dx), y-dy)
        int x = 3;
        int y = 4;
        int src = (y + 2) * n + (n - 1 - (x - 1));
        assertEquals(img[src], a.image()[y * n + x]);
        assertEquals(lab[src], a.label()[y * n + x]);
        assertEquals(-1f, a.image()[7 * n + 3], "uncovered rows are air");
        assertEquals(0, a.label()[7 * n + 3]);
        assertEquals(-1f, a.image()[2 * n], "uncovered column");
        assertEquals(s, SegAugment.apply(s, new SegAugment.Transform(false, 0, 0)));
        int flips = 0;
        for (long seed = 0; seed < 200; seed++) {
            SegAugment.Transform d = SegAugment.draw(seed, 2);
            flips += d.flip() ? 1 : 0;
            assertEquals(true, Math.abs(d.dx()) <= 2 && Math.abs(d.dy()) <= 2);
        }
        assertNotEquals(0, flips);
        assertEquals(100, flips, 25);
    }

    @Test
    void samplesFromHuWindowAndResize() {
        float[] hu = new float[16 * 16];
        java.util.Arrays.fill(hu, -1500f);
        hu[0] = 100f;
        byte[] label = new byte[16 * 16];
        label[17] = 2;
        SegSample s = SegSample.fromHu("c", 3, hu, label, 16, 16, 16, 3, "case c slice 3");
        assertEquals(-1f, s.image()[1], 1e-6);
        assertEquals(1f, s.image()[0], 1e-6);
        assertEquals(2, s.label()[17]);
        SegSample half = SegSample.fromHu("c", 3, hu, label, 16, 16, 8, 3, "case c slice 3");
        assertEquals(64, half.image().length);
        label[3] = 5;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SegSample.fromHu("c", 3, hu, label, 16, 16, 16, 3, "case c slice 3"));
        assertEquals("case c slice 3: label value 5 outside the 3 classes", e.getMessage());
    }
}
