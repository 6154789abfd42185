#!/usr/bin/env bash
# Build Vignette-x86_64.AppImage from a release build, with the same bundle as the .deb: the binary in
# usr/bin, ONNX Runtime in usr/lib/vignette, the default pack in usr/share/vignette/models (the paths
# runtime.rs and config.rs look for relative to the executable), desktop file, metainfo and icons.
#
# Needs `appimagetool` on PATH (https://github.com/AppImage/appimagetool releases); run
# packaging/build-deb.sh first, or set the same VIGNETTE_ORT_LIB and stage by hand (the pack comes from models/).
# Not run in CI (no appimagetool there); untested on this machine for that reason.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
stage="$PWD/target/deb-staging"
[ -d "$stage" ] || packaging/build-deb.sh
app="$PWD/target/appimage/Vignette.AppDir"
rm -rf "$app"
mkdir -p "$app/usr/bin" "$app/usr/lib/vignette" "$app/usr/share/vignette/models" \
  "$app/usr/share/applications" "$app/usr/share/metainfo"
cp "$target/release/vignette" "$app/usr/bin/"
cp "$stage/lib/libonnxruntime.so.1.31.1" "$app/usr/lib/vignette/"
cp -r "$stage/models/seed-effnet-minilm" "$app/usr/share/vignette/models/"
cp packaging/linux/org.vignette.Vignette.desktop "$app/usr/share/applications/"
cp packaging/linux/org.vignette.Vignette.metainfo.xml "$app/usr/share/metainfo/"
# appimagetool expects the AppStream file under this legacy name too.
cp packaging/linux/org.vignette.Vignette.metainfo.xml "$app/usr/share/metainfo/org.vignette.Vignette.appdata.xml"
for s in 64 128 256; do
  mkdir -p "$app/usr/share/icons/hicolor/${s}x${s}/apps"
  cp "assets/icons/${s}x${s}/org.vignette.Vignette.png" "$app/usr/share/icons/hicolor/${s}x${s}/apps/"
done
cp packaging/linux/org.vignette.Vignette.desktop "$app/"
cp assets/icons/256x256/org.vignette.Vignette.png "$app/org.vignette.Vignette.png"
cp packaging/appimage/AppRun "$app/AppRun"
chmod +x "$app/AppRun"
ARCH=x86_64 appimagetool "$app" "$PWD/target/appimage/Vignette-x86_64.AppImage"
