#!/usr/bin/env bash
# Render the app icon PNGs (64, 128, 256 px) from assets/vignette.svg into assets/icons/<size>/.
# The PNGs are committed so packaging needs no SVG renderer; rerun this after editing the SVG.
# Needs rsvg-convert (librsvg) or ImageMagick's `convert`.
set -euo pipefail
cd "$(dirname "$0")/.."
for s in 64 128 256; do
  out="assets/icons/${s}x${s}/org.vignette.Vignette.png"
  mkdir -p "$(dirname "$out")"
  if command -v rsvg-convert >/dev/null; then
    rsvg-convert -w "$s" -h "$s" assets/vignette.svg -o "$out"
  else
    convert -background none -density 300 assets/vignette.svg -resize "${s}x${s}" -depth 8 "PNG32:$out"
  fi
  echo "$out"
done
# Windows installer icon (multi-size .ico) from the same PNGs.
if command -v convert >/dev/null; then
  convert assets/icons/256x256/org.vignette.Vignette.png assets/icons/128x128/org.vignette.Vignette.png \
    assets/icons/64x64/org.vignette.Vignette.png packaging/windows/vignette.ico
  echo packaging/windows/vignette.ico
fi
