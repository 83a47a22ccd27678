#!/usr/bin/env bash
# Seams in Grad-CAM++ patch mosaics: the largest jump between neighbouring pixels when the per-patch maps are
# plainly averaged where patches overlap (the old rule) versus blended by core's PatchBlend (a Hann window per
# patch), on the same per-patch maps. Usage: bench/explain/seam.sh MODEL_DIR IMAGE...
# (after `mvn -o -q -B package -DskipTests`, which fills dist/lib).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exec java -cp "$root/dist/lib/*" "$root/bench/explain/Seam.java" "$@"
