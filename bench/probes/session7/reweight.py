#!/usr/bin/env python3
"""Offline fusion reweighting (BENCHMARKS "Robustness, session 7"): test AUC of
z = (1 - w) z_net / sd_net + w z_cue / sd_cue per fold, sd over the fold's clean validation scores, mean over folds,
for the fitted fusion and a few fixed w. Input: the CSV of DumpParts.java.

    python3 bench/probes/session7/reweight.py parts.csv
"""
import csv
import sys

import numpy as np

CONDITIONS = ["clean", "jpeg=75", "jpeg=50", "resize=0.5", "blur=1", "noise=0.02"]


def auc(y, s):
    y = np.asarray(y)
    s = np.asarray(s, dtype=float)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()


def main(path):
    rows = list(csv.DictReader(open(path)))
    res, fitted_w = {}, []
    for fold in sorted({r["fold"] for r in rows}):
        mine = [r for r in rows if r["fold"] == fold]
        val = [r for r in mine if r["split"] == "VAL" and r["cond"] == "clean"]
        sn = np.std([float(r["znet"]) for r in val])
        sc = np.std([float(r["zcue"]) for r in val])
        test = [r for r in mine if r["split"] == "TEST" and r["cond"] == "clean"]
        x = np.array([[float(r["znet"]), float(r["zcue"]), 1] for r in test])
        a, b, _ = np.linalg.lstsq(x, np.array([float(r["fused"]) for r in test]), rcond=None)[0]
        fitted_w.append(b * sc / (a * sn + b * sc))
        for c in CONDITIONS:
            t = [r for r in mine if r["split"] == "TEST" and r["cond"] == c]
            y = [int(r["fake"]) for r in t]
            n = np.array([float(r["znet"]) for r in t]) / sn
            q = np.array([float(r["zcue"]) for r in t]) / sc
            res.setdefault(("fitted", c), []).append(auc(y, [float(r["fused"]) for r in t]))
            for w in (0.2, 0.35, 0.5, 0.65):
                res.setdefault((f"w={w}", c), []).append(auc(y, (1 - w) * n + w * q))
    print("fitted cue weight per fold:", " ".join(f"{w:.2f}" for w in fitted_w))
    print(f"{'':10}" + "".join(f"{c:>12}" for c in CONDITIONS) + f"{'worst':>12}")
    for key in sorted({k[0] for k in res}):
        m = [float(np.mean(res[(key, c)])) for c in CONDITIONS]
        print(f"{key:10}" + "".join(f"{v:12.3f}" for v in m) + f"{min(m):12.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
