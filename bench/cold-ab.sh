#!/usr/bin/env bash
# Cold `detect --image` with a lever off (A) and on (B), runs alternated A B A B ... in one invocation, so both see
# the same machine load; prints median wall and CPU (user + sys) seconds of each. Not a test.
# Usage: bench/cold-ab.sh MODEL_DIR IMAGE "JAVA_OPTS for A" "JAVA_OPTS for B"   (env: RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1 image=$2 a=$3 b=$4 runs=${RUNS:-5}
[ -x dist/bin/detect ] && [ -d dist/lib ] || mvn -B -q package -DskipTests >&2
echo "load $(cut -d' ' -f1-3 /proc/loadavg); CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' \
    | grep -E '^(fma|avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile)$' | xargs); $(nproc) cores"
dist/bin/detect --image "$image" --model "$model" >/dev/null 2>&1 || true  # records the CDS archive if missing
ta=$(mktemp) tb=$(mktemp)
for _ in $(seq "$runs"); do
    JAVA_OPTS="$a" /usr/bin/time -a -o "$ta" -f "%e %U %S %M" dist/bin/detect --image "$image" --model "$model" >/dev/null 2>&1
    JAVA_OPTS="$b" /usr/bin/time -a -o "$tb" -f "%e %U %S %M" dist/bin/detect --image "$image" --model "$model" >/dev/null 2>&1
done
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%s", v[int((NR + 1) / 2)] }'; }
for x in a b; do
    f=$ta; opts=$a
    [ "$x" = b ] && f=$tb && opts=$b
    printf '%s [%s]: median wall %s s (min %s, max %s), median CPU %s s, median peak RSS %s MB\n' "$x" "$opts" \
        "$(awk '{ print $1 }' "$f" | med)" "$(awk '{ print $1 }' "$f" | sort -n | head -1)" \
        "$(awk '{ print $1 }' "$f" | sort -n | tail -1)" "$(awk '{ print $2 + $3 }' "$f" | med)" \
        "$(awk '{ print int($4 / 1024) }' "$f" | med)"
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$ta" "$tb"
