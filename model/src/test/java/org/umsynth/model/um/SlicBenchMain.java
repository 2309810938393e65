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
 * Bench driver for bench/slic/run.sh (not a test): for each DIR/NAME.u8 (512x512 uint8 windowed
 * slice) writes NAME.java.labels (int32 LE, 0-based) and NAME.java.um, and prints the median
 * single-thread CPU milliseconds (ThreadMXBean) of the UM (SLIC + mean fill + quantisation) after JIT warm-up.
 * Usage: SlicBenchMain DIR N_SEGMENTS REPEATS
 */
public final class SlicBenchMain {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    public static void main(String[] args) throws IOException, UnusableSliceException {
        Path dir = Path.of(args[0]);
        int nSegments = Integer.parseInt(args[1]);
        int repeats = Integer.parseInt(args[2]);
        int side = 512;
        UmParams params = UmParams.reference().withResolution(side).withNSegments(nSegments).withUint8Input(true);
        List<Path> inputs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.u8")) {
            ds.forEach(inputs::add);
        }
        inputs.sort(null);
        for (Path p : inputs) {
            byte[] grey = Files.readAllBytes(p);
            for (int i = 0; i < 20; i++) UnsupervisedMask.fromUint8(grey, side, side, params); // warm-up
            double[] ms = new double[repeats];
            UnsupervisedMask.Result r = null;
            for (int i = 0; i < repeats; i++) {
                long t0 = CPU.getCurrentThreadCpuTime();
                r = UnsupervisedMask.fromUint8(grey, side, side, params);
                ms[i] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            // float-path timing from HU-equivalent windowed floats at the default resolution 256
            float[] windowed = new float[grey.length];
            for (int i = 0; i < grey.length; i++) windowed[i] = grey[i] & 0xFF;
            float[] hu = new float[grey.length];
            for (int i = 0; i < grey.length; i++) hu[i] = (float) HuWindow.toHu(windowed[i] + 0.5);
            UmParams def = UmParams.reference();
            for (int i = 0; i < 20; i++) UnsupervisedMask.fromHu(hu, side, side, def);
            double[] ms256 = new double[repeats];
            for (int i = 0; i < repeats; i++) {
                long t0 = CPU.getCurrentThreadCpuTime();
                UnsupervisedMask.fromHu(hu, side, side, def);
                ms256[i] = (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
            }
            Arrays.sort(ms256);
            String name = p.getFileName().toString().replace(".u8", "");
            ByteBuffer bb = ByteBuffer.allocate(4 * r.superpixels().length).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : r.superpixels()) bb.putInt(v);
            Files.write(dir.resolve(name + ".java.labels"), bb.array());
            Files.write(dir.resolve(name + ".java.um"), r.um());
            System.out.printf("%s java_ms %.2f segments %d java_default256_ms %.2f%n",
                    name, ms[repeats / 2], r.segmentCount(), ms256[repeats / 2]);
        }
    }
}
