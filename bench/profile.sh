#!/usr/bin/env bash
# Where DL4J's time goes: samples one SpeedBenchmark run (oneDNN path) with Java Flight Recorder and attributes
# the main thread's samples to DL4J layers, for inference and for training. Usage: bench/profile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-128}
OUT=bench/out
mkdir -p "$OUT"
mvn -B -q -pl core test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$PWD/$OUT/classpath.txt" >&2
CP="core/target/test-classes:core/target/classes:$(cat "$OUT/classpath.txt")"
export OMP_NUM_THREADS=${THREADS:-2} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
java -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=12G -Dorg.bytedeco.javacpp.maxphysicalbytes=16G \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -XX:FlightRecorderOptions=stackdepth=512 -XX:StartFlightRecording=filename="$OUT/speed.jfr",settings="$PWD/bench/sampling.jfc" \
    -cp "$CP" org.deepguard.core.bench.SpeedBenchmark dl4j-onednn "$SIZE" 3 2>/dev/null
jfr print --json --stack-depth 512 --events jdk.ExecutionSample,jdk.NativeMethodSample "$OUT/speed.jfr" >"$OUT/samples.json"
PY=${PYTHON:-python3}
"$PY" bench/jfr_breakdown.py "$OUT/samples.json"
