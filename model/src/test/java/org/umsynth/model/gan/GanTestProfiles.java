package org.umsynth.model.gan;

/** Tiny profiles for fast tests. */
final class GanTestProfiles {
    private GanTestProfiles() {}

    /** 32x32, ngf/ndf 4, 2 downsamplings, 1 residual block, 3 PatchGAN layers on 2 scales. */
    static GanProfile micro() {
        return GanProfile.demo().withResolution(32).withSizes(4, 4, 2, 1);
    }
}
