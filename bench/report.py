#!/usr/bin/env python3
"""Turns the JSON lines of one bench/run-speed.sh invocation into a Markdown table with ratios to PyTorch.
Speed ratio = our images/s over PyTorch's (above 1: we are faster); memory ratio = our peak RSS over PyTorch's."""
import json
import sys

COLS = [("infer1_ips", "infer b1 img/s"), ("infer32_ips", "infer b32 img/s"), ("train32_ips", "train b32 img/s"),
        ("peak_rss_mb", "peak RSS MB")]
CPU_COLS = [("infer1_cpu_ips", "infer b1 img/CPU-s"), ("infer32_cpu_ips", "infer b32 img/CPU-s"),
            ("train32_cpu_ips", "train b32 img/CPU-s")]


def main(path):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    table(rows, COLS)
    print("\nPer second of process CPU time (all threads); steadier than wall time when other jobs share the cores:\n")
    table(rows, CPU_COLS)


def table(rows, cols):
    ref = next((r for r in rows if r["impl"] == "pytorch"), None)
    print("| implementation | " + " | ".join(c[1] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for r in rows:
        cells = []
        for key, _ in cols:
            v = r.get(key)
            text = "%.0f" % v if key == "peak_rss_mb" else "%.2f" % v
            if ref is not None and r is not ref and ref.get(key):
                text += " (%.2fx)" % (v / ref[key])
            cells.append(text)
        print("| %s | %s |" % (r["impl"], " | ".join(cells)))
    if ref is not None and cols is COLS:
        print("\n(x) = ours / PyTorch: speed above 1.0 means faster than PyTorch; memory at most 1.5 is the goal.")


if __name__ == "__main__":
    main(sys.argv[1])
