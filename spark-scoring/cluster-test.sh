#!/usr/bin/env bash
# The Spark job on a real standalone cluster on this machine, then the same with an executor killed mid-job.
#   spark-scoring/cluster-test.sh MODEL IMAGE_DIR [COPIES]
# Starts a Spark standalone Master and two Workers (1 core each) as separate JVMs on 127.0.0.1, from a SPARK_HOME
# whose jars/ holds Spark at the module's version and pins (spark-home-pom.py; symlinks into ~/.m2), submits the
# shaded job (mvn -Pshaded -pl spark-scoring -am package -DskipTests) through SparkSubmit, and checks that its rows
# equal `detect --json` on the same images. Run 2 kills one CoarseGrainedExecutorBackend (kill -9) once the first
# task has committed: the job must still finish with the same rows, none missing or duplicated.
# IMAGE_DIR is copied COPIES times (default 3) under the work folder, so the job has enough tasks to be caught
# mid-way. Everything lives under bench/out/spark-cluster; every process this script starts is stopped by its pid.
# Memory: master and workers 256 MiB heap each, executors 768 MiB heap + 1.5 GiB off-heap cap, driver 768 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
model=$(readlink -f "$1"); images=$(readlink -f "$2"); copies=${3:-3}
work=$root/bench/out/spark-cluster
jar=$(ls "$root"/spark-scoring/target/deepguard-spark-scoring-*-shaded.jar 2>/dev/null | head -n1 || true)
[ -n "$jar" ] || { echo "no shaded jar: mvn -q -Pshaded -pl spark-scoring -am package -DskipTests" >&2; exit 2; }
[ -x dist/bin/detect ] || { echo "no dist/bin/detect: mvn -q package -DskipTests" >&2; exit 2; }
rm -rf "$work"; mkdir -p "$work/spark-home/jars" "$work/logs" "$work/data"

echo "== SPARK_HOME: Spark at this module's version and dependency pins, resolved from ~/.m2"
python3 spark-scoring/spark-home-pom.py spark-scoring/pom.xml "$work/spark-home.pom.xml"
mvn -o -q -B -f "$work/spark-home.pom.xml" dependency:build-classpath -Dmdep.outputFile="$work/spark-classpath.txt" \
    > "$work/logs/mvn.log" 2>&1 || { cat "$work/logs/mvn.log" >&2; exit 1; }
tr ':' '\n' < "$work/spark-classpath.txt" | while read -r j || [ -n "$j" ]; do ln -s "$j" "$work/spark-home/jars/"; done
echo "$(ls "$work/spark-home/jars" | wc -l) jars, $(ls "$work/spark-home/jars" | grep -c '^spark-') of them Spark's"
touch "$work/spark-home/RELEASE"
export SPARK_HOME=$work/spark-home SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_DIRS=$work/local
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
mkdir -p "$SPARK_LOCAL_DIRS"
opens="-XX:+IgnoreUnrecognizedVMOptions --add-opens=java.base/java.lang=ALL-UNNAMED
 --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
 --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
 --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
 --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
 --add-opens=java.base/sun.util.calendar=ALL-UNNAMED --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
 -Djdk.reflect.useDirectMethodHandle=false"
# shellcheck disable=SC2206
jvm=(java $opens -cp "$SPARK_HOME/jars/*")

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

echo "== images: $images copied $copies times"
for c in $(seq 1 "$copies"); do cp -r "$images" "$work/data/copy$c"; done
find "$work/data" -type f \( -iname '*.png' -o -iname '*.jpg' -o -iname '*.jpeg' \) | LC_ALL=C sort > "$work/images.txt"
n=$(wc -l < "$work/images.txt")
echo "$n images"

echo "== reference: detect --json"
dist/bin/detect -m "$model" --json - < "$work/images.txt" > "$work/detect.jsonl" || [ $? -eq 1 ]

echo "== master and two workers on 127.0.0.1"
t_cluster=$(date +%s.%N)
"${jvm[@]}" -Xmx256m org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0 \
    > "$work/logs/master.log" 2>&1 &
