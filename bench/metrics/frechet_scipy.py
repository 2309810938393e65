"""Frechet distance on the moments FrechetBenchMain wrote, as pytorch-fid computes it
(scipy.linalg.sqrtm of sigma1 @ sigma2, offset retry, real part), and as an eigh-based check."""
import sys, time
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

folder, d = sys.argv[1], int(sys.argv[2])
for name in ["full", "deficient"]:
    load = lambda f: np.fromfile(f"{folder}/{name}_{f}.bin", dtype="<f8")
    mu1, s1, mu2, s2 = load("mu1"), load("s1").reshape(d, d), load("mu2"), load("s2").reshape(d, d)
    t = time.perf_counter(); a = pytorch_fid(mu1, s1, mu2, s2); ta = time.perf_counter() - t
    t = time.perf_counter(); b = eigh_fid(mu1, s1, mu2, s2); tb = time.perf_counter() - t
    print(f"scipy_sqrtm {name} d={d} fid={a:.12e} seconds={ta:.3f}")
    print(f"numpy_eigh {name} d={d} fid={b:.12e} seconds={tb:.3f}")
