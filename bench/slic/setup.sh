#!/usr/bin/env bash
# Installs the reference (Debian 12's scikit-image 0.19.3) and the DICOM decoder used by the SLIC bench.
set -euo pipefail
if ! /usr/bin/python3 -c 'import skimage, pydicom, numpy' 2>/dev/null; then
  apt-get update -q
  apt-get install -y -q python3-skimage python3-pydicom python3-numpy
fi
/usr/bin/python3 -c 'import skimage, pydicom, numpy; print("skimage", skimage.__version__, "pydicom", pydicom.__version__, "numpy", numpy.__version__)'
