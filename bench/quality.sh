#!/usr/bin/env bash
# Quality benchmark (issue 9 protocol, first part): grouped K-fold cross-validation of training configurations on a
# labelled image folder (default ../shared/data/dev). Groups: the file-name prefix before the last _NNN (crops of one
# source photo, e.g. face_clm-kim_074/075), so no source sits on both sides of a fold. For each fold: the held-out
# groups are the test split, one other fold is validation, the rest train; `train` then `evaluate --perturb jpeg=75`.
# Prints a table: ROC AUC, AUC after JPEG q75, ECE (mean and spread over folds) and training minutes.
#
# Usage: bench/quality.sh [DATA_DIR] [K]        env: CONFIGS (see below), OUT (default bench/out/quality)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$repo/../shared/data/dev}"
k="${2:-3}"
out="${OUT:-$repo/bench/out/quality}"
bin="$repo/dist/bin"
[ -x "$bin/train" ] || (cd "$repo" && mvn -q -B package -DskipTests)
mkdir -p "$out"

# name|train options (the default configuration first; each other line changes one lever)
CONFIGS="${CONFIGS:-default|
no-high-pass|--no-high-pass
no-blur-jpeg-aug|--blur 0 --jpeg 0}"

"$bin/dataset" scan "$data" -o "$out/all.csv" -q >/dev/null 2>&1 || "$bin/dataset" scan "$data" -o "$out/all.csv" -q
python3 - "$out/all.csv" "$k" "$out" <<'PY'
import csv, hashlib, re, sys, os
from collections import Counter, defaultdict
src, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [r for r in csv.DictReader(open(src)) if r["status"] == "ok"]
def group(path):
    return re.sub(r'_\d+$', '', os.path.splitext(os.path.basename(path))[0])
members = defaultdict(list)
for r in rows:
    members[group(r["path"])].append(r)
# Stratified group k-fold: biggest groups first, each to the fold with the fewest images of its label.
load = [Counter() for _ in range(k)]
fold_of = {}
for g in sorted(members, key=lambda g: (-len(members[g]), g)):
    label = Counter(r["label"] for r in members[g]).most_common(1)[0][0]
    f = min(range(k), key=lambda i: (load[i][label], i))
    fold_of[g] = f
    load[f][label] += len(members[g])
def label_of(g):
    return Counter(r["label"] for r in members[g]).most_common(1)[0][0]
def val_groups(f):  # ~20% of each label's training images validate (early stopping, calibration, threshold)
    chosen = set()
    for label in ("real", "fake"):
        pool = sorted((g for g in members if fold_of[g] != f and label_of(g) == label),
                      key=lambda g: hashlib.sha256(g.encode()).hexdigest())
        total = sum(len(members[g]) for g in pool)
        taken = 0
        for g in pool:
            if taken >= 0.2 * total:
                break
            chosen.add(g)
            taken += len(members[g])
    return chosen
for f in range(k):
    val = val_groups(f)
    is_val = lambda g: g in val
    with open(os.path.join(out, f"fold{f}.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=rows[0].keys())
        w.writeheader()
        for g, rs in members.items():
            for r in rs:
                r = dict(r); r["group"] = g
                r["split"] = "test" if fold_of[g] == f else ("val" if is_val(g) else "train")
                w.writerow(r)
print("folds (real, fake):", [(l["real"], l["fake"]) for l in load], file=sys.stderr)
PY

printf '%-18s %-16s %-16s %-16s %s\n' config auc auc_jpeg75 ece train_min
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  for f in $(seq 0 $((k - 1))); do
    m="$out/$name-fold$f"
    rm -rf "$m" "$m-report"
    start=$(date +%s)
    # shellcheck disable=SC2086
    "$bin/train" --manifest "$out/fold$f.csv" -o "$m" -q $opts >/dev/null 2>"$m.log" || { echo "train failed: $m.log" >&2; exit 1; }
    echo $(( $(date +%s) - start )) > "$m.seconds"
    "$bin/evaluate" --model "$m" --manifest "$out/fold$f.csv" --split test -o "$m-report" --perturb jpeg=75 -q \
      >/dev/null 2>>"$m.log" || true
  done
  python3 - "$out" "$name" "$k" <<'PY'
import json, statistics, sys
out, name, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
auc, q75, ece, mins = [], [], [], []
for f in range(k):
    m = json.load(open(f"{out}/{name}-fold{f}-report/metrics.json"))
    auc.append(m["auc"]); ece.append(m["ece"])
    q75.append(next(p["auc"] for p in m["perturbations"] if p["kind"] == "jpeg"))
    mins.append(int(open(f"{out}/{name}-fold{f}.seconds").read()) / 60)
fmt = lambda v: f"{statistics.mean(v):.3f} +- {statistics.pstdev(v):.3f}"
print(f"{name:<18} {fmt(auc):<16} {fmt(q75):<16} {fmt(ece):<16} {statistics.mean(mins):.1f}")
PY
done <<< "$CONFIGS"
