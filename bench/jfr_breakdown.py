#!/usr/bin/env python3
"""Where the time goes inside DL4J: reads `jfr print --json` output of a SpeedBenchmark run and attributes the main
thread's samples (Java and native-method samples, so time inside libnd4j/oneDNN counts) to the innermost DL4J layer
or vertex method on the stack, separately for inference (output) and training (fit)."""
import collections
import json
import re
import sys

LAYER = re.compile(r"^org\.deeplearning4j\.nn\.(layers|graph\.vertex\.impl)\.")


def frames(event):
    return [(f["method"]["type"]["name"] + "." + f["method"]["name"]).replace("/", ".")
            for f in event["values"]["stackTrace"]["frames"]]


def main(path):
    events = json.load(open(path))["recording"]["events"]
    totals = {"fit": collections.Counter(), "output": collections.Counter()}
    for e in events:
        if e["values"].get("sampledThread", {}).get("javaName") != "main" or not e["values"].get("stackTrace"):
            continue
        stack = frames(e)
        phase = "fit" if any(f.endswith("ComputationGraph.fit") for f in stack) else (
            "output" if any(".output" in f for f in stack if "ComputationGraph" in f) else None)
        if phase is None:
            continue
        where = next((f for f in stack if LAYER.match(f)), "graph/other")
        where = where.replace("org.deeplearning4j.nn.", "")
        if any("mkldnn" in f for f in stack):
            where += " [oneDNN helper]"
        elif "fit" == phase and any("updater" in f.lower() for f in stack) and where == "graph/other":
            where = "updater (Adam, gradient clipping)"
        totals[phase][where] += 1
    for phase, counter in totals.items():
        n = sum(counter.values())
        if not n:
            continue
        print("\n%s: %d samples" % (phase, n))
        for where, c in counter.most_common(14):
            print("  %5.1f%%  %s" % (100.0 * c / n, where))


if __name__ == "__main__":
    main(sys.argv[1])
