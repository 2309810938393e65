# Sourced by the side-by-side scripts: Debian's PyTorch (python3-torch) for $PYTHON, and an optimised BLAS under it.
# python3-torch depends only on libblas3, the reference BLAS; on a machine where nothing else provides
# libblas.so.3, PyTorch's gemm-based ops (transposed convolutions, their gradients) run on it: measured 541 ms per
# 128x128 step instead of 198 with OpenBLAS (2026-11-28, AMD EPYC). libopenblas0-openmp registers OpenBLAS as the
# libblas.so.3 alternative (OpenMP threads, the OMP_NUM_THREADS PyTorch follows).
ensure_torch() {
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
        echo "python3-torch missing: installing it with apt-get" >&2
        $sudo apt-get update -q && $sudo apt-get install -y -q python3-torch
        "$PYTHON" -c 'import torch' || { echo "import torch still fails after apt-get" >&2; exit 1; }
    fi
    local blas
    blas="$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p')"
    case "$blas" in
        *openblas*|*mkl*|*blis*) ;;
        *)
            echo "libblas.so.3 is '${blas:-none}' (the reference BLAS): installing libopenblas0-openmp for PyTorch" >&2
            $sudo apt-get install -y -q libopenblas0-openmp || { $sudo apt-get update -q \
                && $sudo apt-get install -y -q libopenblas0-openmp; } \
                || { echo "could not install libopenblas0-openmp" >&2; exit 1; }
            ;;
    esac
}
