package org.umsynth.model.gan;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the SIMD kernels ({@link VectorConvolution}) can run: JDK 17's Vector API is an incubator module, present
 * only when the JVM starts with {@code --add-modules jdk.incubator.vector} (the launchers, Spark's executor options
 * and the test JVMs pass it). Without it the classes that use it are never loaded and the scalar kernels run.
 * {@code -Dumsynth.simd=false} turns the kernels off (A/B runs).
 */
final class Simd {
    private static final Logger LOG = LoggerFactory.getLogger(Simd.class);
    private static final boolean AVAILABLE = detect();

    private Simd() {}

    static boolean available() {
        return AVAILABLE;
    }

    private static boolean detect() {
        if ("false".equals(System.getProperty("umsynth.simd"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.info("Vector API not in this JVM (start it with --add-modules jdk.incubator.vector): scalar kernels");
            return false;
        }
        try {
            LOG.debug("SIMD kernels on, {} float lanes", VectorConvolution.lanes());
            return true;
        } catch (LinkageError e) {
            LOG.warn("Vector API present but not usable ({}): scalar kernels", e.toString());
            return false;
        }
    }
}
