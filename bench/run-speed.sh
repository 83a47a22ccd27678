#!/usr/bin/env bash
# Side-by-side speed and memory of our hybrid network (DL4J) and the identical architecture in PyTorch, in one
# invocation on this machine. Usage: bench/run-speed.sh
# (env: SIZE=128 ROUNDS=3 THREADS=2 BASELINE=1 LEVERS=0 PIPELINE=1 COLD=1 SCAN=2000 PYTHON=/usr/bin/python3)
#   BASELINE=1  also runs DL4J with its built-in layers (oneDNN helpers off): the "before" column; slow
#   LEVERS=1    also runs the levers recorded in BENCHMARKS.md (workspaces off, batch 64, bf16) and a repeat
#   PIPELINE=1  also the shipped default pipeline end to end (decode, patch views, cue, 3-member ensemble) over a
#               folder of 128 px images and one of 1024 px photos, against the same pipeline in PyTorch + PIL + NumPy
#               (bench/torch_pipeline.py); needs a default-config model: trains a 1-epoch one (weights do not
#               matter for speed) unless MODEL=DIR names one
#   COLD=1      also the cold start of `dist/bin/detect --image` with that model (bench/cold-start.sh)
#   SCAN=N      also `dataset scan` against the Python loop on N generated images (bench/scan-bench.sh); 0 = off
# Prints Markdown tables; the raw JSON lines stay in bench/out/speed.jsonl and bench/out/pipeline.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-128}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
BASELINE=${BASELINE:-1}
LEVERS=${LEVERS:-0}
PIPELINE=${PIPELINE:-1}
COLD=${COLD:-1}
SCAN=${SCAN:-2000}
OUT=bench/out
mkdir -p "$OUT"

# Debian's torch lives in the system interpreter, which a pyenv/venv python3 on PATH would not see.
PY=${PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}
if ! "$PY" -c 'import torch' 2>/dev/null; then
    echo "installing Debian's python3-torch" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get install -y -q python3-torch >&2
fi

echo "building (core test classes hold the Java benchmarks; dist/bin the launchers)" >&2
mvn -B -q package -DskipTests >&2
mvn -B -q -pl core test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/$OUT/classpath.txt" >&2
CP="core/target/test-classes:core/target/classes:$(cat "$OUT/classpath.txt")"

# Same thread count everywhere: OpenMP (libnd4j, OpenBLAS, oneDNN, PyTorch's ATen) reads OMP_NUM_THREADS.
export OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
# Idle OpenMP threads sleep instead of spinning (both sides use GNU OpenMP): on cores shared with other jobs,
# spinning threads steal the time slices their own team needs. OMP_WAIT_POLICY=active restores the default.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
# The Java rows run with the launchers' glibc malloc settings (dist/src/bin/.launch, issue 21: huge pages), as
# dist/bin/* do; PyTorch keeps glibc's defaults, as `python3` does. DEEPGUARD_HUGEPAGES=0 measures without them.
SHIPPED_TUNABLES=$(unset GLIBC_TUNABLES; source <(sed -n '/^# BEGIN malloc/,/^# END malloc/p' dist/src/bin/.launch)
                   printf %s "${GLIBC_TUNABLES:-}")
