package org.umsynth.model.um;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class SlicTest {

    /**
     * Expected hashes from scikit-image 0.19.3 (Debian 12 python3-skimage):
     * <pre>
     * lab = segmentation.slic(np.repeat(g[:, :, None], 3, axis=2), n_segments=n, compactness=10.) - 1
     * hashlib.sha256(lab.astype('&lt;i4').tobytes()).hexdigest()
     * </pre>
     * with g the {@link TestImages#pattern} image (same integer formula in Python).
     */
    @Test
    void reproducesScikitImageLabelsExactly() throws Exception {
        assertSkimage(160, 128, 40, 39, "bb1781ef4fb22a309f7389aeb56559544f94a959ae2acd1aea66c9352a4e6958");
        assertSkimage(96, 96, 16, 16, "7d6137b990e5badc938e1f7de58f229f52a82a0f721f8c5484c2b6279904cc74");
    }

    private static void assertSkimage(int w, int h, int n, int expectedCount, String sha256) throws Exception {
        Slic.Segmentation s = Slic.segment(TestImages.pattern(w, h), w, h, n, 10.0, 10, 0.5, 3.0);
        assertEquals(expectedCount, s.segmentCount());
        ByteBuffer bb = ByteBuffer.allocate(4 * s.labels().length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : s.labels()) bb.putInt(v);
        assertEquals(sha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bb.array())));
    }

    @Test
    void gridMatchesScikitImageRegularGrid() {
        // SPEC 3.3: 121 seeds step 45 for n=128 on 512x512; 529 seeds step 45 for n=512 on 1024x1024
        Slic.Grid g = Slic.regularGrid(512, 512, 128);
        assertEquals(121, g.seeds());
        assertEquals(45, g.stepX());
        assertEquals(22, g.startX());
        Slic.Grid m = Slic.regularGrid(1024, 1024, 512);
        assertEquals(529, m.seeds());
        assertEquals(45, m.stepY());
        // the kernel's window step is re-derived from the seed count: round(sqrt(512*512/121)) = 47
        assertEquals(47, Slic.regularGrid(512, 512, 121).stepY());
    }

    @Test
    void lightnessIsTheNonLinearLStarOfTheSrgbGrey() {
        assertEquals(0.0, Slic.lightness(0.0), 1e-12);
        assertEquals(100.0, Slic.lightness(1.0), 1e-9);
        assertEquals(2.74173496, Slic.lightness(10 / 255.0), 1e-6); // skimage rgb2lab
        assertEquals(20.7877771, Slic.lightness(50 / 255.0), 1e-6);
        assertEquals(53.5850135, Slic.lightness(128 / 255.0), 1e-6);
    }

    @Test
    void segmentsOfAChestSliceAreConnectedAndNearTheTarget() throws Exception {
        int side = 256;
        float[] windowed = HuWindow.apply(TestImages.chestHu(side, 7));
        Slic.Segmentation s = Slic.segment(windowed, side, side, 128, 10.0, 10, 0.5, 3.0);
        // skimage itself lands 14-27% under n_segments on CT (144 seeds here, fragments merged by
        // connectivity enforcement: 93..110 for 128 on the bench's 512x512 slices, identical to ours),
        // so the band is asymmetric: at most 15% over, at most 25% under.
        assertTrue(s.segmentCount() >= 0.75 * 128 && s.segmentCount() <= 1.15 * 128, "segments " + s.segmentCount());
        assertTrue(s.segmentCount() <= s.seedCount());
        int[] labels = s.labels();
        // every label is one 4-connected piece: flood from its first pixel reaches all its pixels
        int[] size = new int[s.segmentCount()];
        for (int l : labels) size[l]++;
        boolean[] seen = new boolean[s.segmentCount()];
        int[] queue = new int[labels.length];
        boolean[] visited = new boolean[labels.length];
        for (int start = 0; start < labels.length; start++) {
            int l = labels[start];
            if (seen[l]) continue;
            seen[l] = true;
            int head = 0, tail = 0, reached = 0;
            queue[tail++] = start;
            visited[start] = true;
            while (head < tail) {
                int p = queue[head++];
                reached++;
                int y = p / side, x = p % side;
                int[] nb = {x + 1 < side ? p + 1 : -1, x > 0 ? p - 1 : -1, y + 1 < side ? p + side : -1, y > 0 ? p - side : -1};
                for (int q : nb) {
                    if (q >= 0 && !visited[q] && labels[q] == l) { visited[q] = true; queue[tail++] = q; }
                }
            }
            assertEquals(size[l], reached, "label " + l + " is not 4-connected");
            assertTrue(size[l] >= (int) (0.5 * side * side / s.seedCount()) || s.segmentCount() == 1, "label " + l + " below min size: " + size[l]);
        }
        for (boolean b : seen) assertTrue(b, "label numbering has a gap");
    }

    @Test
    void prunedAssignmentEqualsTheExhaustiveOne() throws Exception {
        float[] windowed = HuWindow.apply(TestImages.chestHu(256, 9));
        Slic.PRUNE = false;
        int[] exhaustive;
        try {
            exhaustive = Slic.segment(windowed, 256, 256, 128, 10.0, 10, 0.5, 3.0).labels();
        } finally {
            Slic.PRUNE = true;
        }
        assertArrayEquals(exhaustive, Slic.segment(windowed, 256, 256, 128, 10.0, 10, 0.5, 3.0).labels());
    }

    @Test
    void deterministic() throws Exception {
        float[] windowed = HuWindow.apply(TestImages.chestHu(128, 3));
        int[] a = Slic.segment(windowed, 128, 128, 64, 10.0, 10, 0.5, 3.0).labels();
        int[] b = Slic.segment(windowed.clone(), 128, 128, 64, 10.0, 10, 0.5, 3.0).labels();
        assertArrayEquals(a, b);
    }

    @Test
    void constantSliceIsUnusable() {
        UnusableSliceException e = assertThrows(UnusableSliceException.class,
                () -> Slic.segment(new byte[64 * 64], 64, 64, 16, 10.0, 10, 0.5, 3.0));
        assertTrue(e.reason().contains("constant"));
        float[] f = new float[64 * 64];
        java.util.Arrays.fill(f, 87.5f);
        assertThrows(UnusableSliceException.class, () -> Slic.segment(f, 64, 64, 16, 10.0, 10, 0.5, 3.0));
        float[] hu = new float[64 * 64];
        java.util.Arrays.fill(hu, -1000f);
        assertThrows(UnusableSliceException.class, () -> UnsupervisedMask.fromHu(hu, 64, 64, UmParams.reference().withResolution(64)));
    }
}
