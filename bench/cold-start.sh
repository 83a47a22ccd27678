#!/usr/bin/env bash
# Cold start of a one-image detection with a model bundle: `dist/bin/detect --image` run RUNS times after one run that
# records the launcher's class-data-sharing archive (AppCDS); prints the median wall and CPU (user + sys) seconds,
# then one breakdown of the steps (ColdStartProbe: JVM to main, ND4J native load, hashing, bundle restore, decode +
# views + cue, first and second scoring), wall and CPU ms each. Not a test: numbers depend on the machine's load.
# Usage: bench/cold-start.sh MODEL_DIR IMAGE   (env: RUNS=5)
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1 image=$2 runs=${RUNS:-5}
[ -x dist/bin/detect ] && [ -d dist/lib ] || mvn -B -q package -DskipTests >&2
dist/bin/detect --image "$image" --model "$model" >/dev/null 2>&1 || true  # records the CDS archive
t=$(mktemp)
for _ in $(seq "$runs"); do
    /usr/bin/time -a -o "$t" -f "%e %U %S %M" dist/bin/detect --image "$image" --model "$model" >/dev/null 2>&1
done
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%s", v[int((NR + 1) / 2)] }'; }
wall=$(awk '{ print $1 }' "$t" | med)
cpu=$(awk '{ print $2 + $3 }' "$t" | med)
rss=$(awk '{ print int($4 / 1024) }' "$t" | med)
range=$(awk '{ print $1 }' "$t" | sort -n | sed -n '1p;$p' | xargs)
echo "cold detect --image, $runs runs: median wall $wall s (min, max: $range), median CPU (user + sys) $cpu s, median peak RSS $rss MB"
rm -f "$t"
mvn -B -q -pl core test-compile >&2
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
echo "steps (no CDS archive for this class path; ms wall / ms CPU):"
java -XX:TieredStopAtLevel=1 -Xss4m -Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "core/target/test-classes:core/target/classes:dist/lib/*" org.deepguard.core.bench.ColdStartProbe \
    "$model" "$image" 2>/dev/null
