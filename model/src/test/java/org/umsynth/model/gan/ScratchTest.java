package org.umsynth.model.gan;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

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
}
