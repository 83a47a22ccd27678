package org.deepguard.core.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The dataset audit, computed from a manifest alone: counts per split and class, per-class histograms of size,
 * format and colour mode (a difference between classes is a shortcut a detector can learn instead of the
 * artifacts), excluded files by reason, near-duplicate clusters and leaks across splits. Serialised as report.json;
 * text and charts are rendered from it.
 */
public record DatasetReport(int total, int usable, int excluded,
                            Map<String, Map<String, Integer>> counts,
                            Map<String, Map<String, Integer>> excludedByReason,
                            Map<String, Map<String, Map<String, Integer>>> histograms,
                            int nearDuplicateClusters, int mixedLabelClusters, int largestCluster,
                            List<NearDuplicates.Leak> leaks, List<String> warnings) {

    /** Histograms computed per class. */
    public static final List<String> HISTOGRAMS = List.of("format", "color_mode", "min_side", "file_size");
    /** Total variation distance between the classes' histograms above which a shortcut warning is raised. */
    public static final double SHORTCUT_TVD = 0.3;

    public static DatasetReport of(List<ManifestEntry> rows) {
        List<ManifestEntry> ok = rows.stream().filter(ManifestEntry::isUsable).toList();
        Map<String, Map<String, Integer>> counts = new LinkedHashMap<>();
        for (Split split : Split.values()) { // train, val, test, none: a fixed order
            for (ManifestEntry e : ok) {
                if (e.split() == split) {
                    counts.computeIfAbsent(split == Split.NONE ? "none" : split.code(), k -> labelMap())
                            .merge(e.label().code(), 1, Integer::sum);
                }
            }
        }
        Map<String, Map<String, Integer>> excludedBy = new TreeMap<>();
        rows.stream().filter(e -> !e.isUsable()).forEach(e -> excludedBy
                .computeIfAbsent(e.reason().isEmpty() ? "unspecified" : e.reason(), k -> labelMap())
                .merge(e.label().code(), 1, Integer::sum));
        Map<String, Map<String, Map<String, Integer>>> hist = new LinkedHashMap<>();
        hist.put("format", histogram(ok, e -> orUnknown(e.extra().get(DatasetScanner.FORMAT_COLUMN))));
        hist.put("color_mode", histogram(ok, e -> orUnknown(e.extra().get(DatasetScanner.COLOR_MODE_COLUMN))));
        hist.put("min_side", histogram(ok, e -> sideBucket(Math.min(e.width(), e.height()))));
        hist.put("file_size", histogram(ok, e -> sizeBucket(e.extra().get(DatasetScanner.BYTES_COLUMN))));

        Map<String, List<ManifestEntry>> groups = new TreeMap<>();
        ok.stream().filter(e -> !e.group().isEmpty())
                .forEach(e -> groups.computeIfAbsent(e.group(), k -> new ArrayList<>()).add(e));
        int clusters = 0;
        int mixed = 0;
        int largest = 0;
        for (List<ManifestEntry> g : groups.values()) {
            if (g.size() > 1) {
                clusters++;
                largest = Math.max(largest, g.size());
                if (g.stream().map(ManifestEntry::label).distinct().count() > 1) {
                    mixed++;
                }
            }
        }
        List<NearDuplicates.Leak> leaks = NearDuplicates.leaks(rows);

        List<String> warnings = new ArrayList<>();
        if (!leaks.isEmpty()) {
            warnings.add(leaks.size() + " near-duplicate group(s) straddle splits: test scores will be inflated; "
                    + "run 'dataset split' to re-split with groups kept together");
        }
        for (var h : hist.entrySet()) {
            double tvd = classDistance(h.getValue());
            if (tvd >= SHORTCUT_TVD) {
                warnings.add(String.format(Locale.ROOT, "%s differs between real and fake (total variation %.2f): "
                        + "a detector can learn it instead of the artifacts; export both classes to one format "
                        + "and size", h.getKey(), tvd));
            }
        }
        for (var c : counts.entrySet()) {
            int real = c.getValue().get(Label.REAL.code());
            int fake = c.getValue().get(Label.FAKE.code());
            if (Math.min(real, fake) * 1.5 < Math.max(real, fake)) {
                warnings.add(String.format(Locale.ROOT, "split %s is imbalanced (real %d, fake %d): see "
                        + "'dataset balance'", c.getKey(), real, fake));
            }
        }
        if (largest > Math.max(50, ok.size() / 100)) {
            warnings.add("the largest near-duplicate group holds " + largest + " images: linked chains of similar "
                    + "images may have merged; check it, or scan with a lower --near-threshold");
        }
        if (mixed > 0) {
            warnings.add(mixed + " near-duplicate cluster(s) hold both labels (e.g. a fake made from a real photo); "
                    + "they are kept in one split");
        }
        return new DatasetReport(rows.size(), ok.size(), rows.size() - ok.size(), counts, excludedBy, hist, clusters,
                mixed, largest, leaks, warnings);
    }

    private static Map<String, Integer> labelMap() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (Label l : Label.values()) {
            m.put(l.code(), 0);
        }
        return m;
    }

    /** bucket -> label -> count, buckets sorted. */
    private static Map<String, Map<String, Integer>> histogram(List<ManifestEntry> rows,
                                                               Function<ManifestEntry, String> bucket) {
        Map<String, Map<String, Integer>> h = new TreeMap<>(DatasetReport::compareBuckets);
        for (ManifestEntry e : rows) {
            h.computeIfAbsent(bucket.apply(e), k -> labelMap()).merge(e.label().code(), 1, Integer::sum);
        }
        return h;
    }

    /** Half the L1 distance between the real and the fake distribution over the buckets (0 same, 1 disjoint). */
    static double classDistance(Map<String, Map<String, Integer>> hist) {
        double real = hist.values().stream().mapToInt(m -> m.get(Label.REAL.code())).sum();
        double fake = hist.values().stream().mapToInt(m -> m.get(Label.FAKE.code())).sum();
        if (real == 0 || fake == 0) {
            return 0;
        }
        double d = 0;
        for (Map<String, Integer> m : hist.values()) {
            d += Math.abs(m.get(Label.REAL.code()) / real - m.get(Label.FAKE.code()) / fake);
        }
        return d / 2;
    }

    private static String orUnknown(String v) {
        return v == null || v.isEmpty() ? "unknown" : v;
    }

    /** Buckets that start with a number ("64-127") sort by it; names sort alphabetically after them. */
    static int compareBuckets(String a, String b) {
        long na = leadingNumber(a);
        long nb = leadingNumber(b);
        if (na >= 0 && nb >= 0 && na != nb) {
            return Long.compare(na, nb);
        }
        if ((na >= 0) != (nb >= 0)) {
            return na >= 0 ? -1 : 1;
        }
        return a.compareTo(b);
    }

    private static long leadingNumber(String s) {
        int i = 0;
        while (i < s.length() && i < 18 && Character.isDigit(s.charAt(i))) {
            i++;
        }
        return i == 0 ? -1 : Long.parseLong(s.substring(0, i));
    }

    /** Power-of-two buckets of the shorter side in pixels, e.g. "64-127". */
    static String sideBucket(int side) {
        if (side <= 0) {
            return "unknown";
        }
        int lo = Integer.highestOneBit(side);
        return lo + "-" + (lo * 2 - 1);
    }

    static String sizeBucket(String bytes) {
        if (bytes == null || bytes.isEmpty()) {
            return "unknown";
        }
        long b;
        try {
            b = Long.parseLong(bytes.trim());
        } catch (NumberFormatException e) {
            return "unknown";
        }
        // Power-of-four KiB buckets, e.g. "16-63 KiB".
        long kib = Math.max(1, b >> 10);
        long lo = 1;
        while (lo * 4 <= kib) {
            lo *= 4;
        }
        return lo == 1 ? "0-3 KiB" : lo + "-" + (lo * 4 - 1) + " KiB";
    }
}