pids+=($!)
url=
for _ in $(seq 1 600); do
  url=$(grep -o 'spark://127\.0\.0\.1:[0-9]*' "$work/logs/master.log" | head -n1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/logs/master.log" >&2; exit 1; }
for w in 1 2; do
  mkdir -p "$work/worker$w"
  "${jvm[@]}" -Xmx256m org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --port 0 --webui-port 0 \
      --cores 1 --memory 3g --work-dir "$work/worker$w" "$url" > "$work/logs/worker$w.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 600); do
  [ "$(grep -c 'Registering worker' "$work/logs/master.log" || true)" -ge 2 ] && break
  sleep 0.1
done
echo "master $url, workers registered: $(grep -c 'Registering worker' "$work/logs/master.log" || true)" \
     "($(echo "$(date +%s.%N) - $t_cluster" | bc -l | xargs printf '%.1f') s)"

submit() { # output folder
  "${jvm[@]}" -Xmx768m org.apache.spark.deploy.SparkSubmit --master "$url" --deploy-mode client \
      --name deepguard-cluster-test --class org.deepguard.spark.ScoreImages \
      --executor-memory 768m --executor-cores 1 --total-executor-cores 2 \
      --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
      --conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.executorEnv.OMP_WAIT_POLICY=passive \
      --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=1536M -Dorg.bytedeco.javacpp.maxphysicalbytes=3G -Djava.awt.headless=true" \
      --conf spark.task.maxFailures=4 \
      "$jar" -m "$model" -i "$work/data" -o "$1" --json --partitions 12
}

executors() { # pids of the executors of this cluster (their working folder is under a worker folder of ours)
  local p
  for p in $(pgrep -f CoarseGrainedExecutorBackend || true); do
    case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$work"/worker*) echo "$p" ;; esac
  done
}

compare() { # output folder -> prints a verdict line, fails on a mismatch
  python3 - "$work/detect.jsonl" "$1/scores-json" "$work/data" <<'EOF'
import glob, json, os, sys
ref = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    ref[os.path.abspath(o["path"])] = o
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[2], "part-*"))):
    rows += [json.loads(l) for l in open(f) if l.strip()]
paths = [r["path"].replace("file://", "").replace("file:", "") for r in rows]
dup = len(paths) - len(set(paths))
missing = set(ref) - set(paths)
extra = set(paths) - set(ref)
worst = 0.0
diff = 0
for r, p in zip(rows, paths):
    d = ref.get(p)
    if d is None:
        continue
    if ("p_fake" in d) != (r.get("p_fake") is not None):
        diff += 1
        continue
    if "p_fake" in d:
        worst = max(worst, abs(d["p_fake"] - r["p_fake"]))
        if d["label"] != r["label"]:
            diff += 1
ok = dup == 0 and not missing and not extra and diff == 0 and worst <= 1e-6
print("%d rows: %d duplicated, %d missing, %d extra, %d verdicts differ, largest |p_fake - detect| %.2g -> %s"
      % (len(rows), dup, len(missing), len(extra), diff, worst, "SAME" if ok else "DIFFERENT"))
sys.exit(0 if ok else 1)
EOF
}

echo "== run 1: the job on the cluster"
t0=$(date +%s.%N)
submit "$work/out1" > "$work/logs/submit1.log" 2>&1 || { tail -n 30 "$work/logs/submit1.log" >&2; exit 1; }
t1=$(date +%s.%N)
printf 'run 1: %.1f s\n' "$(echo "$t1 - $t0" | bc -l)"
compare "$work/out1"

echo "== run 2: kill -9 one executor once the first task has committed"
t0=$(date +%s.%N)
submit "$work/out2" > "$work/logs/submit2.log" 2>&1 &
spid=$!
pids+=($spid)
killed=
for _ in $(seq 1 3000); do
  kill -0 "$spid" 2>/dev/null || break
  committed=$( (find "$work/out2/scores/_temporary" -path '*task_*' -name 'part-*' 2>/dev/null || true) | wc -l)
  mapfile -t ex < <(executors)
  if [ "$committed" -ge 1 ] && [ "${#ex[@]}" -ge 1 ]; then
    killed=${ex[0]}
    kill -9 "$killed"
    printf 'killed executor pid %s after %.1f s (%d task outputs committed, %d executors alive)\n' "$killed" \
        "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$committed" "${#ex[@]}"
    break
  fi
  sleep 0.1
done
rc=0
wait "$spid" || rc=$?
t1=$(date +%s.%N)
[ -n "$killed" ] || { echo "the job ended before an executor could be killed" >&2; exit 1; }
[ "$rc" = 0 ] || { tail -n 30 "$work/logs/submit2.log" >&2; echo "run 2 failed: exit $rc" >&2; exit 1; }
printf 'run 2: %.1f s, exit %s\n' "$(echo "$t1 - $t0" | bc -l)" "$rc"
echo "lost/relaunched: $(grep -c 'Lost executor\|lost executor\|ExecutorLost' "$work/logs/submit2.log" || true) driver lines on the lost executor," \
     "$(grep -c 'Launching executor' "$work/logs/master.log" || true) executors launched by the master over both runs"
compare "$work/out2"
cmp <(cat "$work/out1"/scores-json/part-* | python3 -c 'import sys,json; [print(json.dumps(json.loads(l), sort_keys=True)) for l in sys.stdin]' | LC_ALL=C sort) \
    <(cat "$work/out2"/scores-json/part-* | python3 -c 'import sys,json; [print(json.dumps(json.loads(l), sort_keys=True)) for l in sys.stdin]' | LC_ALL=C sort) \
  && echo "run 1 and run 2 rows identical"
