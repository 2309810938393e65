"""Frechet distance on the moments FrechetBenchMain wrote, as pytorch-fid computes it
(scipy.linalg.sqrtm of sigma1 @ sigma2, offset retry, real part), and as an eigh-based check.
Usage: frechet_scipy.py WORKDIR D [REPEATS]; times are the best of REPEATS runs (as for ours).
If WORKDIR/timings.txt holds FrechetBenchMain's lines, prints ours vs scipy: speed ratio and agreement."""
import os, re, sys, time
import numpy as np
from scipy import linalg

def pytorch_fid(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)

def eigh_fid(mu1, s1, mu2, s2):
    w, v = np.linalg.eigh(s1)
    r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(r @ s2 @ r)
    return ((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(ev, 0, None)).sum()

def best_of(repeats, fn, *args):
    best, value = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter(); value = fn(*args); best = min(best, time.perf_counter() - t)
    return value, best

folder, d = sys.argv[1], int(sys.argv[2])
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
ours = {}
if os.path.exists(f"{folder}/timings.txt"):
    for line in open(f"{folder}/timings.txt"):
        m = re.match(r"java (\w+) d=\d+ n=\d+ fid=(\S+) .*seconds=(\S+)", line)
        if m:
            ours[m.group(1)] = (float(m.group(2)), float(m.group(3)))
for name in ["full", "deficient"]:
    load = lambda f: np.fromfile(f"{folder}/{name}_{f}.bin", dtype="<f8")
    mu1, s1, mu2, s2 = load("mu1"), load("s1").reshape(d, d), load("mu2"), load("s2").reshape(d, d)
    a, ta = best_of(repeats, pytorch_fid, mu1, s1, mu2, s2)
    b, tb = best_of(repeats, eigh_fid, mu1, s1, mu2, s2)
    print(f"scipy_sqrtm {name} d={d} fid={a:.12e} seconds={ta:.3f}")
    print(f"numpy_eigh {name} d={d} fid={b:.12e} seconds={tb:.3f}")
    if name in ours:
        fid, seconds = ours[name]
        print(f"summary {name}: ours {seconds:.3f} s, scipy sqrtm {ta:.3f} s -> {ta / seconds:.2f}x faster"
              f" (numpy eigh {tb:.3f} s -> {tb / seconds:.2f}x); relative difference vs scipy {abs(fid - a) / abs(a):.1e},"
              f" vs numpy eigh {abs(fid - b) / abs(b):.1e}")
