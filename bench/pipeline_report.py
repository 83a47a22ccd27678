#!/usr/bin/env python3
"""Markdown table of the end-to-end default-pipeline rows of one bench/run-speed.sh invocation
(bench/out/pipeline.jsonl): CPU ms per image by phase, images per CPU-second with the ratio to the PyTorch row of the
same folder (above 1: we are faster), network GMAC per CPU-second against the machine's FMA peak, peak RSS with the
ratio to PyTorch's. Usage: pipeline_report.py JSONL PEAK_GMAC_PER_CORE"""
import json
import sys


def main(path, peak):
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]
    print("| folder | implementation | decode | views | cue | network | total CPU ms/img | img/CPU-s | "
          "net GMAC/CPU-s (%% of %.0f peak/core) | peak RSS MB |" % peak)
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "note" in r:
            print("| %s | %s | %s |" % (r.get("folder", "?"), r["impl"], r["note"]) + " |" * 7)
            continue
        ref = next((t for t in rows if t.get("folder") == r.get("folder") and t["impl"].startswith("pytorch")
                    and "note" not in t), None)
        ips = "%.2f" % r["images_per_cpu_s"]
        rss = "%d" % r["peak_rss_mb"]
        if ref is not None and ref is not r:
            ips += " (%.2fx)" % (r["images_per_cpu_s"] / ref["images_per_cpu_s"])
            rss += " (%.2fx)" % (r["peak_rss_mb"] / ref["peak_rss_mb"])
        g = r["network_gmac_per_cpu_s"]
        print("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %.1f (%.0f%%) | %s |" % (
            r.get("folder", "?"), r["impl"], r["decode_cpu_ms"], r["views_cpu_ms"], r["cue_cpu_ms"],
            r["network_cpu_ms"], r["total_cpu_ms"], ips, g, 100 * g / peak, rss))
    print("\n(x) = ours / PyTorch on the same folder. Phases in CPU ms per image (process CPU time, all threads, "
          "median round); the GMAC column counts the network phase only.")


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
