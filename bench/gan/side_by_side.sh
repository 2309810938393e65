#!/usr/bin/env bash
# One alternating GAN training step of the demo profile, DL4J (GanStepBenchmarkTest#stepTimes) against the
# same networks in PyTorch on CPU (bench/gan/pytorch_gan_step.py), in one run, per thread count and
# resolution (64x64, 128x128). Prints a table of ms/step and the ratio DL4J/PyTorch.
#
#   bench/gan/side_by_side.sh                 # threads 1 and 2, 3 warm-up + 8 timed steps
#   THREADS="1" WARMUP=2 STEPS=5 bench/gan/side_by_side.sh
#   LAYERS=fast THREADS=1 bench/gan/side_by_side.sh   # only the default (fast) DL4J layers
#   PROFILE=onednn LAYERS="fast samediff" THREADS=1 bench/gan/side_by_side.sh   # ND4J's oneDNN (AVX2) build
#
# Run from anywhere inside the repository; Maven runs offline (-o). The raw output goes to $LOG.
set -euo pipefail  # pipefail: a failing mvn inside a pipe still stops the script

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
THREADS="${THREADS:-1 2}"
# DL4J layer sets: "fast" (the default FastConvolution / FastInstanceNorm / FastReflectionPad2D) and "stock"
# (GanProfile.stockLayers: DL4J's ConvolutionLayer and the SameDiff norm / padding layers)
# "samediff": GanProfile.sameDiffConvolutions (libnd4j's conv2d op: oneDNN in the oneDNN build), fast other layers
# "im2col": the fast layers with -Dumsynth.onednnConvolutions=off (im2col + OpenBLAS instead of oneDNN's convolutions)
LAYERS="${LAYERS:-stock fast}"
# PROFILE=onednn: Maven profile onednn (nd4j-native classifier linux-x86_64-onednn-avx2) and JavaCPP's matching
# platform extension, for the DL4J side; the default is ND4J's plain linux-x86_64 build
PROFILE="${PROFILE:-default}"
# NATIVE_CONV (umsynth.nativeConvolutions): auto (default: the 7x7 heads through libnd4j's conv2d ops in the oneDNN
# build only), on, off
NATIVE_CONV="${NATIVE_CONV:-auto}"
MVN_PROFILE=()
LABEL_SUFFIX=""
case "$PROFILE" in
    default) ;;
    onednn) MVN_PROFILE=(-Ponednn -Dorg.bytedeco.javacpp.platform.extension=-onednn-avx2); LABEL_SUFFIX="+onednn" ;;
    *) echo "PROFILE must be default or onednn, not $PROFILE" >&2; exit 1 ;;
esac
WARMUP="${WARMUP:-3}"
STEPS="${STEPS:-8}"
PYTHON="${PYTHON:-/usr/bin/python3}"
LOG="${LOG:-$(mktemp -t gan-side-by-side.XXXXXX.log)}"
# Spinning OpenMP threads (libgomp's default) lose whole time slices when the cores are shared: PyTorch at 2
# threads went from ~80 to 800-4800 ms/step on this machine under load. PASSIVE for both sides; override to compare.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# What this script installs: Debian's PyTorch if it is missing, and OpenBLAS under it if libblas.so.3 is the
# reference BLAS (bench/gan/ensure_torch.sh).
. "$ROOT/bench/gan/ensure_torch.sh"
ensure_torch
command -v mvn >/dev/null || { echo "mvn not found on PATH" >&2; exit 1; }

cd "$ROOT"
echo "log: $LOG" >&2
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    echo "OMP_WAIT_POLICY: $OMP_WAIT_POLICY"
    echo "ND4J build (PROFILE): $PROFILE, NATIVE_CONV: $NATIVE_CONV"
    echo "torch: $("$PYTHON" -c 'import torch; print(torch.__version__)')"
    echo "libblas.so.3: $(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
    echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$LOG"

echo "building model test classes (mvn -o -q -pl model test-compile)" >&2
# Maven's -q output ends in bare colour resets without a newline: strip them so the log stays line-clean
mvn -B -o -q -Dstyle.color=never -pl model test-compile 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >>"$LOG" \
    || { echo "model test-compile failed, see $LOG" >&2; exit 1; }

