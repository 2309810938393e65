#!/usr/bin/env bash
# Feature extraction images/s per thread count ($THREADS, default "1"; e.g. THREADS="1 2"): our InferenceNet (nsfwjs InceptionV3, DL4J/ND4J CPU) and torchvision's
# inception_v3 (Debian python3-torchvision), run alternately ROUNDS times so that both see the same machine load.
# Prints wall-clock and per-CPU-second rates (CPU seconds of the computing thread: not distorted by other jobs;
# with one OpenMP/OpenBLAS thread all arithmetic runs on it; ours also reports the whole JVM's CPU, JIT included).
# Usage: bench/metrics/features.sh [WORKDIR] [ROUNDS] [BATCH] [IMAGES] [RES...]; GRAPH=1 also times the old
# ComputationGraph import once (8 images); BASELINE=DIR (compiled classes of an older InferenceNet, put first on the
# class path) also times that one in each round, as dl4j-baseline, for before/after figures from the same run. Both sides get the same OMP/OpenBLAS thread count (torch.set_num_threads
# from OMP_NUM_THREADS) and OMP_WAIT_POLICY=PASSIVE. Needs the model cache (fetch_nsfwjs_inception.sh). Not run by CI.
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
THREADS=(${THREADS:-1})
export OMP_WAIT_POLICY=PASSIVE
OUT="$WORK/features.txt"
: > "$OUT"
echo "# $(date -u +%FT%TZ) $(nproc --all) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
threads() { export OMP_NUM_THREADS=$1 OPENBLAS_NUM_THREADS=$1 MKL_NUM_THREADS=$1; }
if [[ "${GRAPH:-0}" == 1 ]]; then
  threads 1
  java -cp "$CP" org.umsynth.model.features.FeatureBenchMain "$BATCH" 8 graph "${RES[@]}" 2>/dev/null | tee -a "$OUT"
fi
for ((i = 1; i <= ROUNDS; i++)); do
  for t in "${THREADS[@]}"; do
    threads "$t"
    if [[ -n "${BASELINE:-}" ]]; then
      java -Dbench.label=baseline -cp "$BASELINE:$CP" org.umsynth.model.features.FeatureBenchMain "$BATCH" "$IMAGES" fast "${RES[@]}" 2>/dev/null | tee -a "$OUT"
    fi
    java -cp "$CP" org.umsynth.model.features.FeatureBenchMain "$BATCH" "$IMAGES" fast "${RES[@]}" 2>/dev/null | tee -a "$OUT"
    /usr/bin/python3 "$HERE/torch_inception.py" "$BATCH" "$IMAGES" "${RES[@]}" | tee -a "$OUT"
  done
done
echo "# end $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"
# ratios (ours / torch) of the median rates per resolution
/usr/bin/python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) .*?r=(\d+) threads=(\S+) .*images=(\d+) .*images_per_s=([\d.]+) .*images_per_cpu_s=([\d.]+)", line)
    if m:
        p = re.search(r"process_cpu_seconds=([\d.]+)", line)
        per_process = int(m.group(4)) / float(p.group(1)) if p else 0.0
        rows.setdefault((m.group(1), int(m.group(2)), m.group(3)), []).append((float(m.group(5)), float(m.group(6)), per_process))
for r, t in sorted({(k[1], k[2]) for k in rows}):
    fast, torch = rows.get(("dl4j-fast", r, t)), rows.get(("torch", r, t))
    if not fast or not torch:
        continue
    med = lambda xs, i: statistics.median(x[i] for x in xs)
    fw, fc, fp = med(fast, 0), med(fast, 1), med(fast, 2)
    tw, tc, tp = med(torch, 0), med(torch, 1), med(torch, 2)
    print(f"r={r} threads={t}: ours {fw:.2f} img/s wall, {fc:.2f} per thread CPU-s, {fp:.2f} per process CPU-s; "
          f"torch {tw:.2f} wall, {tc:.2f} per thread CPU-s, {tp:.2f} per process CPU-s; "
          f"ours/torch {fw / tw:.2f} wall, {fc / tc:.2f} thread CPU, {fp / tp:.2f} process CPU")
    if ("dl4j-baseline", r, t) in rows:
        b = rows[("dl4j-baseline", r, t)]
        bw, bc, bp = med(b, 0), med(b, 1), med(b, 2)
        print(f"r={r} threads={t}: baseline {bw:.2f} img/s wall, {bc:.2f} per thread CPU-s, {bp:.2f} per process CPU-s; "
              f"baseline/torch {bw / tw:.2f} wall, {bc / tc:.2f} thread CPU, {bp / tp:.2f} process CPU")
    if ("dl4j-graph", r, "1") in rows and t == "1":
        gw, gc, _ = rows[("dl4j-graph", r, "1")][0]
        print(f"r={r}: previous ComputationGraph path {gw:.2f} img/s wall, {gc:.2f} img/CPU-s; InferenceNet speed-up {fc / gc:.1f}x (CPU)")
PY
