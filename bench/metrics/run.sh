#!/usr/bin/env bash
# Frechet distance at d=2048: org.umsynth.model.metrics.FrechetDistance vs scipy.linalg.sqrtm (pytorch-fid's
# formula) on the same float64 moments, one thread each, best of 3 runs each; also our previous eigenvalue path
# (LAPACK dsyevd) and per-stage times. Usage: bench/metrics/run.sh [WORKDIR]. Not run by CI.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-/tmp/umsynth-metrics-bench}"
D="${D:-2048}"
mkdir -p "$WORK"
bash "$HERE/setup.sh"
(cd "$ROOT" && mvn -B -q -o -pl model test-compile \
  && mvn -B -q -o -pl model dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP="$ROOT/model/target/classes:$ROOT/model/target/test-classes:$(cat "$WORK/cp.txt")"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
uptime | tee "$WORK/load_before.txt"
java -XX:ActiveProcessorCount=1 -cp "$CP" org.umsynth.model.metrics.FrechetBenchMain "$WORK" "$D" 3 2>/dev/null | tee "$WORK/timings.txt"
/usr/bin/python3 "$HERE/frechet_scipy.py" "$WORK" "$D" 3 | tee -a "$WORK/timings.txt"
uptime | tee -a "$WORK/timings.txt"
