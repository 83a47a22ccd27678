#!/usr/bin/env bash
# Runs the whole pipeline on a small SYNTHETIC sample, from a fresh clone:
#   build -> dataset sample -> dataset scan -> train -> evaluate -> gradcam -> detect
# The sample is generated (textures vs. the same through a checkerboard-leaving 2x upsampler); it only shows that
# the stages chain through files, it says nothing about real deepfakes. Output goes to demo-out/ (or $1).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-out}"
bin=dist/bin

if [ ! -x "$bin/detect" ] || [ -z "${DEMO_SKIP_BUILD:-}" ]; then
  echo "== building (mvn package, tests skipped: run them with 'mvn -B test')"
  mvn -q -B package -DskipTests
fi
mkdir -p "$out"
rm -rf "$out/data" "$out/model" "$out/report" "$out/gradcam"

echo "== 1. generate the synthetic sample"
"$bin/dataset" sample "$out/data" --per-class 48 --size 64
echo "== 2. scan it into a manifest (checks, duplicates, stratified split)"
"$bin/dataset" scan "$out/data" -o "$out/manifest.csv"
echo "== 3. train (a CPU-sized configuration of the hybrid network; see README for the full one)"
"$bin/train" --manifest "$out/manifest.csv" -o "$out/model" \
  --image-size 64 --backbone "${DEMO_BACKBONE:-resnet50_lite}" --epochs "${DEMO_EPOCHS:-6}" --batch-size 16 \
  --patience 0 --ensemble 1   # one member instead of the default three keeps the demo short
echo "== 4. evaluate on the test split"
"$bin/evaluate" --model "$out/model" --manifest "$out/manifest.csv" --split test -o "$out/report"
echo "== 5. Grad-CAM++ heatmap for one test image"
img=$(awk -F, 'NR>1 && $2=="fake" && $3=="test" {print $1; exit}' "$out/manifest.csv")
"$bin/gradcam" --model "$out/model" --image "$out/$img" -o "$out/gradcam"
echo "== 6. detect"
"$bin/detect" --model "$out/model" --image "$out/$img"
echo
echo "done: model in $out/model, report in $out/report (report.html), heatmaps in $out/gradcam"
