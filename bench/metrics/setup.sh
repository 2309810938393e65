#!/usr/bin/env bash
# Installs the references for bench/metrics: Debian's scipy (Frechet distance via scipy.linalg.sqrtm, as
# pytorch-fid computes it) and, with --torch, Debian's torchvision (InceptionV3 images/s on CPU).
set -euo pipefail
need=(python3-scipy python3-numpy)
[[ "${1:-}" == "--torch" ]] && need+=(python3-torchvision)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if (( ${#missing[@]} )); then
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
/usr/bin/python3 -c 'import numpy, scipy; print("numpy", numpy.__version__, "scipy", scipy.__version__)'
