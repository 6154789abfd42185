#!/usr/bin/env bash
# Build the .deb, list and check its contents, unpack it with `dpkg -x` into a scratch root and run
# `<root>/usr/bin/vignette --data-dir <tmp> info` from there: it must find the bundled ONNX Runtime and
# default pack inside the scratch root (not the source tree, the shared folder or the user's cache).
#
# Slow: a cold release build is ~15+ min on 2 cores. Use CARGO_TARGET_DIR=/work/target-release to reuse
# an existing release build. Set SKIP_BUILD=1 to check the newest .deb already built.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
target="${CARGO_TARGET_DIR:-$PWD/target}"
t0=$(date +%s)
if [ -z "${SKIP_BUILD:-}" ]; then
  packaging/build-deb.sh
fi
t1=$(date +%s)
deb=$(ls -t "$target"/debian/vignette_*.deb | head -1)
echo "== $deb ($(du -h "$deb" | cut -f1)), built in $((t1 - t0)) s"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
# HEIC/AVIF decoding loads libheif at run time, so the package must pull it in.
dpkg-deb -f "$deb" Depends | grep -q 'libheif1' || { echo "Depends lacks libheif1" >&2; exit 1; }

echo "== contents"
list=$(dpkg-deb --contents "$deb" | awk '{print $6}')
echo "$list"
fail=0
for p in \
  ./usr/bin/vignette \
  ./usr/lib/vignette/libonnxruntime.so.1.31.1 \
  ./usr/share/applications/org.vignette.Vignette.desktop \
  ./usr/share/metainfo/org.vignette.Vignette.metainfo.xml \
  ./usr/share/icons/hicolor/scalable/apps/org.vignette.Vignette.svg \
  ./usr/share/icons/hicolor/64x64/apps/org.vignette.Vignette.png \
  ./usr/share/icons/hicolor/128x128/apps/org.vignette.Vignette.png \
  ./usr/share/icons/hicolor/256x256/apps/org.vignette.Vignette.png \
  ./usr/share/vignette/models/seed-effnet-minilm/pack.toml \
  ./usr/share/vignette/models/seed-effnet-minilm/image_encoder.onnx \
  ./usr/share/vignette/models/seed-effnet-minilm/text_encoder.int8.onnx \
  ./usr/share/vignette/models/seed-effnet-minilm/tokenizer.json \
  ./usr/share/vignette/models/seed-effnet-minilm/imagenet_classes.txt \
  ./usr/share/vignette/models/seed-effnet-minilm/imagenet_wordnet_glosses.txt
do
  grep -qx -- "$p" <<<"$list" || { echo "MISSING: $p" >&2; fail=1; }
done
[ "$fail" = 0 ] || exit 1

echo "== dpkg -x and run"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
dpkg -x "$deb" "$scratch/root"
mkdir -p "$scratch/data" "$scratch/empty-cache"
# No escape hatches: no overrides, an empty runtime cache, no downloads, and a working directory outside
# the source tree.
out=$(cd "$scratch" && env -u ORT_DYLIB_PATH -u VIGNETTE_MODEL_PATH -u VIGNETTE_DEFAULT_PACK -u VIGNETTE_PACK \
  VIGNETTE_OFFLINE=1 VIGNETTE_RUNTIME_DIR="$scratch/empty-cache" \
  "$scratch/root/usr/bin/vignette" --data-dir "$scratch/data" info --verify 2>&1) || { echo "$out"; echo "vignette info failed" >&2; exit 1; }
echo "$out"
bin="$scratch/root/usr/bin"
expect() {
  grep -qF -- "$1" <<<"$out" || { echo "EXPECTED in output: $1" >&2; exit 1; }
}
expect "folder:        $bin/../share/vignette/models/seed-effnet-minilm"
expect "image encoder: $bin/../share/vignette/models/seed-effnet-minilm/image_encoder.onnx"
expect "text encoder:  $bin/../share/vignette/models/seed-effnet-minilm/text_encoder.int8.onnx"
expect "ONNX Runtime:    $bin/../lib/vignette/libonnxruntime.so.1.31.1"
expect "execution:       "
expect "verified:      2 file(s) match their SHA-256"
# No path of the build machine on the model search path (or anywhere in what info prints).
if grep -qF -- "$root" <<<"$out"; then echo "a path of the build machine ($root) shows in vignette info" >&2; exit 1; fi
if [ -e "$scratch/data/builtin" ]; then echo "the package wrote out an embedded pack instead of using share/" >&2; exit 1; fi
if grep -q "cannot start the image encoder" <<<"$out"; then echo "the encoder did not start" >&2; exit 1; fi
echo "== OK in $(( $(date +%s) - t0 )) s"
