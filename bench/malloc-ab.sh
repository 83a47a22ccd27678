#!/usr/bin/env bash
# The hybrid's SpeedBenchmark (inference b1, b32, training b32 at 128 px) under glibc malloc settings, runs
# alternated in one invocation, against bench/torch_hybrid.py in the same invocation; prints per-CPU-second ratios,
# peak RSS, user/sys CPU and minor page faults of each whole process, plus the per-phase memory (MemoryTrace) of the
# Java runs. Not a test. Issue 21: where the hybrid's extra memory sits and what the allocator costs.
# Usage: bench/malloc-ab.sh "LABEL=GLIBC_TUNABLES value" ...   ("none" or "" = glibc's defaults)
#   e.g. bench/malloc-ab.sh base= thp=glibc.malloc.hugetlb=1
# env: ROUNDS=3 REPEAT=2 (each Java variant runs REPEAT times, alternating), TORCH=1 (0: skip PyTorch)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} REPEAT=${REPEAT:-2} TORCH=${TORCH:-1}
OUT=bench/out/malloc-ab
mkdir -p "$OUT"
PY=${PYTHON:-$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}
mvn -B -q -o -pl core test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/$OUT/classpath.txt" >&2
CP="core/target/test-classes:core/target/classes:$(cat "$OUT/classpath.txt")"
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
unset GLIBC_TUNABLES
: >"$OUT/runs.jsonl"
one() { # label, tunables, command...
    local label=$1 tun=$2
    shift 2
    echo "running $label $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)" >&2
    local t
    t=$(mktemp)
    if [ -n "$tun" ] && [ "$tun" != none ]; then
        /usr/bin/time -o "$t" -f '%U %S %M %R' env GLIBC_TUNABLES="$tun" "$@" >"$OUT/$label.out" 2>"$OUT/$label.err"
    else
        /usr/bin/time -o "$t" -f '%U %S %M %R' "$@" >"$OUT/$label.out" 2>"$OUT/$label.err"
    fi
    read -r user sys maxrss minflt <"$t"
    rm -f "$t"
    grep '^{' "$OUT/$label.out" | tail -1 | "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read());
d.update(label=sys.argv[1], tunables=sys.argv[2], user_s=float(sys.argv[3]), sys_s=float(sys.argv[4]),
         time_maxrss_mb=int(sys.argv[5])>>10, minflt=int(sys.argv[6])); print(json.dumps(d))' \
        "$label" "$tun" "$user" "$sys" "$maxrss" "$minflt" >>"$OUT/runs.jsonl"
}
if [ "$TORCH" = 1 ]; then
    one pytorch none "$PY" bench/torch_hybrid.py pytorch 128 "$ROUNDS"
fi
for r in $(seq "$REPEAT"); do
    for v in "$@"; do
        label=${v%%=*} tun=${v#*=}
        one "$label#$r" "$tun" java -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=12G -Dorg.bytedeco.javacpp.maxphysicalbytes=16G \
            -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dbench.memtrace=true -cp "$CP" \
            org.deepguard.core.bench.SpeedBenchmark "$label" 128 "$ROUNDS"
    done
done
echo "CPU flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(fma|avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile)$' | xargs); $(nproc) cores; THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null); $(ldd --version | head -1)"
"$PY" - "$OUT/runs.jsonl" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ref = next((r for r in runs if r["label"] == "pytorch"), None)
def ratio(r, k):
    return f" ({r[k] / ref[k]:.2f}x)" if ref and r is not ref else ""
print("| run | GLIBC_TUNABLES | infer b1 img/CPU-s | infer b32 img/CPU-s | train b32 img/CPU-s | peak RSS MB | user + sys CPU s | minor faults |")
print("|---|---|---|---|---|---|---|---|")
for r in runs:
    print(f"| {r['label']} | {r['tunables'] or 'none'} | {r['infer1_cpu_ips']:.2f}{ratio(r, 'infer1_cpu_ips')} "
          f"| {r['infer32_cpu_ips']:.2f}{ratio(r, 'infer32_cpu_ips')} | {r['train32_cpu_ips']:.2f}{ratio(r, 'train32_cpu_ips')} "
          f"| {r['peak_rss_mb']}{ratio(r, 'peak_rss_mb')} | {r['user_s']:.1f} + {r['sys_s']:.1f} | {r['minflt']} |")
print()
print("Memory after each phase of the Java runs (MB): resident now / peak within the phase; ND4J workspaces at the end of the phase")
print()
for r in runs:
    if "memory" in r:
        print(f"- {r['label']}: " + "; ".join(
            f"{m['phase']} {m['rss_mb']}/{m['phase_peak_rss_mb']} ws {m['workspaces_mb']}" for m in r["memory"]))
last = next((r for r in reversed(runs) if "memory" in r), None)
if last:
    print()
    print(f"Workspaces at the end of {last['label']} (MB, with max cycle / spilled / pinned / cycles): "
          + "; ".join(f"{k} {v}" for k, v in last["memory"][-1]["workspace_sizes_mb"].items()))
EOF
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
