package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Scratch}: arrays at least as long as asked, reused per thread and slot, separate per thread. */
class ScratchTest {
    @Test
    void reusesPerSlotAndGrowsWhenAskedForMore() {
        float[] a = Scratch.floats(Scratch.COLUMN, 1000);
        assertTrue(a.length >= 1000);
        assertSame(a, Scratch.floats(Scratch.COLUMN, 10), "a shorter request reuses the array");
        assertNotSame(a, Scratch.floats(Scratch.IMAGE, 10), "another slot, another array");
        float[] b = Scratch.floats(Scratch.COLUMN, a.length + 1);
        assertTrue(b.length > a.length);
        assertSame(b, Scratch.floats(Scratch.COLUMN, 1000));

        float[][] p = Scratch.planes(Scratch.PLANES_OUT, 3, 50);
        assertTrue(p.length >= 3, "at least the planes asked for (the slot may hold more from earlier calls)");
        for (float[] plane : p) {
            assertTrue(plane.length >= 50);
        }
        assertSame(p, Scratch.planes(Scratch.PLANES_OUT, 2, 40));
        float[][] more = Scratch.planes(Scratch.PLANES_OUT, 5, 60);
        assertTrue(more.length >= 5 && more[4].length >= 60);
    }

    @Test
    void threadsHaveTheirOwnArrays() throws Exception {
        float[] mine = Scratch.floats(Scratch.OUT, 100);
        float[] theirs = CompletableFuture.supplyAsync(() -> Scratch.floats(Scratch.OUT, 100)).get();
        assertNotSame(mine, theirs);
        assertSame(mine, Scratch.floats(Scratch.OUT, 100));
    }

    @Test
    void offHeapMatricesOutliveTheWorkspaceTheyAreFirstAskedForIn() throws Exception {
        INDArray m;
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "scratch-test")) {
            m = Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, 5000);
            assertFalse(m.isAttached(), "detached: the workspace's memory is reused after it closes");
        }
        assertEquals(DataType.FLOAT, m.dataType());
        assertTrue(m.length() >= 5000);
        m.assign(2f); // still valid after the workspace closed
        assertEquals(2.0 * m.length(), m.sumNumber().doubleValue(), 1e-3);
        assertSame(m, Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, 100), "a shorter request reuses it");
        assertNotSame(m, Scratch.nativeFloats(Scratch.NATIVE_ROWS, 100), "another slot, another matrix");
        INDArray larger = Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, m.length() + 1);
        assertTrue(larger.length() > m.length());
        INDArray theirs = CompletableFuture.supplyAsync(() -> Scratch.nativeFloats(Scratch.NATIVE_COLUMNS, 10)).get();
        assertNotSame(larger, theirs, "per thread");
    }
}
