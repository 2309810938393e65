package org.umsynth.model.um;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class UnsupervisedMaskTest {

    @Test
    void umOfAChestSliceIsQuantisedPiecewiseConstantAndDeterministic() throws Exception {
        float[] hu = TestImages.chestHu(256, 11);
        UmParams p = UmParams.reference().withResolution(128);
        UnsupervisedMask.Result a = UnsupervisedMask.fromHu(hu, 256, 256, p);
        UnsupervisedMask.Result b = UnsupervisedMask.fromHu(hu.clone(), 256, 256, p);
        assertArrayEquals(a.um(), b.um());
        assertEquals(128 * 128, a.um().length);
        boolean lungLike = false, tissueLike = false;
        for (int i = 0; i < a.um().length; i++) {
            int v = a.um()[i] & 0xFF;
            assertEquals(0, v % 10, "not a multiple of tr: " + v);
            lungLike |= v == 100;                 // -850 HU -> 103.6 windowed -> 100
            tissueLike |= v >= 230 && v <= 240;  // fat -100 HU -> 223, muscle 40 HU -> 245.4
        }
        assertTrue(tissueLike, "soft tissue level missing");
        assertTrue(lungLike, "lung level missing");
        // superpixels are constant in the UM
        int[] sp = a.superpixels();
        int[] value = new int[a.segmentCount()];
        java.util.Arrays.fill(value, -1);
        for (int i = 0; i < sp.length; i++) {
            int v = a.um()[i] & 0xFF;
            if (value[sp[i]] < 0) value[sp[i]] = v;
            assertEquals(value[sp[i]], v);
        }
        UnsupervisedMask.Result coarse = UnsupervisedMask.fromHu(hu, 256, 256, p.withQuantStep(40));
        for (byte v : coarse.um()) assertEquals(0, (v & 0xFF) % 40);
    }

    @Test
    void meanFillEqualsTheSuperpixelMeanQuantised() throws Exception {
        byte[] g = TestImages.pattern(96, 96);
        UmParams p = UmParams.reference().withResolution(96).withNSegments(16).withUint8Input(true);
        UnsupervisedMask.Result r = UnsupervisedMask.fromUint8(g, 96, 96, p);
        long[] sum = new long[r.segmentCount()];
        long[] n = new long[r.segmentCount()];
        for (int i = 0; i < g.length; i++) { sum[r.superpixels()[i]] += g[i] & 0xFF; n[r.superpixels()[i]]++; }
        for (int i = 0; i < g.length; i++) {
            int k = r.superpixels()[i];
            assertEquals((int) ((double) sum[k] / n[k] / 10) * 10, r.um()[i] & 0xFF);
        }
    }

    @Test
    void quantiseIsFloorToMultiples() {
        assertEquals(0, UnsupervisedMask.quantise(9.999, 10));
        assertEquals(10, UnsupervisedMask.quantise(10.0, 10));
        assertEquals(250, UnsupervisedMask.quantise(255.0, 10));
        assertEquals(0, UnsupervisedMask.quantise(-3, 10));
        assertEquals(255, UnsupervisedMask.quantise(255.0, 1));
    }

    @Test
    void edgeMapOnAHandBuiltUm() {
        // 4x3 UM:  10 10 20 20
        //          10 10 20 20
        //          30 30 30 30
        byte[] um = {10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 30, 30};
        byte[] e = UnsupervisedMask.edges(um, 4, 3);
        assertArrayEquals(new byte[]{0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1}, e);
        byte[] flat = new byte[12];
        assertArrayEquals(new byte[12], UnsupervisedMask.edges(flat, 4, 3));
    }

    @Test
    void generatorInputIsChannelFirstInRange() {
        byte[] um = {0, 0, (byte) 250, (byte) 250, 0, 0, (byte) 250, (byte) 250};
        float[] in = UnsupervisedMask.generatorInput(um, 4, 2);
        assertEquals(16, in.length);
        assertEquals(-1f, in[0], 0f);
        assertEquals(250 / 127.5f - 1f, in[2], 1e-6f);
        assertArrayEquals(new float[]{0, 1, 1, 0, 0, 1, 1, 0}, java.util.Arrays.copyOfRange(in, 8, 16), 0f);
        for (int i = 0; i < 8; i++) assertTrue(in[i] >= -1f && in[i] <= 1f);
        byte[] full = new byte[4];
        java.util.Arrays.fill(full, (byte) 255);
        assertEquals(1f, UnsupervisedMask.generatorInput(full, 2, 2)[0], 0f);
    }

    @Test
    void windowMatchesTheReference() {
        assertEquals(0.0, HuWindow.window(-3000), 0);
        assertEquals(255.0, HuWindow.window(500), 0);
        assertEquals(79.6875, HuWindow.window(-1000), 1e-12);
        // the reference's uint8 cast truncates: -1000 HU -> 79 (not 80), 40 HU -> 245.4375 -> 245
        byte[] u = HuWindow.applyUint8Reference(new float[]{-1000f, 40f, 100f, -2000f});
        assertArrayEquals(new byte[]{79, (byte) 245, (byte) 255, 0}, u);
    }

    @Test
    void paramsDescribeIsCompactJson() {
        assertEquals("{\"algo\":\"slic-skimage0.19\",\"resolution\":256,\"n_segments\":128,\"compactness\":10,\"max_iter\":10,"
                + "\"tr\":10,\"min_size_factor\":0.5,\"max_size_factor\":3,\"mode\":\"four\",\"input\":\"float\",\"window\":[-1500,100],"
                + "\"slic_mode\":\"fast\"}",
                UmParams.reference().describe());
        assertTrue(UmParams.reference().withSlicMode(SlicMode.EXACT).describe().endsWith("\"slic_mode\":\"exact\"}"));
        assertEquals(SlicMode.EXACT, UmParams.referenceMontage().slicMode());
        assertThrows(IllegalArgumentException.class, () -> UmParams.reference().withQuantStep(0));
        assertEquals(512, UmParams.referenceMontage().nSegments());
    }
}
