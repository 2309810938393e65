package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Whether this test JVM should have the Vector API: yes in the default surefire execution, no in model's
 * {@code without-vector-api} execution ({@code -Dumsynth.expectSimd=false}), which runs the fast-layer tests on the
 * scalar kernels a JVM without {@code --add-modules jdk.incubator.vector} falls back to.
 */
final class SimdExpectation {
    static final boolean EXPECTED = !"false".equals(System.getProperty("umsynth.expectSimd"));

    private SimdExpectation() {}

    /** Fails when the JVM's Vector API availability is not what this execution is for. */
    static void check() {
        assertEquals(EXPECTED, Simd.available(), EXPECTED
                ? "SIMD kernels unavailable: is --add-modules jdk.incubator.vector missing?"
                : "the Vector API is present in the execution meant to run without it");
    }
}
