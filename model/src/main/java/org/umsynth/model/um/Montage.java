package org.umsynth.model.um;

import org.umsynth.model.image.Resize;

/**
 * The reference's 2x2 montage of 4 slices. Layout (our row-major canonical slices):
 * <pre>
 *   +----+----+
 *   | s0 | s1 |
 *   +----+----+
 *   | s2 | s3 |
 *   +----+----+
 * </pre>
 * SemiCS2 stacks nibabel arrays indexed [x, y] with {@code vstack(s0, s1)} / {@code vstack(s2, s3)}
 * then {@code hstack}, i.e. the same arrangement in its transposed (x-major) storage: s0 and s1 are
 * neighbours along the patient's x axis, s0 and s2 along y, as here.
 */
public final class Montage {
    private Montage() {}

    /** Tiles 4 float slices, each resized to {@code tile x tile}, into a {@code 2*tile} square. */
    public static float[] tile(float[][] slices, int cols, int rows, int tile) {
        if (slices.length != 4) throw new IllegalArgumentException("a montage needs 4 slices, got " + slices.length);
        int side = 2 * tile;
        float[] out = new float[side * side];
        for (int s = 0; s < 4; s++) {
            float[] t = (cols == tile && rows == tile) ? slices[s] : Resize.resize(slices[s], cols, rows, tile, tile);
            int oy = (s / 2) * tile, ox = (s % 2) * tile;
            for (int y = 0; y < tile; y++) {
                System.arraycopy(t, y * tile, out, (oy + y) * side + ox, tile);
            }
        }
        return out;
    }

    /** Tile {@code index} (0..3) cut back out of a montage of side {@code 2*tile}. */
    public static float[] untile(float[] montage, int tile, int index) {
        int side = 2 * tile;
        float[] out = new float[tile * tile];
        int oy = (index / 2) * tile, ox = (index % 2) * tile;
        for (int y = 0; y < tile; y++) {
            System.arraycopy(montage, (oy + y) * side + ox, out, y * tile, tile);
        }
        return out;
    }
}
