package org.deepguard.dataset;

import org.deepguard.core.data.DatasetReport;
import org.deepguard.core.data.NearDuplicates;
import org.deepguard.core.io.Json;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The short summary printed after scan, split and balance, and the full text report. */
final class Summary {
    private static final int MAX_LEAKS_LISTED = 20;

    private Summary() {}

    static void print(PrintWriter out, DatasetReport r, boolean json, String headline, Path manifest) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("manifest", manifest.toString());
            m.put("total", r.total());
            m.put("usable", r.usable());
            m.put("excluded", r.excluded());
            m.put("counts", r.counts());
            m.put("excluded_by_reason", r.excludedByReason());
            m.put("near_duplicate_clusters", r.nearDuplicateClusters());
            m.put("leaks", r.leaks().size());
            out.println(Json.line(m));
        } else {
            out.println(headline + ": " + r.usable() + " usable, " + r.excluded() + " excluded");
            out.println("  splits: " + counts(r));
            if (!r.excludedByReason().isEmpty()) {
                out.println("  excluded: " + r.excludedByReason().entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue().values().stream().mapToInt(Integer::intValue).sum())
                        .collect(Collectors.joining(", ")));
            }
            out.println("  near-duplicate clusters: " + r.nearDuplicateClusters() + ", leaks across splits: "
                    + r.leaks().size());
            r.warnings().forEach(w -> out.println("  warning: " + w));
            out.println("manifest: " + manifest);
        }
        out.flush();
    }

    static String counts(DatasetReport r) {
        return r.counts().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().entrySet().stream()
                        .map(c -> c.getKey() + "=" + c.getValue()).collect(Collectors.joining("/")))
                .collect(Collectors.joining(", "));
    }

    /** The human-readable report.txt. */
    static String text(DatasetReport r, Path manifest) {
        StringBuilder b = new StringBuilder();
        b.append("Dataset report for ").append(manifest).append('\n');
        b.append(String.format("%d files: %d usable, %d excluded%n%n", r.total(), r.usable(), r.excluded()));
        b.append("Usable images per split and class\n");
        b.append(String.format("  %-8s %8s %8s%n", "split", "real", "fake"));
        r.counts().forEach((split, c) -> b.append(String.format("  %-8s %8d %8d%n", split, c.get("real"),
                c.get("fake"))));
        b.append("\nExcluded files by reason\n");
        if (r.excludedByReason().isEmpty()) {
            b.append("  none\n");
        }
        r.excludedByReason().forEach((reason, c) -> b.append(String.format("  %-20s real %6d  fake %6d%n", reason,
                c.get("real"), c.get("fake"))));
        r.histograms().forEach((name, h) -> {
            b.append("\nHistogram of ").append(name).append(" per class (usable images)\n");
            h.forEach((bucket, c) -> b.append(String.format("  %-16s real %6d  fake %6d%n", bucket, c.get("real"),
                    c.get("fake"))));
        });
        b.append(String.format("%nNear-duplicate clusters: %d (%d with both labels, largest %d images)%n",
                r.nearDuplicateClusters(), r.mixedLabelClusters(), r.largestCluster()));
        b.append("Leaks across splits: ").append(r.leaks().size()).append('\n');
        int listed = 0;
        for (NearDuplicates.Leak leak : r.leaks()) {
            if (listed++ == MAX_LEAKS_LISTED) {
                b.append("  ... (all leaks are in report.json)\n");
                break;
            }
            b.append("  ").append(leak.group()).append(" in ").append(String.join("+", leak.splits())).append(": ")
                    .append(String.join(", ", leak.paths())).append('\n');
        }
        b.append("\nWarnings\n");
        if (r.warnings().isEmpty()) {
            b.append("  none\n");
        }
        r.warnings().forEach(w -> b.append("  - ").append(w).append('\n'));
        return b.toString();
    }
}
