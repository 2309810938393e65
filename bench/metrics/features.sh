#!/usr/bin/env bash
# Feature extraction images/s, one thread: our InferenceNet (nsfwjs InceptionV3, DL4J/ND4J CPU) and torchvision's
# inception_v3 (Debian python3-torchvision), run alternately ROUNDS times so that both see the same machine load.
# Prints wall-clock and per-CPU-second rates (CPU seconds of the computing thread: not distorted by other jobs;
# with one OpenMP/OpenBLAS thread all arithmetic runs on it; ours also reports the whole JVM's CPU, JIT included).
# Usage: bench/metrics/features.sh [WORKDIR] [ROUNDS] [BATCH] [IMAGES] [RES...]; GRAPH=1 also times the old
# ComputationGraph import once (8 images). Needs the model cache (fetch_nsfwjs_inception.sh). Not run by CI.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-/tmp/umsynth-feature-bench}"
ROUNDS="${2:-3}"
BATCH="${3:-8}"
IMAGES="${4:-32}"
shift $(( $# < 4 ? $# : 4 ))
RES=("$@")
(( ${#RES[@]} )) || RES=(128 299)
mkdir -p "$WORK"
bash "$HERE/setup.sh" --torch >/dev/null
(cd "$ROOT" && mvn -B -q -o -pl model test-compile \
  && mvn -B -q -o -pl model dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >/dev/null)
CP="$ROOT/model/target/classes:$ROOT/model/target/test-classes:$(cat "$WORK/cp.txt")"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
OUT="$WORK/features.txt"
: > "$OUT"
echo "# $(date -u +%FT%TZ) $(nproc --all) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
if [[ "${GRAPH:-0}" == 1 ]]; then
  java -cp "$CP" org.umsynth.model.features.FeatureBenchMain "$BATCH" 8 graph "${RES[@]}" 2>/dev/null | tee -a "$OUT"
fi
for ((i = 1; i <= ROUNDS; i++)); do
  java -cp "$CP" org.umsynth.model.features.FeatureBenchMain "$BATCH" "$IMAGES" fast "${RES[@]}" 2>/dev/null | tee -a "$OUT"
  /usr/bin/python3 "$HERE/torch_inception.py" "$BATCH" "$IMAGES" "${RES[@]}" | tee -a "$OUT"
done
echo "# end $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
# ratios (ours / torch) of the median rates per resolution
/usr/bin/python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) .*?r=(\d+) .*images=(\d+) .*images_per_s=([\d.]+) .*images_per_cpu_s=([\d.]+)", line)
    if m:
        who = "torch" if m.group(1) == "torch" else m.group(1)
        p = re.search(r"process_cpu_seconds=([\d.]+)", line)
        per_process = int(m.group(3)) / float(p.group(1)) if p else 0.0
        rows.setdefault((who, int(m.group(2))), []).append((float(m.group(4)), float(m.group(5)), per_process))
for r in sorted({k[1] for k in rows}):
    fast, torch = rows.get(("dl4j-fast", r)), rows.get(("torch", r))
    if not fast or not torch:
        continue
    fw, fc = statistics.median(x[0] for x in fast), statistics.median(x[1] for x in fast)
    fp = statistics.median(x[2] for x in fast if x[2])
    tw, tc = statistics.median(x[0] for x in torch), statistics.median(x[1] for x in torch)
    print(f"r={r}: ours {fw:.2f} img/s wall, {fc:.2f} img/CPU-s ({fp:.2f} per process CPU-s, JIT included); "
          f"torch {tw:.2f} wall, {tc:.2f} per CPU-s; ours/torch {fw / tw:.2f} (wall), {fc / tc:.2f} (CPU)")
    if ("dl4j-graph", r) in rows:
        gw, gc, _ = rows[("dl4j-graph", r)][0]
        print(f"r={r}: previous ComputationGraph path {gw:.2f} img/s wall, {gc:.2f} img/CPU-s; InferenceNet speed-up {fc / gc:.1f}x (CPU)")
PY