echo "Java rows: GLIBC_TUNABLES=${SHIPPED_TUNABLES:-(none)}" >&2
JAVA=(env GLIBC_TUNABLES="$SHIPPED_TUNABLES" java -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=12G -Dorg.bytedeco.javacpp.maxphysicalbytes=16G
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP")
MAIN=org.deepguard.core.bench.SpeedBenchmark

run() { # impl name, time limit in seconds, then the command; keeps only the JSON line
    local name=$1 limit=$2
    shift 2
    echo "running $name" >&2
    if ! timeout "$limit" "$@" 2>"$OUT/last-stderr.txt" | grep '^{' >>"$OUT/speed.jsonl"; then
        tail -5 "$OUT/last-stderr.txt" >&2
        echo "{\"impl\": \"$name\", \"note\": \"failed or over ${limit}s\"}" >>"$OUT/speed.jsonl"
    fi
}

: >"$OUT/speed.jsonl"
run pytorch 600 "$PY" bench/torch_hybrid.py pytorch "$SIZE" "$ROUNDS"
run dl4j-onednn 600 "${JAVA[@]}" "$MAIN" "dl4j-onednn" "$SIZE" "$ROUNDS"
if [ "$LEVERS" = 1 ]; then
    # A second run of the default configuration: shows how far two identical runs drift on this machine.
    run dl4j-onednn-again 600 "${JAVA[@]}" "$MAIN" "dl4j-onednn-again" "$SIZE" "$ROUNDS"
    run dl4j-onednn+ws-none 600 "${JAVA[@]}" -Dbench.workspace=NONE "$MAIN" "dl4j-onednn+ws-none" "$SIZE" "$ROUNDS"
    run dl4j-onednn+batch64 600 "${JAVA[@]}" -Dbench.batch=64 "$MAIN" "dl4j-onednn+batch64" "$SIZE" "$ROUNDS"
    run pytorch-batch64 600 env BATCH=64 "$PY" bench/torch_hybrid.py pytorch-batch64 "$SIZE" "$ROUNDS"
    if grep -q avx512_bf16 /proc/cpuinfo; then
        # DL4J's oneDNN helpers take float only, so bf16 runs DL4J's built-in layers: bounded to 3 minutes.
        run dl4j-bf16-infer 180 "${JAVA[@]}" -Dbench.dtype=BFLOAT16 "$MAIN" "dl4j-bf16-infer" "$SIZE" "$ROUNDS"
    else
        echo "no AVX-512 BF16 on this CPU: bf16 lever skipped" >&2
    fi
fi
if [ "$BASELINE" = 1 ]; then
    # The built-in path is 4-8x slower: two timed rounds keep the run to a few minutes.
    run dl4j-builtin 900 env DEEPGUARD_ONEDNN=0 "${JAVA[@]}" "$MAIN" "dl4j-builtin" "$SIZE" 2
fi
if [ "$PIPELINE" = 1 ]; then
    # Images generated here (never from ../shared): 128 px and 1024 px JPEGs (q90), seeded.
    DATA=$OUT/pipeline-data
    "$PY" bench/gen_photos.py "$DATA/img128" "${N128:-64}" 128
    "$PY" bench/gen_photos.py "$DATA/img1024" "${N1024:-16}" 1024
    MODEL=${MODEL:-$DATA/model-default}
    if [ ! -f "$MODEL/model.json" ]; then
        echo "training a 1-epoch default-config model (train's defaults; weights do not matter for speed)" >&2
        "$PY" bench/gen_images.py "$DATA/train" 48 >&2
        dist/bin/dataset scan "$DATA/train" -o "$DATA/manifest.csv" >&2
        dist/bin/train --manifest "$DATA/manifest.csv" -o "$MODEL" --epochs 1 >&2
    fi
    : >"$OUT/pipeline.jsonl"
    for folder in img128 img1024; do
        # Each JSON line names the folder it measured, for the report.
        prun() { local name=$1; shift
            echo "running $name on $folder" >&2
            if ! timeout 900 "$@" 2>"$OUT/last-stderr.txt" | grep '^{' | sed "s/^{/{\"folder\": \"$folder\", /" \
                    >>"$OUT/pipeline.jsonl"; then
                tail -5 "$OUT/last-stderr.txt" >&2
                echo "{\"folder\": \"$folder\", \"impl\": \"$name\", \"note\": \"failed\"}" >>"$OUT/pipeline.jsonl"
            fi
        }
        prun pytorch "$PY" bench/torch_pipeline.py pytorch "$DATA/$folder" "$ROUNDS"
        # Two JSON lines: the members' own graphs (plain) and the folded, merged scoring graph, alternating rounds.
        prun dl4j "${JAVA[@]}" org.deepguard.core.bench.PipelineBenchmark dl4j "$MODEL" "$DATA/$folder" "$ROUNDS"
    done
fi
echo >&2
echo "CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(fma|avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile)$' | xargs)"
echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown); Java rows GLIBC_TUNABLES=${SHIPPED_TUNABLES:-(none)}"
# FMA peak per core in float32 GMAC/s: 2 FMA ports x (16 lanes with AVX-512, 8 with AVX2) x the nominal clock.
# AMD's Zen 4 runs AVX-512 on 256-bit FMA units: 8 lanes there.
GHZ=$(grep -m1 'model name' /proc/cpuinfo | grep -oE '[0-9.]+GHz' | tr -d GHz || true)
GHZ=${GHZ:-$(awk '/cpu MHz/ {print $4 / 1000; exit}' /proc/cpuinfo)}
LANES=$(grep -qw avx512f /proc/cpuinfo && ! grep -q AuthenticAMD /proc/cpuinfo && echo 16 || echo 8)
PEAK=$(awk -v g="$GHZ" -v l="$LANES" 'BEGIN { printf "%.1f", 2 * l * g }')
echo "FMA peak: 2 ports x $LANES float lanes x $GHZ GHz = $PEAK GMAC/s per core (nominal clock; $(nproc) cores)"
echo "input ${SIZE}px, ${THREADS} threads (OMP_WAIT_POLICY=$OMP_WAIT_POLICY), medians of ${ROUNDS} timed rounds after warm-up, $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$PY" bench/report.py "$OUT/speed.jsonl"
if [ "$PIPELINE" = 1 ]; then
    echo
    echo "Default pipeline end to end (patches 3x3 of 64 px, 3-member ensemble, spectral + resampling cue), $ROUNDS rounds:"
    echo
    "$PY" bench/pipeline_report.py "$OUT/pipeline.jsonl" "$PEAK"
fi
if [ "$PIPELINE" = 1 ] && [ "$COLD" = 1 ]; then
    echo
    bench/cold-start.sh "$MODEL" "$(ls "$DATA"/img128/*.jpg | head -1)"
fi
if [ "$SCAN" -gt 0 ]; then
    echo
    echo "dataset scan, $SCAN generated images:"
    BENCH_DIR=$OUT/scan-bench bench/scan-bench.sh "$SCAN"
fi
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; other jobs shared them)"
