#!/usr/bin/env bash
# The GPU row of the performance table (README, "Performance"): index the same generated 12 MP JPEGs
# with ONNX Runtime's CPU and CUDA execution providers, one after the other on one machine, and print
# photos/s end to end and inside the image encoder for both. Never part of CI (no GPU there).
#
# Needs, by environment variable:
#   BIN          a release `vignette` binary (cargo build --release)
#   MAKE_JPEGS   the generator bench binary (cargo bench --bench make_jpegs --no-run prints its path)
#   ORT_GPU_DIR  libonnxruntime.so.1.31.1, libonnxruntime_providers_shared.so and
#                libonnxruntime_providers_cuda.so from the onnxruntime-gpu 1.31.1 wheel
#                (onnxruntime/capi/ inside it; pip download --no-deps onnxruntime-gpu==1.31.1)
#   CUDA_LIBS    optional: folders holding the CUDA 13 and cuDNN 9 libraries, colon-separated; by default
#                every nvidia/*/lib folder of a Python environment under /opt, /usr or $HOME (the layout
#                of the nvidia-* wheels that PyTorch installs)
# Usage: tests/benches/gpu.sh [N]   (N photos of 4000x3000, default 200; work folder $GPU_WORK)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200}
WORK=${GPU_WORK:-${TMPDIR:-/tmp}/vignette-gpu}
: "${BIN:?set BIN to a release vignette binary}" "${MAKE_JPEGS:?set MAKE_JPEGS}" "${ORT_GPU_DIR:?set ORT_GPU_DIR}"
mkdir -p "$WORK"

if [ -z "${CUDA_LIBS:-}" ]; then
    CUDA_LIBS=$(find /opt /usr "$HOME" -type d -path '*site-packages/nvidia/*/lib' 2>/dev/null | sort -u | paste -sd: -)
fi
export LD_LIBRARY_PATH="$ORT_GPU_DIR:$CUDA_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export ORT_DYLIB_PATH="$ORT_GPU_DIR/libonnxruntime.so.1.31.1"
gpu=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi")
echo "machine: $(nproc) cores, $gpu"

if [ ! -d "$WORK/jpeg12" ]; then
    # One generator per core, each with its own seeds (distinct photos).
    jobs=$(nproc); per=$(((N + jobs - 1) / jobs))
    for ((j = 0; j < jobs; j++)); do
        first=$((j * per)); count=$((N - first < per ? N - first : per))
        [ "$count" -gt 0 ] && "$MAKE_JPEGS" "$WORK/jpeg12" "$count" 4000x3000 90 "$first" >/dev/null &
    done
    wait
fi

run() {
    local provider=$1 data=$WORK/data-$1
    rm -rf "$data"
    "$BIN" -v --data-dir "$data" --pack models/seed-effnet-minilm --provider "$provider" index "$WORK/jpeg12/" \
        >"$WORK/$provider.log" 2>&1 || true
    local line used
    line=$(grep throughput "$WORK/$provider.log" || echo "failed: $(tail -3 "$WORK/$provider.log")")
    used=$(grep -o 'encoding on [A-Za-z]*' "$WORK/$provider.log" | head -1 || true)
    printf '| %s | %s | %s |\n' "$provider" "$used" "$line"
}
echo
echo "| provider asked | provider used | $N JPEGs of 4000x3000 |"
echo "|---|---|---|"
run cpu
run cuda

# The reference: ONNX Runtime's own Python binding (onnxruntime-gpu 1.31.1, PY_ORT on PYTHONPATH with its
# capi/ folder holding the same provider libraries) running the pack's image encoder on random input,
# no decoding, at a fixed batch of 16 and of 1: what the encoder alone can do on each provider.
if [ -n "${PY_ORT:-}" ]; then
    PYTHONPATH="$PY_ORT" python3 - models/seed-effnet-minilm/image_encoder.onnx <<'PY'
import sys, time
import numpy as np, onnxruntime as ort
model = sys.argv[1]
for prov in ["CPUExecutionProvider", "CUDAExecutionProvider"]:
    s = ort.InferenceSession(model, providers=[prov])
    name = s.get_inputs()[0].name
    for b in (16, 1):
        x = np.random.rand(b, 3, 224, 224).astype(np.float32)
        for _ in range(5):
            s.run(None, {name: x})
        reps = 40 if b == 16 else 200
        t = time.perf_counter()
        for _ in range(reps):
            s.run(None, {name: x})
        dt = (time.perf_counter() - t) / reps
        print(f"| encoder alone, {s.get_providers()[0]}, batch {b} | {b / dt:.0f} photos/s ({dt * 1000:.2f} ms a batch) |")
PY
fi
