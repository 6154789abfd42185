#!/usr/bin/env bash
# Build target/debian/vignette_<version>_<arch>.deb (or under $CARGO_TARGET_DIR).
#
# cargo-deb wants static asset paths, so this first stages what is not in git into target/deb-staging/:
# ONNX Runtime from the runtime cache and the default pack (manifest, vocabulary and class names from
# everything from models/, the encoders checked against the SHA-256 pinned in pack.toml).
# Then a release build without the feature `embedded-pack` (the pack lives under /usr/share instead of in
# the binary; slow: ~15+ min cold on 2 cores) and `cargo deb --no-build`.
#
# Overrides: VIGNETTE_ORT_LIB (libonnxruntime.so.1.31.1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
ort="${VIGNETTE_ORT_LIB:-$HOME/.cache/vignette/onnxruntime/1.31.1/libonnxruntime.so.1.31.1}"
command -v cargo-deb >/dev/null || { echo "cargo-deb is missing: cargo install cargo-deb --locked" >&2; exit 1; }
[ -f "$ort" ] || { echo "ONNX Runtime not found at $ort (set VIGNETTE_ORT_LIB)" >&2; exit 1; }

stage="$root/target/deb-staging"
pack="$stage/models/seed-effnet-minilm"
rm -rf "$stage"
mkdir -p "$stage/lib" "$pack"
cp "$ort" "$stage/lib/libonnxruntime.so.1.31.1"
cp models/seed-effnet-minilm/* "$pack/"
for f in image_encoder.onnx text_encoder.int8.onnx; do
  want=$(grep -A1 "^file = \"$f\"" models/seed-effnet-minilm/pack.toml | sed -n 's/^sha256 = "\(.*\)"/\1/p')
  [ -n "$want" ] || { echo "no sha256 for $f in pack.toml" >&2; exit 1; }
  echo "$want  $pack/$f" | sha256sum -c --quiet - || { echo "SHA-256 mismatch: models/seed-effnet-minilm/$f" >&2; exit 1; }
done

cargo build --release --locked --bin vignette --no-default-features --features gui
cargo deb --no-build --locked "$@"
