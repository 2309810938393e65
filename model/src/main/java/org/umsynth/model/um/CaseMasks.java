package org.umsynth.model.um;

import org.umsynth.io.volume.Volume;

import java.util.ArrayList;
import java.util.List;

/**
 * All UMs of one case, as the masks job stores them: slice selection (SPEC 3.2), then one UM per
 * chosen slice ({@link SliceMode#FOUR}, {@link SliceMode#ALL}) or one UM of the 2x2 montage
 * ({@link SliceMode#MONTAGE}, row {@code slice_index} = the first tile's slice, all four in
 * {@link SliceMask#sourceSlices()}). Slices that cannot be used are listed with their reason
 * instead of failing the case; a case without lung has {@link #unusableReason()}.
 *
 * @param selection      the slice selection
 * @param masks          the UMs made
 * @param unusableSlices slices skipped, with reasons
 */
public record CaseMasks(SliceSelection selection, List<SliceMask> masks, List<UnusableSlice> unusableSlices) {

    /** One UM: {@code width x height} unsigned bytes, row-major. */
    public record SliceMask(int sliceIndex, int[] sourceSlices, int width, int height, byte[] um) {}

    /** A chosen slice without UM, and why. */
    public record UnusableSlice(int sliceIndex, String reason) {}

    /** Null when the case produced at least one UM, else why not (for the quarantine table). */
    public String unusableReason() {
        if (!selection.usable()) return selection.unusableReason();
        if (masks.isEmpty()) {
            return "no usable slice: " + (unusableSlices.isEmpty() ? "none selected" : unusableSlices.get(0).reason());
        }
        return null;
    }

    /** Selects slices and computes their UMs; {@code label} may be null. */
    public static CaseMasks compute(Volume hu, Volume label, UmParams params) {
        SliceSelection selection = SliceSelection.select(hu, label, params.mode());
        List<SliceMask> masks = new ArrayList<>();
        List<UnusableSlice> unusable = new ArrayList<>();
        if (!selection.usable()) {
            return new CaseMasks(selection, masks, unusable);
        }
        int[] chosen = selection.indices();
        if (params.mode() == SliceMode.MONTAGE) {
            int tile = params.resolution() / 2;
            float[][] windowed = new float[4][];
            for (int i = 0; i < 4; i++) windowed[i] = HuWindow.apply(hu.slice(chosen[i]));
            float[] montage = Montage.tile(windowed, hu.cols(), hu.rows(), tile);
            try {
                UnsupervisedMask.Result r = UnsupervisedMask.fromWindowed(montage, 2 * tile, 2 * tile, params);
                masks.add(new SliceMask(chosen[0], chosen.clone(), r.width(), r.height(), r.um()));
            } catch (UnusableSliceException e) {
                unusable.add(new UnusableSlice(chosen[0], "montage: " + e.reason()));
            }
        } else {
            int previous = -1;
            for (int z : chosen) {
                if (z == previous) continue; // a tiny extent repeats a slice: one UM is enough
                previous = z;
                try {
                    UnsupervisedMask.Result r = UnsupervisedMask.fromHu(hu.slice(z), hu.cols(), hu.rows(), params);
                    masks.add(new SliceMask(z, new int[]{z}, r.width(), r.height(), r.um()));
                } catch (UnusableSliceException e) {
                    unusable.add(new UnusableSlice(z, e.reason()));
                }
            }
        }
        return new CaseMasks(selection, masks, unusable);
    }
}
