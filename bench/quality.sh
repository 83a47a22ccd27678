#!/usr/bin/env bash
# Quality benchmark (issue 9 protocol): grouped K-fold cross-validation of training configurations on a labelled
# image folder (default ../shared/data/dev), run by the tools themselves so the bench and `train --cv` share one
# protocol. `dataset scan --group-by prefix` groups the files by the name before the last _NNN (crops of one source
# photo, e.g. face_clm-kim_074/075, merged with near-duplicate clusters), then `train --cv K` per configuration:
# stratified group K-fold, ~20% of each label's other groups validate, the held-out fold is scored clean and after
# JPEG q75 (see `train --help`). Prints a table: ROC AUC, AUC after JPEG q75, ECE (mean +- sample std over folds)
# and training minutes per fold; each configuration's folds and cv.json stay in OUT/<config>/.
#
# Usage: bench/quality.sh [DATA_DIR] [K]
# env: CONFIGS (see below), OUT (default bench/out/quality), RESUME=1 (continue OUT/<config> instead of restarting)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$repo/../shared/data/dev}"
k="${2:-3}"
out="${OUT:-$repo/bench/out/quality}"
bin="$repo/dist/bin"
[ -x "$bin/train" ] || (cd "$repo" && mvn -q -B package -DskipTests)
mkdir -p "$out"

# name|train options (the default configuration first; each other line changes one lever). The full list behind
# the BENCHMARKS.md table is there; this short default list takes about 8 minutes on 2 cores.
CONFIGS="${CONFIGS:-default|
rgb+residuals|--branch-input rgb+residuals
no-resampling|--no-resampling}"

"$bin/dataset" scan "$data" -o "$out/all.csv" --group-by prefix -q >/dev/null

printf '%-18s %-16s %-16s %-16s %s\n' config auc auc_jpeg75 ece train_min
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  cv="$out/$name"
  [ "${RESUME:-0}" = 1 ] || rm -rf "$cv"
  # shellcheck disable=SC2086
  "$bin/train" --manifest "$out/all.csv" -o "$cv" --cv "$k" --json -q $opts >"$cv.jsonl" 2>"$cv.log" \
    || { echo "train --cv failed: $cv.log" >&2; exit 1; }
  python3 - "$cv/cv.json" "$name" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def cell(key):
    m, d = s["mean"].get(key), s["std"].get(key)
    return "n/a" if m is None else f"{m:.3f} +- " + ("n/a" if d is None else f"{d:.3f}")
mins = (s["mean"].get("train_seconds") or 0) / 60
print(f"{sys.argv[2]:<18} {cell('auc'):<16} {cell('auc_jpeg75'):<16} {cell('ece'):<16} {mins:.1f}")
PY
  last="$cv/cv.json"
done <<< "$CONFIGS"
# The baselines are fitted and scored on the same folds in every run; print them once, from the last run.
python3 - "$last" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
def cell(key):
    m, d = s["mean"].get(key), s["std"].get(key)
    return "n/a" if m is None else f"{m:.3f} +- " + ("n/a" if d is None else f"{d:.3f}")
for name in ("spectral", "spectral_resampling", "file_size", "sharpness"):
    print(f"{'baseline:' + name:<26} {cell(name + '_auc'):<16} {cell(name + '_auc_jpeg75'):<16} {'-':<16} 0.0")
PY
