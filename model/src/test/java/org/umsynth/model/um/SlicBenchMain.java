package org.umsynth.model.um;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bench driver for bench/slic/run.sh (not a test). For each DIR/NAME.u8 (512x512 uint8 windowed
 * slice) and each SLIC mode (exact, fast) writes NAME.java-MODE.labels (int32 LE, 0-based) and
 * NAME.java-MODE.um, plus the default 256 path's labels NAME.java256-MODE.labels, and prints the
 * median single-thread CPU milliseconds (ThreadMXBean) of the UM (SLIC + mean fill + quantisation)
 * after JIT warm-up, the modes interleaved so that both see the same machine load.
 * Usage: SlicBenchMain DIR N_SEGMENTS REPEATS
 */
public final class SlicBenchMain {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final SlicMode[] MODES = {SlicMode.EXACT, SlicMode.FAST};

    public static void main(String[] args) throws IOException, UnusableSliceException {
        Path dir = Path.of(args[0]);
        int nSegments = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        int side = 512;
        List<Path> inputs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.u8")) {
            ds.forEach(inputs::add);
        }
        inputs.sort(null);
        for (Path p : inputs) {
            String name = p.getFileName().toString().replace(".u8", "");
            byte[] grey = Files.readAllBytes(p);
            // the default pipeline path from HU: window, anti-aliased resize to 256, float SLIC, fill
            float[] hu = new float[grey.length];
            for (int i = 0; i < grey.length; i++) hu[i] = (float) HuWindow.toHu((grey[i] & 0xFF) + 0.5);
            StringBuilder line = new StringBuilder(name);
            double[][] ms = new double[MODES.length][repeats];
            double[][] ms256 = new double[MODES.length][repeats];
            for (int m = 0; m < MODES.length; m++) {
                UmParams params = UmParams.reference().withResolution(side).withNSegments(nSegments).withUint8Input(true)
                        .withSlicMode(MODES[m]);
                UmParams def = UmParams.reference().withSlicMode(MODES[m]);
                for (int i = 0; i < 20; i++) {
                    UnsupervisedMask.fromUint8(grey, side, side, params);
                    UnsupervisedMask.fromHu(hu, side, side, def);
                }
                UnsupervisedMask.Result r = UnsupervisedMask.fromUint8(grey, side, side, params);
                writeLabels(dir.resolve(name + ".java-" + MODES[m].key() + ".labels"), r.superpixels());
                Files.write(dir.resolve(name + ".java-" + MODES[m].key() + ".um"), r.um());
                UnsupervisedMask.Result r256 = UnsupervisedMask.fromHu(hu, side, side, def);
                writeLabels(dir.resolve(name + ".java256-" + MODES[m].key() + ".labels"), r256.superpixels());
                Files.write(dir.resolve(name + ".java256-" + MODES[m].key() + ".um"), r256.um());
            }
            for (int i = 0; i < repeats; i++) {
                for (int m = 0; m < MODES.length; m++) {
                    UmParams params = UmParams.reference().withResolution(side).withNSegments(nSegments).withUint8Input(true)
                            .withSlicMode(MODES[m]);
                    long t0 = CPU.getCurrentThreadCpuTime();
                    UnsupervisedMask.fromUint8(grey, side, side, params);
                    ms[m][i] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
                    UmParams def = UmParams.reference().withSlicMode(MODES[m]);
                    t0 = CPU.getCurrentThreadCpuTime();
                    UnsupervisedMask.fromHu(hu, side, side, def);
                    ms256[m][i] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
                }
            }
            for (int m = 0; m < MODES.length; m++) {
                Arrays.sort(ms[m]);
                Arrays.sort(ms256[m]);
                line.append(String.format(" java_%s_ms %.2f java_default256_%s_ms %.2f", MODES[m].key(), ms[m][repeats / 2],
                        MODES[m].key(), ms256[m][repeats / 2]));
            }
            System.out.println(line);
        }
    }

    private static void writeLabels(Path path, int[] labels) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * labels.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : labels) bb.putInt(v);
        Files.write(path, bb.array());
    }
}
