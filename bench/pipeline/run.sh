#!/usr/bin/env bash
# Throughput and peak memory of the ingest and masks stages on local[1] vs local[2], on phantom CT
# volumes of clinical size. Not run by the tests. Usage:
#   bench/pipeline/run.sh [cases] [size] [slices]      (defaults: 16 cases of 512x512x128)
# Prints one line per run; the figures in bench/README.md come from it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cases="${1:-16}"; size="${2:-512}"; slices="${3:-128}"
work="${BENCH_WORK:-$repo/bench/out/pipeline}"
umsynth="$repo/submit-scripts/umsynth"
mkdir -p "$work"
(cd "$repo" && mvn -B -q package -DskipTests)

"$umsynth" phantom --cases "$cases" --seed 3 --out "$work/phantoms" \
  --set phantom.size="$size" --set phantom.slices="$slices" > "$work/phantom.log" 2>&1
du -sh "$work/phantoms/images" | sed 's/^/input: /'

measure() { # name master args...
  local name="$1" master="$2"; shift 2
  # local[N] runs pinned to N cores: an unpinned local[1] JVM still uses the other core for GC, JIT
  # and I/O threads, which hides the scaling (measured: masks 16.9 s unpinned vs 30.6 s pinned)
  local cores; cores=$(seq -s, 0 $(( ${master//[^0-9]/} - 1 )))
  /usr/bin/time -v -o "$work/$name.time" taskset -c "$cores" "$umsynth" "$@" --master "$master" > "$work/$name.log" 2>&1
  local rss_kb; rss_kb=$(grep "Maximum resident set size" "$work/$name.time" | awk '{print $NF}')
  local wall; wall=$(grep "Elapsed (wall clock)" "$work/$name.time" | awk '{print $NF}')
  echo "$name $master: $(grep -E '^(ingest|masks): [0-9]+ (volumes|cases)' "$work/$name.log") | JVM wall $wall, peak RSS $((rss_kb / 1024)) MiB"
}
for master in "local[1]" "local[2]"; do
  tag="${master//[^0-9]/}"
  measure "ingest-$tag" "$master" ingest --input "$work/phantoms/images" --labels "$work/phantoms/labels" \
    --data "$work/data-$tag" --overwrite
  measure "masks-$tag" "$master" masks --data "$work/data-$tag" --overwrite
done
