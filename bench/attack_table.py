"""Markdown tables for bench/attack.sh: per configuration, the grouped folds' clean AUC (cv.json), the attacks'
robust AUC (mean over folds) and success rates (pooled over folds: flipped / correctly called on the clean image),
the ablation rows and the sanity checks per fold (evaluate --attack's metrics.json `adversarial` block).

Usage: attack_table.py K NAME=DIR [NAME=DIR ...]
"""
import json
import os
import statistics
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def mean_sd(values):
    v = [x for x in values if x is not None]
    if not v:
        return "n/a"
    if len(v) == 1:
        return f"{v[0]:.3f}"
    return f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}"


def rate(num, den):
    return "n/a" if den == 0 else f"{num / den:.2f} ({num}/{den})"


def budget(b):
    return f"{b:g}/255"


def main():
    k = int(sys.argv[1])
    configs = [a.split("=", 1) for a in sys.argv[2:]]
    print("### Clean and degraded (whole held-out folds, `train --cv`)\n")
    print("| configuration | folds | clean ROC AUC | AUC after JPEG q75 | worst AUC over the degradation sweep "
          "| fusion per fold: a, b, cue cap C |")
    print("|---|---|---|---|---|---|")
    for name, d in configs:
        cv = load(os.path.join(d, "cv.json"))
        fus = []
        for i in range(k):
            m = load(os.path.join(d, f"fold-{i}", "model.json"))
            if m and m.get("fusion"):
                f = m["fusion"]
                fus.append(f"{f['a']:.2f}, {f['b']:.2f}, {f.get('cueCap', 0):g}")
        if cv is None:
            print(f"| {name} | not run | | | | |")
            continue
        folds = cv.get("fold_results", [])
        aucs = [r.get("metrics", {}).get("auc") for r in folds]
        jpeg = [r.get("metrics", {}).get("auc_jpeg75") for r in folds]
        worst = [r.get("metrics", {}).get("auc_worst") for r in folds]
        print(f"| {name} | {len(folds)} | {mean_sd(aucs)} | {mean_sd(jpeg)} | {mean_sd(worst)} | "
              f"{'; '.join(fus)} |")

    rows = {}   # (name, group, attack, budget) -> dict
    sanity = {}  # (name, check) -> [(fold, passed, detail)]
    clean = {}  # name -> [auc on attacked images]
    images = {}
    for name, d in configs:
        for i in range(k):
            m = load(os.path.join(d, f"attack-{i}", "metrics.json"))
            if not m or "adversarial" not in m:
                continue
            a = m["adversarial"]
            images.setdefault(name, [0, 0])
            images[name][0] += a["fakes"]
            images[name][1] += a["reals"]
            clean.setdefault(name, []).append(a["clean"]["main"]["auc"])
            groups = [("whole score", r) for r in a["results"]] + [("whole score", r) for r in a["worst_case"]] \
                + [(f"{r['part']} alone", r) for r in a["ablation"]] + [("sanity run", r) for r in a["checks"]]
            for g, r in groups:
                key = (name, g, r["attack"], r["budget"])
                e = rows.setdefault(key, {"auc": [], "ff": 0, "fn": 0, "rf": 0, "rn": 0, "grad": [], "q": []})
                e["auc"].append(r["robust_auc"])
                fc, rc = r["fakes_called_fake_clean"], r["reals_called_real_clean"]
                e["ff"] += round((r.get("success_fake") or 0) * fc)  # absent when no fake was called fake clean
                e["fn"] += fc
                e["rf"] += round((r.get("success_real") or 0) * rc)  # absent when no real was called real clean
                e["rn"] += rc
                e["grad"].append(r["mean_gradients"])
                e["q"].append(r["mean_queries"])
            for s in a["sanity"]:
                sanity.setdefault((name, s["check"]), []).append((i, s["passed"], s["detail"]))

    print("\n### Attacks (held-out images of each fold; robust AUC = mean over folds, success pooled over folds)\n")
    for name, _ in configs:
        if name not in images:
            print(f"{name}: no attack results\n")
            continue
        f, r = images[name]
        print(f"**{name}**: {f} fakes + {r} reals attacked over {len(clean[name])} folds; clean AUC on them "
              f"{mean_sd(clean[name])}\n")
        print("| part | attack | budget | robust AUC | fake -> real | real -> fake | gradients / image "
              "| queries / image |")
        print("|---|---|---|---|---|---|---|---|")
        keys = sorted((key for key in rows if key[0] == name),
                      key=lambda t: (["whole score", "network alone", "cue alone", "sanity run"].index(t[1])
                                     if t[1] in ["whole score", "network alone", "cue alone", "sanity run"] else 9,
                                     t[2] == "worst", t[2], t[3]))
        for key in keys:
            e = rows[key]
            print(f"| {key[1]} | {key[2]} | {budget(key[3])} | {mean_sd(e['auc'])} | {rate(e['ff'], e['fn'])} | "
                  f"{rate(e['rf'], e['rn'])} | {statistics.mean(e['grad']):.0f} | {statistics.mean(e['q']):.0f} |")
        print()

    print("### Sanity checks (per fold)\n")
    print("| configuration | check | folds passed | details of the folds that failed |")
    print("|---|---|---|---|")
    for (name, check), v in sanity.items():
        passed = sum(1 for _, p, _ in v if p)
        fails = "; ".join(f"fold {i}: {d}" for i, p, d in v if not p)
        print(f"| {name} | {check} | {passed}/{len(v)} | {fails} |")


if __name__ == "__main__":
    main()
