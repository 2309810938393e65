"""Side-by-side metrics of our SLIC/UM (NAME.java.*) against scikit-image 0.19 (NAME.sk.*).

boundary recall (tolerance 2 px): fraction of reference boundary pixels with a boundary pixel of
the other segmentation within Chebyshev distance 2 (a 5x5 window), both directions. Boundary
pixel: a pixel whose right or lower neighbour has a different label (a one-pixel-thin boundary).
undersegmentation error (Neubert & Protzel 2012 corrected form): sum over reference segments of
sum over overlapping test segments of min(|in|, |out|), divided by N.
label agreement: adjusted Rand index, and the fraction of pixels whose label is identical
(meaningful here because both number labels in the same raster order).
"""
import sys

import numpy as np


def boundaries(lab):
    b = np.zeros(lab.shape, dtype=bool)
    b[:, :-1] |= lab[:, :-1] != lab[:, 1:]
    b[:-1, :] |= lab[:-1, :] != lab[1:, :]
    return b


def dilate(b, r):
    out = np.zeros_like(b)
    h, w = b.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            out[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] |= \
                b[max(0, -dy):h + min(0, -dy), max(0, -dx):w + min(0, -dx)]
    return out


def recall(ref, test, tol=2):
    rb, tb = boundaries(ref), boundaries(test)
    return float((rb & dilate(tb, tol)).sum() / max(1, rb.sum()))


def contingency(a, b):
    na, nb = a.max() + 1, b.max() + 1
    return np.bincount(a.ravel().astype(np.int64) * nb + b.ravel(), minlength=na * nb).reshape(na, nb)


def undersegmentation(ref, test):
    c = contingency(ref, test)
    size_t = c.sum(axis=0)
    err = 0
    for i in range(c.shape[0]):
        nz = np.nonzero(c[i])[0]
        err += np.minimum(c[i, nz], size_t[nz] - c[i, nz]).sum()
    return float(err / ref.size)


def adjusted_rand(a, b):
    c = contingency(a, b).astype(np.float64)
    comb = lambda x: x * (x - 1) / 2
    sum_ij = comb(c).sum()
    sa, sb = comb(c.sum(axis=1)).sum(), comb(c.sum(axis=0)).sum()
    n = comb(float(a.size))
    expected = sa * sb / n
    return float((sum_ij - expected) / (0.5 * (sa + sb) - expected))


def main(d, names, timings):
    t = {}
    for line in open(timings):
        f = line.split()
        t.setdefault(f[0], {}).update({f[i]: float(f[i + 1]) for i in range(1, len(f) - 1, 2)})
    print('| slice | segments skimage | segments ours | recall ours->sk | recall sk->ours | USE | ARI | identical labels | mean abs UM diff | UM identical | skimage ms | ours ms | speed-up | skimage ms at 256 | ours ms (default 256 float) | speed-up at 256 |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for n in names:
        sk = np.fromfile(f'{d}/{n}.sk.labels', dtype='<i4').reshape(512, 512)
        ja = np.fromfile(f'{d}/{n}.java.labels', dtype='<i4').reshape(512, 512)
        su = np.fromfile(f'{d}/{n}.sk.um', dtype=np.uint8).astype(int)
        ju = np.fromfile(f'{d}/{n}.java.um', dtype=np.uint8).astype(int)
        tk, tj = t[n]['skimage_ms'], t[n]['java_ms']
        print(f'| {n} | {len(np.unique(sk))} | {len(np.unique(ja))} | {recall(sk, ja):.4f} | {recall(ja, sk):.4f} | '
              f'{undersegmentation(sk, ja):.4f} | {adjusted_rand(sk, ja):.4f} | {np.mean(sk == ja):.4f} | '
              f'{np.abs(su - ju).mean():.3f} | {np.mean(su == ju):.4f} | {tk:.1f} | {tj:.1f} | {tk / tj:.1f}x | '
              f'{t[n]["skimage256_ms"]:.1f} | {t[n]["java_default256_ms"]:.1f} | '
              f'{t[n]["skimage256_ms"] / t[n]["java_default256_ms"]:.1f}x |')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[3:], sys.argv[2])
