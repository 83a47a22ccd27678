#!/usr/bin/env bash
# Throughput of the Spark job in local mode against 'detect' batch mode over the same images, and Spark with 1 vs 2
# cores. Needs a built tree (mvn -q package -DskipTests) and a model bundle.
#   spark-scoring/bench/run.sh MODEL IMAGE_DIR [OUT]
# IMAGE_DIR is scored as is by every run; wall-clock seconds include JVM (and Spark) start-up, which a long job pays
# once. Results go to OUT/results.tsv (default bench/out/spark).
set -euo pipefail
cd "$(dirname "$0")/../.."
model="$1"; images="$2"; out="${3:-bench/out/spark}"
mkdir -p "$out"
n=$(find "$images" -type f \( -name '*.png' -o -name '*.jpg' \) | wc -l)
printf 'run\timages\twall_s\timages_per_s\n' > "$out/results.tsv"
timed() { # name, command...
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$out/$name.log" 2>&1 || [ $? -eq 1 ]
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v r="$name" 'BEGIN { printf "%s\t%d\t%.1f\t%.1f\n", r, n, b - a, n / (b - a) }' \
    | tee -a "$out/results.tsv"
}
timed detect-batch16 dist/bin/detect -m "$model" "$images" --json --batch-size 16
timed spark-local1 dist/bin/spark-score -m "$model" -i "$images" -o "$out/spark1" --mode overwrite --master 'local[1]'
timed spark-local2 dist/bin/spark-score -m "$model" -i "$images" -o "$out/spark2" --mode overwrite --master 'local[2]'
