"""Reference: scikit-image 0.19 slic exactly as SemiCS2 calls it, mean fill, quantisation, timing.

For each DIR/NAME.u8 (512x512 uint8) writes NAME.sk.labels (int32, 0-based) and NAME.sk.um (uint8)
and prints the median single-thread CPU milliseconds (time.thread_time) of slic + mean fill + quantisation.
"""
import glob
import os
import sys
import time

import numpy as np
import skimage
from skimage import segmentation


def run(image, n_segments, tr):
    # SemiCS2 datalistgenerate.py run(), with n_segments and tr as parameters
    seg_map = segmentation.slic(image, n_segments=n_segments, compactness=10.)
    seg_map2 = np.zeros(seg_map.shape)
    for i in np.unique(seg_map):
        pos = np.where(seg_map == i)
        seg_map2[pos] = np.mean(image[pos])
    seg_map2 = np.array(seg_map2 / tr, dtype='int') * tr
    return seg_map, seg_map2


def main(d, n_segments, repeats):
    assert skimage.__version__.startswith('0.19'), skimage.__version__
    for path in sorted(glob.glob(os.path.join(d, '*.u8'))):
        name = os.path.basename(path)[:-3]
        g = np.fromfile(path, dtype=np.uint8).reshape(512, 512)
        rgb = np.array(np.expand_dims(g, 2).repeat(3, axis=2), dtype=np.uint8)
        times = []
        for _ in range(repeats):
            t0 = time.thread_time()
            labels, um = run(rgb, n_segments, 10)
            times.append((time.thread_time() - t0) * 1000)
        # timing only: the same recipe on a 256x256 version (every other pixel)
        rgb256 = np.ascontiguousarray(rgb[::2, ::2])
        times256 = []
        for _ in range(repeats):
            t0 = time.thread_time()
            run(rgb256, n_segments, 10)
            times256.append((time.thread_time() - t0) * 1000)
        (labels.astype(np.int32) - 1).tofile(os.path.join(d, name + '.sk.labels'))
        um.astype(np.uint8).tofile(os.path.join(d, name + '.sk.um'))
        print('%s skimage_ms %.1f segments %d skimage256_ms %.1f'
              % (name, float(np.median(times)), len(np.unique(labels)), float(np.median(times256))))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
