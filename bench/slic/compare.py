"""Side-by-side metrics of our SLIC/UM, exact and fast (NAME.java-MODE.*), against scikit-image 0.19 (NAME.sk.*),
and of the fast default 256 path against the exact one (NAME.java256-MODE.*).

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


def load(d, n, kind, side=512):
    return np.fromfile(f'{d}/{n}.{kind}.labels', dtype='<i4').reshape(side, side)


def load_um(d, n, kind):
    return np.fromfile(f'{d}/{n}.{kind}.um', dtype=np.uint8).astype(int)


def agreement(ref, test, ref_um=None, test_um=None):
    """segments ref, segments test, ratio, recall ref boundaries found in test, the converse, USE, ARI."""
    cols = [len(np.unique(ref)), len(np.unique(test)), len(np.unique(test)) / len(np.unique(ref)),
            recall(ref, test), recall(test, ref), undersegmentation(ref, test), adjusted_rand(ref, test)]
    if ref_um is not None:
        cols += [float(np.abs(ref_um - test_um).mean()), float(np.mean(ref_um == test_um))]
    return cols


def main(d, names, timings):
    t = {}
    for line in open(timings):
        f = line.split()
        t.setdefault(f[0], {}).update({f[i]: float(f[i + 1]) for i in range(1, len(f) - 1, 2)})
    ok = True

    print('### Exact mode against scikit-image 0.19.3 (512x512, uint8, n_segments 128)')
    print()
    print('| slice | segments skimage | segments exact | recall sk in exact | recall exact in sk | USE | ARI | identical labels | mean abs UM diff | UM identical |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for n in names:
        sk, ex = load(d, n, 'sk'), load(d, n, 'java-exact')
        c = agreement(sk, ex, load_um(d, n, 'sk'), load_um(d, n, 'java-exact'))
        print(f'| {n} | {c[0]} | {c[1]} | {c[3]:.4f} | {c[4]:.4f} | {c[5]:.4f} | {c[6]:.4f} | {np.mean(sk == ex):.4f} | '
              f'{c[7]:.3f} | {c[8]:.4f} |')

    print()
    print('### Fast mode against scikit-image 0.19.3 (512x512, uint8, n_segments 128); speed, one thread')
    print()
    print('| slice | segments skimage | segments fast | count ratio | recall sk in fast | recall fast in sk | USE | ARI | '
          'mean abs UM diff | UM identical | skimage ms | exact ms | fast ms | speed-up exact | speed-up fast |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for n in names:
        sk, fa = load(d, n, 'sk'), load(d, n, 'java-fast')
        c = agreement(sk, fa, load_um(d, n, 'sk'), load_um(d, n, 'java-fast'))
        tk, te, tf = t[n]['skimage_ms'], t[n]['java_exact_ms'], t[n]['java_fast_ms']
        ok &= abs(c[2] - 1) <= 0.1 and c[3] >= 0.9 and c[4] >= 0.9
        print(f'| {n} | {c[0]} | {c[1]} | {c[2]:.3f} | {c[3]:.4f} | {c[4]:.4f} | {c[5]:.4f} | {c[6]:.4f} | {c[7]:.3f} | '
              f'{c[8]:.4f} | {tk:.1f} | {te:.1f} | {tf:.1f} | {tk / te:.1f}x | {tk / tf:.1f}x |')

    print()
    print('### Default path (HU 512 -> window -> anti-aliased resize to 256 -> float SLIC -> fill): fast against exact')
    print()
    print('| slice | segments exact | segments fast | count ratio | recall exact in fast | recall fast in exact | USE | ARI | '
          'mean abs UM diff | UM identical | skimage ms at 256 | exact ms | fast ms | speed-up exact | speed-up fast |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
    for n in names:
        ex, fa = load(d, n, 'java256-exact', 256), load(d, n, 'java256-fast', 256)
        c = agreement(ex, fa, load_um(d, n, 'java256-exact'), load_um(d, n, 'java256-fast'))
        tk, te, tf = t[n]['skimage256_ms'], t[n]['java_default256_exact_ms'], t[n]['java_default256_fast_ms']
        ok &= abs(c[2] - 1) <= 0.1 and c[3] >= 0.9 and c[4] >= 0.9
        print(f'| {n} | {c[0]} | {c[1]} | {c[2]:.3f} | {c[3]:.4f} | {c[4]:.4f} | {c[5]:.4f} | {c[6]:.4f} | {c[7]:.3f} | '
              f'{c[8]:.4f} | {tk:.1f} | {te:.1f} | {tf:.1f} | {tk / te:.1f}x | {tk / tf:.1f}x |')
    print()
    print('fast mode fidelity targets (count within 10%, recall >= 0.9 both ways) on every row above: '
          + ('MET' if ok else 'NOT MET'))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[3:], sys.argv[2])
