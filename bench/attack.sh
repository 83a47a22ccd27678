#!/usr/bin/env bash
# Adversarial robustness benchmark (issue 17): grouped K-fold cross-validation of training configurations on a
# labelled image set (default ../shared/data/dev), each fold's model attacked on its held-out images with the
# tools themselves (`train --cv`, then `evaluate --attack` per fold), so the bench and users share one protocol.
#
# Rows: configurations (today's default and hardened ones). Columns: attack x budget -> robust AUC (mean over
# folds) and success rates (fake -> real, real -> fake, pooled over folds), the per-image worst case over attacks,
# the ablation rows (PGD on the network alone and on the cue alone), and the sanity checks per fold. Clean ROC AUC
# and AUC after JPEG q75 on the whole held-out fold come from `train --cv` (cv.json).
#
# What a 2-core machine allows, and what that cuts (all overridable):
#   --ensemble 1 (the default trains 3 networks; EPOCHS=30 is train's default, with its early stopping);
#   LIMIT=12 attacked images per fold (balanced by class), BUDGETS=1,2,4,8, STEPS=20 PGD steps (the sanity runs take
#   40 and 80; with 10, the default's PGD had not converged at 4/255 on one fold), QUERIES=100 Square Attack queries
#   per image and budget; TRANSFER=1: a surrogate per configuration (same recipe and folds, seed 4242) trained for
#   the transfer attack (PGD on the surrogate, scored by the target).
# Default rows: today's default, and the hardened model (`--adversarial fgsm-rs`: FGSM-RS adversarial training of
# the network at 2/255, plus `--cue-cap 1`: the hand-crafted cue moves the fused log-odds by at most 1).
# At a load average of ~3 on 2 cores one fold's 12 images took 7-9 min with these defaults (at 10-13, much longer);
# an image costs about 20 + 3 x steps gradients per budget plus the sanity runs (2 x and 4 x steps); `ONLY=name`
# runs configurations in parallel shells.
#
# Usage: bench/attack.sh [DATA_DIR] [K]
# env: CONFIGS (name|train options per line), OUT (default bench/out/attack), EPOCHS, LIMIT, BUDGETS, ATTACKS,
#      STEPS, QUERIES, TRANSFER, ONLY (run only these config names, comma-separated; the table reads whatever exists),
#      TABLE_ONLY=1 (print the table from OUT and exit)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="$(cd "${1:-$repo/../shared/data/dev}" && pwd)"
k="${2:-3}"
out="${OUT:-$repo/bench/out/attack}"
bin="$repo/dist/bin"
EPOCHS="${EPOCHS:-30}"
LIMIT="${LIMIT:-12}"
BUDGETS="${BUDGETS:-1,2,4,8}"
TRANSFER="${TRANSFER:-1}"
ATTACKS="${ATTACKS:-fgsm,pgd,square,noise}"
STEPS="${STEPS:-20}"
QUERIES="${QUERIES:-100}"
CONFIGS="${CONFIGS:-default|
hardened|--adversarial fgsm-rs --cue-cap 1}"
[ -x "$bin/train" ] || (cd "$repo" && mvn -q -B package -DskipTests)
mkdir -p "$out"

names=()
while IFS='|' read -r name opts; do
  [ -n "$name" ] || continue
  names+=("$name")
  [ "${TABLE_ONLY:-0}" = 1 ] && continue
  if [ -n "${ONLY:-}" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
  dir="$out/$name"
  t0=$SECONDS
  # shellcheck disable=SC2086
  "$bin/train" --manifest "$data/manifest.csv" -o "$dir" --cv "$k" --ensemble 1 --epochs "$EPOCHS" $opts \
    --json -q >"$dir.jsonl" 2>"$dir.log" || { echo "train --cv failed: $dir.log" >&2; exit 1; }
  echo "  $name: trained $k folds in $(( (SECONDS - t0) / 60 )) min ($(date -u +%H:%M))" >&2
  if [ "$TRANSFER" = 1 ]; then # the surrogate: same recipe and folds, another seed (an attacker's own copy)
    # shellcheck disable=SC2086
    "$bin/train" --manifest "$data/manifest.csv" -o "$dir-surrogate" --cv "$k" --ensemble 1 --epochs "$EPOCHS" \
      $opts --seed 4242 --json -q >"$dir-surrogate.jsonl" 2>"$dir-surrogate.log" \
      || { echo "train --cv failed: $dir-surrogate.log" >&2; exit 1; }
    echo "  $name: trained the transfer surrogate ($(date -u +%H:%M))" >&2
  fi
  for ((i = 0; i < k; i++)); do
    a="$ATTACKS"
    [ "$TRANSFER" = 1 ] && a="$a,transfer=$dir-surrogate/fold-$i"
    rep="$dir/attack-$i"
    if [ -f "$rep/metrics.json" ] && grep -q '"adversarial"' "$rep/metrics.json"; then continue; fi
    t0=$SECONDS
    "$bin/evaluate" -m "$dir/fold-$i" --manifest "$dir/fold-$i/manifest.csv" --split test -o "$rep" \
      --attack "$a" --budgets "$BUDGETS" --attack-steps "$STEPS" --attack-queries "$QUERIES" \
      --attack-limit "$LIMIT" --bootstrap 0 -q >"$rep.log" 2>&1 || { echo "evaluate failed: $rep.log" >&2; exit 1; }
    echo "  $name fold $i: attacked in $(( (SECONDS - t0) / 60 )) min ($(date -u +%H:%M))" >&2
  done
done <<< "$CONFIGS"

args=()
for n in "${names[@]}"; do args+=("$n=$out/$n"); done
python3 "$repo/bench/attack_table.py" "$k" "${args[@]}"
