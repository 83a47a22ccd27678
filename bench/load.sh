#!/usr/bin/env bash
# Load benchmark of `detect serve` on 127.0.0.1 only, beside serial batch `detect` on the same images in the same run.
#   bench/load.sh                      # trains a small model first (synthetic sample, 1 epoch, default network)
#   MODEL=models/v1 IMAGES=../shared/data/dev bench/load.sh
# env: MODEL (bundle; default: a fresh tiny one in bench/out/load/model), IMAGES (folder of upload images; default:
#      ../shared/data/dev, else the synthetic sample), N_IMAGES=80, LEVELS=1,2,4,8,16, PER_LEVEL=80 uploads per level,
#      TIME_LIMIT=120 s per level, MIXED=120 (uploads at concurrency 8, a third of them bad), SERVE_OPTS (extra options
#      for `detect serve`; default: none, i.e. the default queue, deadline and batching).
# Bounded: every run stops starting uploads after TIME_LIMIT, each request times out after 60 s, the server is stopped
# (by the pid this script started) whatever happens. Prints a Markdown table; raw JSON lines in bench/out/load/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/load
mkdir -p "$OUT"
N_IMAGES=${N_IMAGES:-80}
LEVELS=${LEVELS:-1,2,4,8,16}
PER_LEVEL=${PER_LEVEL:-80}
TIME_LIMIT=${TIME_LIMIT:-120}
MIXED=${MIXED:-120}
PY=${PYTHON:-python3}
bin=dist/bin

if [ ! -x "$bin/detect" ]; then
  echo "== building (mvn package -DskipTests)" >&2
  mvn -q -B package -DskipTests >&2
fi

if [ -z "${MODEL:-}" ]; then
  MODEL=$OUT/model
  if [ ! -d "$MODEL" ]; then
    echo "== training a small model into $MODEL (synthetic sample, 1 epoch, default network and ensemble)" >&2
    rm -rf "$OUT/sample" "$MODEL"
    "$bin/dataset" sample "$OUT/sample" --per-class 48 --size 64 -q >&2
    "$bin/dataset" scan "$OUT/sample" -o "$OUT/sample/manifest.csv" -q >&2
    "$bin/train" --manifest "$OUT/sample/manifest.csv" -o "$MODEL" --epochs 1 --patience 0 -q >&2
  fi
fi
if [ -z "${IMAGES:-}" ]; then
  if [ -d ../shared/data/dev ]; then IMAGES=../shared/data/dev; else IMAGES=$OUT/sample; fi
fi

# The same N_IMAGES images for everyone: the first ones under IMAGES, in sorted order.
find "$IMAGES" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | LC_ALL=C sort \
  | head -n "$N_IMAGES" > "$OUT/images.txt"
n=$(wc -l < "$OUT/images.txt")
echo "== $n images from $IMAGES, model $MODEL" >&2

# Serial batch `detect`: one image (start-up + model load), then all of them; the difference is the scoring time.
t() { local s e; s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
"$bin/detect" -m "$MODEL" --json "$(head -n1 "$OUT/images.txt")" > /dev/null  # records the CDS archive once
t1=$(t "$bin/detect" -m "$MODEL" --json "$(head -n1 "$OUT/images.txt")")
tn=$(t "$bin/detect" -m "$MODEL" --json - < "$OUT/images.txt")
"$bin/detect" -m "$MODEL" --json - < "$OUT/images.txt" > "$OUT/detect.jsonl"
serial=$(echo "($n - 1) / ($tn - $t1)" | bc -l)
serial_wall=$(echo "$n / $tn" | bc -l)

# The server, on a free port; stopped by its pid on exit.
log=$OUT/serve.log
"$bin/detect" serve -m "$MODEL" --port 0 ${SERVE_OPTS:-} > "$log" 2>&1 &
spid=$!
trap 'kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 600); do
  port=$(sed -n 's#.*http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$log" | head -n1)
  [ -n "$port" ] && break
  kill -0 "$spid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start" >&2; exit 1; }
echo "== server on 127.0.0.1:$port" >&2

client=("$PY" bench/load_client.py --port "$port" --images "$OUT/images.txt" --max-images "$N_IMAGES"
        --time-limit "$TIME_LIMIT")
"${client[@]}" --levels 4 --per-level 16 > /dev/null  # warm-up: JIT and ND4J's first batches
"${client[@]}" --levels "$LEVELS" --per-level "$PER_LEVEL" --scores-out "$OUT/serve-scores.tsv" | tee "$OUT/levels.jsonl" >&2
"${client[@]}" --mixed "$MIXED" --concurrency 8 | tee "$OUT/mixed.jsonl" >&2
curl -s "http://127.0.0.1:$port/metrics" > "$OUT/metrics.txt"
kill "$spid"; wait "$spid" 2>/dev/null || true
trap - EXIT

# Served p_fake equal to batch detect's, image by image.
same=$("$PY" - "$OUT/detect.jsonl" "$OUT/serve-scores.tsv" <<'EOF'
import json, sys
d = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "p_fake" in o:
        d[o["path"]] = o["p_fake"]
worst = 0.0
n = 0
for line in open(sys.argv[2]):
    name, p = line.rstrip("\n").split("\t")
    worst = max(worst, abs(float(p) - d[name])); n += 1
print("%d served scores, largest |difference| to detect --json: %.2g" % (n, worst))
EOF
)

"$PY" - "$OUT/levels.jsonl" "$OUT/mixed.jsonl" "$OUT/metrics.txt" "$serial" "$serial_wall" "$n" "$same" <<'EOF'
import json, sys
levels = [json.loads(l) for l in open(sys.argv[1])]
mixed = json.loads(open(sys.argv[2]).read())
metrics = open(sys.argv[3]).read().splitlines()
serial, serial_wall, n, same = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
val = lambda name: next(float(l.split()[-1]) for l in metrics if l.startswith(name + " "))
print("serial batch `detect` on the same %d images: %.1f images/s scoring (%.1f/s including start-up)" % (n, serial, serial_wall))
print()
print("| clients | uploads | images/s | vs serial detect | p50 ms | p95 ms | p99 ms | answers |")
print("|---:|---:|---:|---:|---:|---:|---:|---|")
for r in levels:
    print("| %d | %d | %.1f | %.2f | %s | %s | %s | %s |" % (r["concurrency"], r["requests"], r["throughput"],
          r["throughput"] / serial, r["p50_ms"], r["p95_ms"], r["p99_ms"],
          ", ".join("%s: %d" % kv for kv in sorted(r["status"].items()))))
print()
print("mixed: %d uploads at concurrency %d (%d good, %d bad): %s; good answered %s, bad answered %s; p95 %s ms (200s)"
      % (mixed["requests"], mixed["concurrency"], mixed["good"], mixed["bad"],
         ", ".join("%s: %d" % kv for kv in sorted(mixed["status"].items())), mixed["good_statuses"],
         mixed["bad_statuses"], mixed["p95_ms"]))
print("batches: %d forward passes, mean %.2f images per batch" % (val("deepguard_batch_size_count"),
      val("deepguard_batch_size_sum") / max(1, val("deepguard_batch_size_count"))))
print(same)
EOF
