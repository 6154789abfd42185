#!/usr/bin/env bash
# Re-make assets/screenshot-workflow.png: the real app in a real X window (Xvfb at 1600x1000 with openbox,
# which synthetic input needs to reach egui) on the flickr8k-1k photos, with a prompt typed, the landscape
# filter and near-duplicate grouping on, scores shown, a photo previewed and six picks in the tray.
# Needs: xvfb, openbox, xdotool, ImageMagick's `import` (apt-get install xvfb openbox xdotool imagemagick),
# a release build, and VIGNETTE_SHARED_DIR. The clicks are at this layout's coordinates (default settings).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/vignette}
SHARED=${VIGNETTE_SHARED_DIR:-../shared}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
# The photos sit where a writer keeps them, so the preview shows an ordinary path.
photos=$WORK/home/Pictures/Summer
mkdir -p "$photos" && cp "$SHARED"/datasets/flickr8k-1k/images/* "$photos/"
export VIGNETTE_DATA_DIR=$WORK/data HOME=$WORK/home
"$BIN" index "$photos" >/dev/null
top() { "$BIN" search "$1" --json "${@:3}" | head -"$2" | python3 -c 'import sys,json; print("\n".join(json.loads(l)["path"] for l in sys.stdin))'; }
mapfile -t dogs < <(top "a dog running on the beach" 4 --orientation landscape)
"$BIN" picks add --prompt "a dog running on the beach" "${dogs[@]}" >/dev/null
mapfile -t fountain < <(top "children playing in a fountain" 2)
"$BIN" picks add --prompt "children playing in a fountain" "${fountain[@]}" >/dev/null

export DISPLAY=:77
Xvfb :77 -screen 0 1600x1000x24 >/dev/null 2>&1 &
sleep 2
openbox >/dev/null 2>&1 &
sleep 1
"$BIN" >/dev/null 2>&1 &
sleep 10
win=$(xdotool search --name Vignette | head -1)
xdotool windowmove "$win" 0 0 windowsize "$win" 1600 1000
sleep 2
click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-1}"; }
if [ -n "${DISMISS_HINT:-1}" ]; then click 791 122; fi   # "Not now" on the first-run pack suggestion
click 461 36 0.5                                      # the search field
xdotool type --delay 40 "children playing in the water"
sleep 2
click 98 64; click 94 117 1.5                          # Shape: Landscape
click 797 64 1.5                                       # Group near-duplicates
click 1476 36                                          # Scores
click 319 154 2                                        # preview the first tile
xdotool mousemove 1000 990
sleep 1
import -window root assets/screenshot-workflow.png
echo "wrote assets/screenshot-workflow.png"
