#!/usr/bin/env python3
"""Turns the JSON lines of one bench/run-speed.sh invocation into a Markdown table with ratios to PyTorch.
Speed ratio = our images/s over PyTorch's (above 1: we are faster); memory ratio = our peak RSS over PyTorch's."""
import json
import sys

COLS = [("infer1_ips", "infer b1 img/s"), ("infer32_ips", "infer bN img/s"), ("train32_ips", "train bN img/s"),
        ("peak_rss_mb", "peak RSS MB")]
BEST_COLS = [("infer1_best_ips", "infer b1 img/s"), ("infer32_best_ips", "infer bN img/s"),
             ("train32_best_ips", "train bN img/s")]
CPU_COLS = [("infer1_cpu_ips", "infer b1 img/CPU-s"), ("infer32_cpu_ips", "infer bN img/CPU-s"),
            ("train32_cpu_ips", "train bN img/CPU-s")]


def main(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    table(rows, COLS)
    if any("infer1_best_ips" in r for r in rows):
        print("\nFastest round (the least disturbed by other jobs on shared cores):\n")
        table(rows, BEST_COLS)
    print("\nPer second of process CPU time (all threads, median round); leaves out waiting for a core:\n")
    table(rows, CPU_COLS)


def table(rows, cols):
    torch = [r for r in rows if r["impl"].startswith("pytorch")]
    print("| implementation | " + " | ".join(c[1] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for r in rows:
        if "note" in r:
            print("| %s | %s |" % (r["impl"], r["note"]) + " |" * (len(cols) - 1))
            continue
        # Ratios against the PyTorch run with the same batch size (the batch lever runs both at 64).
        ref = next((t for t in torch if t.get("batch") == r.get("batch")), None)
        cells = []
        for key, _ in cols:
            v = r.get(key)
            if v is None:
                cells.append("-")
                continue
            text = "%.0f" % v if key == "peak_rss_mb" else "%.2f" % v
            if ref is not None and r is not ref and ref.get(key):
                text += " (%.2fx)" % (v / ref[key])
            cells.append(text)
        print("| %s (N=%s) | %s |" % (r["impl"], r.get("batch"), " | ".join(cells)))
    if torch and cols is COLS:
        print("\n(x) = ours / PyTorch: speed above 1.0 means faster than PyTorch; memory at most 1.5 is the goal.")


if __name__ == "__main__":
    main(sys.argv[1])
