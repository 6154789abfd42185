#!/usr/bin/env bash
# Side-by-side performance table (README, "Performance"): Vignette against a plain Python pipeline in the
# same run, on generated 12 MP and 48 MP JPEGs (PNG/WebP/HEIC copies where ImageMagick/heif-enc exist),
# the flickr8k-1k photos (VIGNETTE_SHARED_DIR), and the 100,000 / 1,000,000-photo synthetic libraries of
# tests/benches/library.rs. Prints a Markdown table; raw outputs stay in $WORK.
#
# The Python pipeline is what a user would write: Pillow full decode + resize, onnxruntime 1.31.1 with
# batch 16 and 2 intra-op threads, the same preprocessing as the pack (shorter side to 224, centre crop,
# ImageNet mean/std). It is installed into a throwaway virtual environment under $WORK.
#
# Usage: tests/benches/compare.sh            (N12=100 N48=20 SKIP_1M=1 SKIP_GUI=1 to change the work)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
SHARED=${VIGNETTE_SHARED_DIR:-$ROOT/../shared}
WORK=${VIGNETTE_COMPARE_DIR:-${TMPDIR:-/tmp}/vignette-compare}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
N12=${N12:-100}
N48=${N48:-20}
mkdir -p "$WORK"
log() { echo "== $*" >&2; }

log "building the release binary and benchmarks"
cargo build --release --locked --bin vignette >&2
cargo bench --locked --bench library --bench make_jpegs --no-run >&2
BIN=$TARGET/release/vignette
MODEL=$ROOT/models/seed-effnet-minilm/image_encoder.onnx

[ -d "$WORK/jpeg12" ] || cargo bench --bench make_jpegs -- "$WORK/jpeg12" "$N12" 4000x3000 >&2
[ -d "$WORK/jpeg48" ] || cargo bench --bench make_jpegs -- "$WORK/jpeg48" "$N48" 8000x6000 >&2
SETS="jpeg12 jpeg48"
if command -v convert >/dev/null; then
    for fmt in png webp; do
        if [ ! -d "$WORK/$fmt" ]; then
            mkdir -p "$WORK/$fmt"
            for f in $(ls "$WORK/jpeg12" | head -20); do
                q=""; [ $fmt = webp ] && q="-quality 90"
                convert "$WORK/jpeg12/$f" $q "$WORK/$fmt/${f%.jpg}.$fmt"
            done
        fi
        SETS="$SETS $fmt"
    done
fi
if command -v heif-enc >/dev/null; then
    if [ ! -d "$WORK/heic" ]; then
        mkdir -p "$WORK/heic"
        for f in $(ls "$WORK/jpeg12" | head -20); do heif-enc -q 80 "$WORK/jpeg12/$f" -o "$WORK/heic/${f%.jpg}.heic" >/dev/null; done
    fi
    SETS="$SETS heic"
fi
if [ -d "$SHARED/datasets/flickr8k-1k/images" ]; then
    ln -sfn "$SHARED/datasets/flickr8k-1k/images" "$WORK/flickr"
    SETS="$SETS flickr"
fi

log "python pipeline (throwaway venv)"
if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q onnxruntime==1.31.1 pillow numpy >&2
fi
cat >"$WORK/pipeline.py" <<'EOF'
import sys, time, os
import numpy as np, onnxruntime as ort
from PIL import Image
folder, model = sys.argv[1], sys.argv[2]
opts = ort.SessionOptions(); opts.intra_op_num_threads = 2; opts.inter_op_num_threads = 1
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
mean = np.array([0.485, 0.456, 0.406], np.float32); std = np.array([0.229, 0.224, 0.225], np.float32)
def prep(path):
    im = Image.open(path).convert("RGB")
    w, h = im.size; s = 224 / min(w, h)
    im = im.resize((max(224, round(w * s)), max(224, round(h * s))), Image.BILINEAR)
    w, h = im.size; l, t = (w - 224) // 2, (h - 224) // 2
    a = (np.asarray(im.crop((l, t, l + 224, t + 224)), np.float32) / 255 - mean) / std
    return a.transpose(2, 0, 1)
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
t0 = time.perf_counter(); enc = 0.0
for i in range(0, len(files), 16):
    batch = np.stack([prep(f) for f in files[i:i + 16]])
    t = time.perf_counter(); sess.run(None, {"pixel_values": batch}); enc += time.perf_counter() - t
total = time.perf_counter() - t0
x = np.random.rand(16, 3, 224, 224).astype(np.float32); sess.run(None, {"pixel_values": x})
t = time.perf_counter(); reps = max(4, len(files) // 16)
for _ in range(reps): sess.run(None, {"pixel_values": x})
only = reps * 16 / (time.perf_counter() - t)
print(f"{len(files) / total:.1f} {only:.1f}")
EOF

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
echo
echo "| work | Vignette | reference in the same run |"
echo "|---|---|---|"
for set in $SETS; do
    n=$(ls "$WORK/$set/" | wc -l)
    data=$WORK/data-$set; rm -rf "$data"
    line=$(env -u VIGNETTE_PACK "$BIN" --data-dir "$data" index "$WORK/$set/" 2>&1 | grep throughput || true)
    e2e=$(echo "$line" | sed -E 's/.*: ([0-9.]+) photos\/s end to end.*/\1/')
    enc=$(echo "$line" | sed -E 's/.*, ([0-9.]+) photos\/s in the image encoder.*/\1/')
    # Pillow reads no HEIC: the Python column then says n/a.
    py_out=$("$WORK/venv/bin/python" "$WORK/pipeline.py" "$WORK/$set/" "$MODEL" 2>/dev/null || echo "n/a n/a")
    read -r py py_enc <<<"$py_out"
    bytes=$(du -sb "$data/indexes" | cut -f1)
    row "index $n × $set" "$e2e photos/s end to end ($enc/s in its encoder, $((bytes / n)) B/photo on disk)" \
        "Python: $py photos/s; onnxruntime encoder alone $py_enc/s"
done
for n in 100000 1000000; do
    [ $n = 1000000 ] && [ -n "${SKIP_1M:-}" ] && continue
    VIGNETTE_BENCH_REPORT=$n cargo bench --bench library >"$WORK/library-$n.txt" 2>/dev/null
    v() { grep "^$1 " "$WORK/library-$n.txt" | cut -d' ' -f2; }
    row "$n photos, trained head: start-up to searchable" "$(v startup_s) s, $(v rss_mb_after_start) MB resident (search process)" ""
    row "$n photos: keystroke (new prompt) to top 200" "p50 $(v keystroke_ms_p50) ms, p95 $(v keystroke_ms_p95) ms" \
        "re-rank of a seen prompt: p95 $(v rerank_ms_p95) ms"
    row "$n photos: index size" "$(v index_bytes_per_photo) B/photo" ""
done
if [ -z "${SKIP_GUI:-}" ] && command -v xvfb-run >/dev/null; then
    lib=$(grep '^data_dir ' "$WORK/library-100000.txt" | cut -d' ' -f2)
    pack=$(cat "$lib/built")
    VIGNETTE_DATA_DIR=$lib VIGNETTE_PACK=$pack xvfb-run -a "$BIN" >/dev/null 2>&1 &
    sleep 20
    pid=$(pgrep -n -f "^$BIN\$" || true)
    if [ -n "$pid" ]; then
        rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
        hwm=$(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status)
        kill "$pid"
        row "desktop app, 100000 photos with a head, 20 s after start" "$rss MB resident ($hwm MB peak)" ""
    fi
    wait || true
fi
