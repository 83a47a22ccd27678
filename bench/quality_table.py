#!/usr/bin/env python3
"""Prints the quality tables of bench/quality.sh from the cv.json files of its runs.

usage: quality_table.py sweep NAME=CV_JSON...      grouped K-fold: AUC / balanced accuracy / ECE per condition
       quality_table.py heldout NAME=CV_JSON...    held-out generators: per fold AUC, share called fake, ...
       quality_table.py baselines CV_JSON          the baselines scored on the same folds
"""
import json
import sys

CONDITIONS = [("clean", ""), ("jpeg90", "_jpeg90"), ("jpeg75", "_jpeg75"), ("jpeg50", "_jpeg50"),
              ("down0.5", "_resize0.5"), ("blur1", "_blur1"), ("noise", "_noise0.02"),
              ("down.75+q75", "_resize0.75_jpeg75"), ("WORST", "_worst")]


def load(arg):
    name, path = arg.split("=", 1)
    return name, json.load(open(path))


def cell(summary, key, spread=False):
    m = summary["mean"].get(key)
    if m is None:
        return "n/a"
    if not spread:
        return f"{m:.3f}"
    d = summary["std"].get(key)
    return f"{m:.3f}+-{d:.2f}" if d is not None else f"{m:.3f}"


def sweep(args):
    runs = [load(a) for a in args]
    width = max(len(n) for n, _ in runs) + 2
    for metric, title in (("auc", "ROC AUC (mean over folds)"),
                          ("bacc", "balanced accuracy at the stored threshold"),
                          ("ece", "ECE (10 bins; WORST = largest)")):
        print(f"\n{title}")
        print(f"{'config':<{width}}" + "".join(f"{c:>12}" for c, _ in CONDITIONS))
        for name, s in runs:
            print(f"{name:<{width}}" + "".join(f"{cell(s, metric + suf):>12}" for _, suf in CONDITIONS))
    print("\nspread over folds (sample std) of clean / worst AUC, uncertain share clean, band, train min/fold")
    for name, s in runs:
        print(f"{name:<{width}} auc {cell(s, 'auc', True):>14} worst {cell(s, 'auc_worst', True):>14}"
              f"  uncertain {cell(s, 'uncertain'):>6} / under q75 {cell(s, 'uncertain_jpeg75'):>6}"
              f"  train {((s['mean'].get('train_seconds') or 0) / 60):.1f} min")


def heldout(args):
    runs = [load(a) for a in args]
    width = max(len(n) for n, _ in runs) + 2
    print(f"{'config':<{width}}{'held out':>22}{'AUC':>8}{'AUC q75':>9}{'fake@thr':>10}{'fake|unsure':>12}"
          f"{'FPR':>7}{'n test':>8}")
    for name, s in runs:
        for f in s["fold_results"]:
            m = f["metrics"]
            v = lambda k: "n/a" if m.get(k) is None else f"{m[k]:.3f}"
            print(f"{name:<{width}}{f['generator']:>22}{v('auc'):>8}{v('auc_jpeg75'):>9}{v('tpr'):>10}"
                  f"{v('tpr_or_uncertain'):>12}{v('fpr'):>7}{f['test_images']:>8}")
        print(f"{name:<{width}}{'mean':>22}{cell(s, 'auc'):>8}{cell(s, 'auc_jpeg75'):>9}{cell(s, 'tpr'):>10}"
              f"{cell(s, 'tpr_or_uncertain'):>12}{cell(s, 'fpr'):>7}")


def baselines(args):
    s = json.load(open(args[0]))
    print(f"\n{'baseline':<28}" + "".join(f"{c:>12}" for c, _ in CONDITIONS))
    for b in ("spectral", "spectral_resampling"):
        print(f"{b:<28}" + "".join(f"{cell(s, b + '_auc' + suf):>12}" for _, suf in CONDITIONS))
    for b in ("file_size", "sharpness"):
        print(f"{b:<28}{cell(s, b + '_auc'):>12}")


if __name__ == "__main__":
    {"sweep": sweep, "heldout": heldout, "baselines": baselines}[sys.argv[1]](sys.argv[2:])
