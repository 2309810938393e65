#!/usr/bin/env bash
# The one-thread GAN step of bench/gan/side_by_side.sh, DL4J and PyTorch run AT THE SAME TIME, each pinned to its own
# core (then the cores swapped), so both sides see the same machine: on a shared VM the speed of a core moves by
# ~25% within minutes, more than the difference being measured, and sequential runs put that drift into the ratio.
# Running together, both also share the last-level cache and the memory bandwidth: absolute times are slower than
# alone; the ratio is the figure. Needs 2 cores and taskset.
#
#   bench/gan/side_by_side_concurrent.sh                   # 64x64 and 128x128, 4 rounds (2 per core assignment)
# The warm-up is long (600 steps) on purpose: pinned to one core, the JVM's JIT compiler shares that core with the
# step (C2 still took ~13% of a core 25 s into an unpinned run), where unpinned it works on the other core. With
# oneDNN's convolutions a 64x64 step takes ~35 ms: after 150 warm-up steps (the old default) the pinned median was
# 65-75 ms with a minimum of 36, after 800 it was 35 (2026-11-28).
#   ROUNDS=2 SIDES=64 STEPS=40 bench/gan/side_by_side_concurrent.sh
#   DL4J_OPTS=-Dumsynth.onednnConvolutions=off bench/gan/side_by_side_concurrent.sh   # im2col + OpenBLAS convolutions
#
# Prints per round the DL4J and PyTorch medians and their ratio, then the median ratio per resolution.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIDES="${SIDES:-64 128}"
ROUNDS="${ROUNDS:-4}"
WARMUP="${WARMUP:-600}"
STEPS="${STEPS:-60}"
DL4J_OPTS="${DL4J_OPTS:-}" # more -D options for the DL4J side's surefire run
PYTHON="${PYTHON:-/usr/bin/python3}"
LOG="${LOG:-$(mktemp -t gan-concurrent.XXXXXX.log)}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

[ "$(nproc)" -ge 2 ] || { echo "needs 2 cores, this machine has $(nproc)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset (util-linux) not found" >&2; exit 1; }
. "$ROOT/bench/gan/ensure_torch.sh"
ensure_torch # Debian's PyTorch, with OpenBLAS as its BLAS

cd "$ROOT"
echo "log: $LOG" >&2
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "DL4J_OPTS: ${DL4J_OPTS:-none}"
    echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)'), warmup $WARMUP, steps $STEPS"
    echo "libblas.so.3: $(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
} | tee "$LOG"
mvn -B -o -q -Dstyle.color=never -pl model test-compile 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >>"$LOG" \
    || { echo "model test-compile failed, see $LOG" >&2; exit 1; }

dl4j() { # core side: the whole Maven output (the median is read from it after the run)
    taskset -c "$1" env OMP_NUM_THREADS=1 mvn -B -o -Dstyle.color=never -pl model surefire:test \
        -Dumsynth.bench=true -Dumsynth.bench.warmup="$WARMUP" -Dumsynth.bench.steps="$STEPS" \
        -Dumsynth.bench.threads=1 -Dumsynth.bench.sides="$2" \
        -Dtest='GanStepBenchmarkTest#stepTimes' -Dsurefire.failIfNoSpecifiedTests=false $DL4J_OPTS 2>&1
}
torch() { # core side
    taskset -c "$1" env OMP_NUM_THREADS=1 "$PYTHON" "$ROOT/bench/gan/pytorch_gan_step.py" --threads 1 \
        --warmup "$WARMUP" --steps "$STEPS" --sides "$2" --schedule dl4j | sed -E 's/.*median_ms=([0-9.]+) .*/\1/'
}

for side in $SIDES; do
    for round in $(seq "$ROUNDS"); do
        dcore=$(( round % 2 )); tcore=$(( 1 - dcore ))
        dl4j "$dcore" "$side" > "$LOG.d" & dpid=$!
        # PyTorch starts when the test JVM does (Maven and the fork take seconds), so the timed steps overlap
        for _ in $(seq 600); do grep -q 'Running org.umsynth' "$LOG.d" && break; sleep 0.1; done
        torch "$tcore" "$side" > "$LOG.t" & tpid=$!
        wait "$dpid" "$tpid"
        d=$(grep '^BENCH' "$LOG.d" | sed -E 's/.*median ([0-9.]+) ms\/step.*/\1/'); t=$(cat "$LOG.t")
        [ -n "$d" ] && [ -n "$t" ] || { echo "a side printed no median (side $side round $round), see $LOG" >&2; exit 1; }
        echo "ROUND side=$side round=$round dl4j_core=$dcore dl4j_ms=$d torch_core=$tcore torch_ms=$t ratio=$(awk -v a="$d" -v b="$t" 'BEGIN { printf "%.3f", a / b }')" \
            | tee -a "$LOG"
    done
done
rm -f "$LOG.d" "$LOG.t"
awk '/^ROUND / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        n[f["side"]]++; r[f["side"], n[f["side"]]] = f["ratio"]
    }
    END {
        print "| resolution | rounds | DL4J / PyTorch per round (concurrent, pinned) | median |"
        print "|---|---|---|---|"
        for (s in n) {
            m = n[s]; list = ""
            for (i = 1; i <= m; i++) { v[i] = r[s, i]; list = list (i > 1 ? ", " : "") r[s, i] }
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
            med = (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
            printf "| %sx%s | %d | %s | %.2fx |\n", s, s, m, list, med
        }
    }' "$LOG" | tee -a "$LOG"
