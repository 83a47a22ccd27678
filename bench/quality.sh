#!/usr/bin/env bash
# Quality benchmark: grouped K-fold cross-validation of training configurations on a labelled image set (default
# ../shared/data/dev), run by the tools themselves (`train --cv`), so the bench and users share one protocol.
#
# 1. Grouped K-fold (groups from the set's manifest.csv when it has a group column, else `dataset scan --group-by
#    prefix`): every configuration's held-out fold is scored clean and under the standard degradation sweep
#    (`evaluate --perturb standard`: JPEG q90/q75/q50, downscale 0.5 scored at the smaller size, blur sigma 1,
#    noise sigma 0.02, downscale 0.75 then JPEG q75): ROC AUC, balanced accuracy at the stored threshold, ECE, and
#    the worst case over conditions. The baselines (spectral profile, the hand-crafted cue alone, file size,
#    sharpness) are scored on the same folds.
# 2. Held-out generators (needs a generator column): leave-one-generator-out (`--cv-by generator`), and the
#    up-scaling factor held out (train on 2x fakes, test on 4x, and back), per configuration.
#
# Usage: bench/quality.sh [DATA_DIR] [K]
# env: CONFIGS, HELDOUT_CONFIGS (name|train options per line, see below), OUT (default bench/out/quality),
#      RESUME=1 (continue OUT/<config> instead of restarting), SKIP_HELDOUT=1
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="$(cd "${1:-$repo/../shared/data/dev}" && pwd)"
k="${2:-3}"
out="${OUT:-$repo/bench/out/quality}"
bin="$repo/dist/bin"
[ -x "$bin/train" ] || (cd "$repo" && mvn -q -B package -DskipTests)
mkdir -p "$out"

# The configuration before issue 16 (flip, blur/JPEG at 10%, no degraded copies, no scale calibration): what `train`
# made by default when the robustness issue was filed. Rows without --ensemble train the default 3-network ensemble.
OLD="--blur 0.1 --jpeg 0.1 --blur-max-sigma 3 --jpeg-min-quality 30 --downscale 0 --noise 0 --degraded-copies 0 \
--scale-calibration none --cue-band 0 --threshold-rule youden --fusion fitted --cue-cap 0"
# The default before session 9: the cue's share of the score not capped.
S8="--cue-cap 0"
# (The default lists are here-documents: an apostrophe inside "${VAR:-...}" is a quote to bash.)
# simulator-only trains the default 3-network ensemble on real images and pseudo-fakes alone (issue 22 (b)).
read -r -d '' default_configs <<EOF || true
today's-default|$OLD
session-8-default|$S8
default|
default+simulate|--simulate --ensemble 1
simulator-only|--simulate --simulate-only --simulate-per-real 2
EOF
CONFIGS="${CONFIGS:-$default_configs}"
# Held-out generators: LOGO_CONFIGS leave one generator variant out (one fold per variant), SCALE_CONFIGS hold out
# the up-scaling factor (2 folds). One network per run (--ensemble 1) keeps these affordable.
read -r -d '' default_heldout <<EOF || true
today's-default|$OLD --ensemble 1
session-8-default|$S8 --ensemble 1
default|--ensemble 1
default+simulate|--simulate --ensemble 1
EOF
LOGO_CONFIGS="${LOGO_CONFIGS:-$default_heldout}"
SCALE_CONFIGS="${SCALE_CONFIGS:-$LOGO_CONFIGS}"

if [ -f "$data/manifest.csv" ] && head -1 "$data/manifest.csv" | grep -q '\bgroup\b'; then
  manifest="$data/manifest.csv"   # groups (source photo or person) and generators as the set documents them
else
  "$bin/dataset" scan "$data" -o "$out/all.csv" --group-by prefix -q >/dev/null
  manifest="$out/all.csv"
fi

cv() { # NAME MANIFEST TRAIN-OPTIONS...
  local name="$1" manifest_file="$2"; shift 2
  local dir="$out/$name"
  [ "${RESUME:-0}" = 1 ] || rm -rf "$dir"
  local t0=$SECONDS
  "$bin/train" --manifest "$manifest_file" -o "$dir" "$@" --json -q >"$dir.jsonl" 2>"$dir.log" \
    || { echo "train --cv failed: $dir.log" >&2; exit 1; }
  echo "  $name: $(( (SECONDS - t0) / 60 )) min" >&2
}

echo "== grouped $k-fold, clean and under the standard sweep ($(date -u +%H:%M))" >&2
args=()
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  # shellcheck disable=SC2086
  cv "$name" "$manifest" --cv "$k" $opts
  args+=("$name=$out/$name/cv.json")
done <<< "$CONFIGS"
python3 "$repo/bench/quality_table.py" sweep "${args[@]}"
python3 "$repo/bench/quality_table.py" baselines "$out/${args[0]%%=*}/cv.json"

[ "${SKIP_HELDOUT:-0}" = 1 ] && exit 0
head -1 "$manifest" | grep -q '\bgenerator\b' || { echo "no generator column: held-out rows skipped" >&2; exit 0; }
# The up-scaling factor as the "generator": train on one factor's fakes, test on the other's.
python3 - "$manifest" "$out/by-scale.csv" <<'PY'
import csv, os, sys
src, dst = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(src))
rows = list(csv.DictReader(open(src)))
with open(dst, "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    for r in rows:
        r["path"] = os.path.join(base, r["path"])
        if r.get("generator"):
            r["generator"] = "upscale-" + r["generator"].split("/")[-1]
        w.writerow(r)
PY
echo "== held-out generators ($(date -u +%H:%M))" >&2
scale=()
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  # shellcheck disable=SC2086
  cv "scale-$name" "$out/by-scale.csv" --cv-by generator $opts
  scale+=("$name=$out/scale-$name/cv.json")
done <<< "$SCALE_CONFIGS"
echo; echo "up-scaling factor held out (train on 2x fakes, test on 4x, and back)"
python3 "$repo/bench/quality_table.py" heldout "${scale[@]}"
logo=()
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  # shellcheck disable=SC2086
  cv "logo-$name" "$manifest" --cv-by generator $opts
  logo+=("$name=$out/logo-$name/cv.json")
done <<< "$LOGO_CONFIGS"
echo; echo "leave-one-generator-out (train on the other generator variants)"
python3 "$repo/bench/quality_table.py" heldout "${logo[@]}"
echo "done ($(date -u +%H:%M))" >&2