for t in $THREADS; do
    for layers in $LAYERS; do
        echo "DL4J ($layers layers), OMP_NUM_THREADS=$t" >&2
        stock=false; [ "$layers" = stock ] && stock=true
        samediff=false; [ "$layers" = samediff ] && samediff=true
        onednn=on; [ "$layers" = im2col ] && onednn=off
        # surefire:test runs the classes compiled above without another compile pass; the parent pom sets
        # OMP_NUM_THREADS=1 for every fork, so the thread count goes in as umsynth.bench.threads
        OMP_NUM_THREADS="$t" mvn -B -o -Dstyle.color=never "${MVN_PROFILE[@]}" -pl model surefire:test \
            -Dumsynth.bench=true -Dumsynth.bench.warmup="$WARMUP" -Dumsynth.bench.steps="$STEPS" \
            -Dumsynth.bench.threads="$t" \
            -Dumsynth.bench.stock="$stock" -Dumsynth.bench.sameDiff="$samediff" \
            -Dumsynth.nativeConvolutions="$NATIVE_CONV" -Dumsynth.onednnConvolutions="$onednn" \
            -Dtest='GanStepBenchmarkTest#stepTimes' -Dsurefire.failIfNoSpecifiedTests=false \
            > "$LOG.dl4j.$t" 2>&1 || { cat "$LOG.dl4j.$t" >>"$LOG"; echo "DL4J bench failed, see $LOG" >&2; exit 1; }
        if ! grep -q '^BENCH' "$LOG.dl4j.$t"; then
            cat "$LOG.dl4j.$t" >>"$LOG"; echo "DL4J bench printed no BENCH line (test skipped?), see $LOG" >&2; exit 1
        fi
        grep '^BENCH' "$LOG.dl4j.$t" | sed "s/^/threads=$t layers=$layers$LABEL_SUFFIX /" | tee -a "$LOG"
        rm -f "$LOG.dl4j.$t"
    done
    echo "PyTorch, OMP_NUM_THREADS=$t" >&2
    OMP_NUM_THREADS="$t" "$PYTHON" "$ROOT/bench/gan/pytorch_gan_step.py" --threads "$t" --warmup "$WARMUP" \
        --steps "$STEPS" --schedule dl4j | tee -a "$LOG"
    OMP_NUM_THREADS="$t" "$PYTHON" "$ROOT/bench/gan/pytorch_gan_step.py" --threads "$t" --warmup "$WARMUP" \
        --steps "$STEPS" --schedule torch | tee -a "$LOG"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"

echo
awk '
    /threads=[0-9]+ layers=[a-z0-9+]+ BENCH / {
        t = substr($1, 9); l = substr($2, 8); split($4, r, "x"); side = r[1]; k = t SUBSEP side SUBSEP l
        for (i = 1; i <= NF; i++) {
            if ($i == "median") dl[k] = $(i + 1)
            if ($i == "(min") { m = $(i + 1); sub(",", "", m); dlmin[k] = m }
            if ($i == "G.output") { v = $(i + 1); sub(",", "", v); ph[k] = v }
            if ($i == "D" && $(i + 1) == "fit") { v = $(i + 2); sub(",", "", v); ph[k] = ph[k] " / " v }
            if ($i == "combined") { v = $(i + 2); sub(";", "", v); ph[k] = ph[k] " / " v }
        }
        seen[t] = 1; kinds[l] = 1
    }
    /^TORCH / {
        for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        key = f["threads"] SUBSEP f["side"]
        if (f["schedule"] == "dl4j") {
            pt[key] = f["median_ms"]; ptmin[key] = f["min_ms"]; ptph[key] = f["g_ms"] " / " f["d_ms"] " / " f["gphase_ms"]
        }
        else ptidiom[key] = f["median_ms"]
        gp = f["g_params"]; dp = f["d_params"]
    }
    END {
        printf "G %s params, D %s params (PyTorch; the DL4J BENCH lines print theirs)\n", gp, dp
        print "| threads | resolution | DL4J layers | DL4J median (min) ms/step | PyTorch median (min) ms/step | DL4J / PyTorch (medians) | phases DL4J: G.output / D fit / combined fit (means) | phases PyTorch: G fwd / D update / G phase | PyTorch idiomatic step ms |"
        print "|---|---|---|---|---|---|---|---|---|"
        n = split("1 2 3 4 5 6 7 8", order, " ")
        for (ti = 1; ti <= n; ti++) {
            t = order[ti]; if (!(t in seen)) continue
            for (side = 64; side <= 128; side *= 2) {
                p = t SUBSEP side
                for (l in kinds) {
                    k = p SUBSEP l
                    if (!(k in dl)) continue
                    ratio = (pt[p] > 0) ? sprintf("%.2fx", dl[k] / pt[p]) : "n/a"
                    printf "| %s | %dx%d | %s | %s (%s) | %s (%s) | %s | %s | %s | %s |\n", t, side, side, l, dl[k], dlmin[k], pt[p], ptmin[p], ratio, ph[k], ptph[p], ptidiom[p]
                }
            }
        }
    }' "$LOG" | tee -a "$LOG"
