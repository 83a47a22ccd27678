package org.deepguard.core.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Near-duplicate clusters from 64-bit perceptual hashes: two images are linked when their hashes differ in at most
 * {@code threshold} bits, and clusters are the connected components. Candidate pairs come from multi-index hashing
 * (split the hash into threshold+1 bands; by the pigeonhole principle two hashes within the threshold agree exactly
 * on at least one band), so a 141k-image set is clustered in seconds instead of comparing ten billion pairs.
 */
public final class NearDuplicates {
    /** Column holding the perceptual hash (16 hex digits) in manifests written by the scanner. */
    public static final String PHASH_COLUMN = "phash";
    /**
     * Default link threshold in bits. JPEG q90 re-encoding plus a 90% resize moves a pHash by 0-4 bits in our tests,
     * while unrelated photos differ by about 32; 8 leaves headroom without merging unrelated images.
     */
    public static final int DEFAULT_THRESHOLD = 8;
    public static final int MAX_THRESHOLD = 20;
    public static final String GROUP_PREFIX = "nd-";

    private NearDuplicates() {}

    /** Cluster id (index of the cluster's first member) for each hash; identical ids mean one cluster. */
    public static int[] cluster(long[] hashes, int threshold) {
        if (threshold < 0 || threshold > MAX_THRESHOLD) {
            throw new IllegalArgumentException("near-duplicate threshold must be 0.." + MAX_THRESHOLD + " bits");
        }
        int n = hashes.length;
        UnionFind uf = new UnionFind(n);
        // Identical hashes first: collapses flat or repeated images so the band buckets stay small.
        Map<Long, Integer> firstByHash = new HashMap<>();
        List<Integer> distinct = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Integer first = firstByHash.putIfAbsent(hashes[i], i);
            if (first == null) {
                distinct.add(i);
            } else {
                uf.union(first, i);
            }
        }
        if (threshold > 0) {
            int bands = threshold + 1;
            for (int b = 0; b < bands; b++) {
                int lo = b * 64 / bands;
                int hi = (b + 1) * 64 / bands;
                long mask = hi - lo == 64 ? -1L : ((1L << (hi - lo)) - 1) << lo;
                Map<Long, List<Integer>> buckets = new HashMap<>();
                for (int i : distinct) {
                    buckets.computeIfAbsent(hashes[i] & mask, k -> new ArrayList<>()).add(i);
                }
                for (List<Integer> bucket : buckets.values()) {
                    for (int x = 0; x < bucket.size(); x++) {
                        long hx = hashes[bucket.get(x)];
                        for (int y = x + 1; y < bucket.size(); y++) {
                            if (Long.bitCount(hx ^ hashes[bucket.get(y)]) <= threshold) {
                                uf.union(bucket.get(x), bucket.get(y));
                            }
                        }
                    }
                }
            }
        }
        int[] id = new int[n];
        int[] firstOfRoot = new int[n];
        java.util.Arrays.fill(firstOfRoot, -1);
        for (int i = 0; i < n; i++) {
            int r = uf.find(i);
            if (firstOfRoot[r] < 0) {
                firstOfRoot[r] = i;
            }
            id[i] = firstOfRoot[r];
        }
        return id;
    }

    /**
     * Sets the {@code group} column so near-duplicates (and rows sharing a content hash or an existing group) share
     * one group. Rows without a perceptual hash keep their group. A multi-row cluster keeps its existing group name
     * when it has exactly one, else it is named {@code nd-} plus the start of its first member's SHA-256 (or path).
     */
    public static List<ManifestEntry> group(List<ManifestEntry> rows, int threshold) {
        int n = rows.size();
        UnionFind uf = new UnionFind(n);
        List<Integer> hashed = new ArrayList<>();
        List<Long> values = new ArrayList<>();
        Map<String, Integer> firstBySha = new HashMap<>();
        Map<String, Integer> firstByGroup = new HashMap<>();
        for (int i = 0; i < n; i++) {
            ManifestEntry e = rows.get(i);
            String ph = e.extra().get(PHASH_COLUMN);
            if (ph != null && !ph.isEmpty()) {
                hashed.add(i);
                values.add(PerceptualHash.parseHex(ph));
            }
            if (!e.sha256().isEmpty()) {
                Integer f = firstBySha.putIfAbsent(e.sha256(), i);
                if (f != null) {
                    uf.union(f, i);
                }
            }
            if (isUserGroup(e.group())) {
                Integer f = firstByGroup.putIfAbsent(e.group(), i);
                if (f != null) {
                    uf.union(f, i);
                }
            }
        }
        long[] hashes = values.stream().mapToLong(Long::longValue).toArray();
        int[] ids = cluster(hashes, threshold);
        for (int k = 0; k < ids.length; k++) {
            uf.union(hashed.get(k), hashed.get(ids[k]));
        }
        Map<Integer, List<Integer>> components = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            components.computeIfAbsent(uf.find(i), k -> new ArrayList<>()).add(i);
        }
        ManifestEntry[] out = rows.toArray(ManifestEntry[]::new);
        for (List<Integer> members : components.values()) {
            if (members.size() < 2) {
                int i = members.get(0);
                if (!rows.get(i).group().isEmpty() && !isUserGroup(rows.get(i).group())) {
                    out[i] = out[i].withGroup(""); // a stale cluster of ours that no longer has a partner
                }
                continue;
            }
            TreeSet<String> names = new TreeSet<>();
            members.forEach(i -> {
                if (isUserGroup(rows.get(i).group())) {
                    names.add(rows.get(i).group());
                }
            });
            String name;
            if (names.size() == 1) {
                name = names.first();
            } else {
                ManifestEntry first = rows.get(members.stream()
                        .min((a, b) -> rows.get(a).path().compareTo(rows.get(b).path())).orElseThrow());
                String key = first.sha256().isEmpty() ? Integer.toHexString(first.path().hashCode()) : first.sha256();
                name = GROUP_PREFIX + key.substring(0, Math.min(12, key.length()));
            }
            for (int i : members) {
                out[i] = out[i].withGroup(name);
            }
        }
        return List.of(out);
    }

    /**
     * Keeps one usable row per label in each multi-row group (the one with most pixels, then the first path) and
     * excludes the others as {@code near_duplicate}. Call after {@link #group}.
     */
    public static List<ManifestEntry> dropNearDuplicates(List<ManifestEntry> rows) {
        Map<String, Integer> keep = new HashMap<>();
        for (int i = 0; i < rows.size(); i++) {
            ManifestEntry e = rows.get(i);
            if (!e.isUsable() || e.group().isEmpty()) {
                continue;
            }
            String key = e.group() + "\u0000" + e.label();
            Integer best = keep.get(key);
            if (best == null || better(e, rows.get(best))) {
                keep.put(key, i);
            }
        }
        List<ManifestEntry> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ManifestEntry e = rows.get(i);
            boolean drop = e.isUsable() && !e.group().isEmpty()
                    && keep.get(e.group() + "\u0000" + e.label()) != i;
            out.add(drop ? e.excluded(DatasetProblem.NEAR_DUPLICATE.code()) : e);
        }
        return out;
    }

    private static boolean better(ManifestEntry a, ManifestEntry b) {
        long pa = (long) a.width() * a.height();
        long pb = (long) b.width() * b.height();
        return pa != pb ? pa > pb : a.path().compareTo(b.path()) < 0;
    }

    /** A group of usable rows that spans more than one split: the same photo would be trained on and tested on. */
    public record Leak(String group, List<String> splits, List<String> labels, List<String> paths) {}

    /** Groups (see {@link ManifestEntry#groupKey()}) of usable, split rows that straddle splits. */
    public static List<Leak> leaks(List<ManifestEntry> rows) {
        Map<String, List<ManifestEntry>> byGroup = new TreeMap<>();
        for (ManifestEntry e : rows) {
            if (e.isUsable() && e.split() != Split.NONE && !e.group().isEmpty()) {
                byGroup.computeIfAbsent(e.group(), k -> new ArrayList<>()).add(e);
            }
        }
        List<Leak> leaks = new ArrayList<>();
        for (var g : byGroup.entrySet()) {
            TreeSet<String> splits = new TreeSet<>();
            TreeSet<String> labels = new TreeSet<>();
            g.getValue().forEach(e -> {
                splits.add(e.split().code());
                labels.add(e.label().code());
            });
            if (splits.size() > 1) {
                leaks.add(new Leak(g.getKey(), List.copyOf(splits), List.copyOf(labels),
                        g.getValue().stream().map(e -> e.split().code() + ":" + e.path()).sorted().toList()));
            }
        }
        return leaks;
    }

    /** Groups named by the user (e.g. a source video) are kept; our own {@code nd-} groups are recomputed. */
    private static boolean isUserGroup(String g) {
        return !g.isEmpty() && !g.startsWith(GROUP_PREFIX);
    }

    private static final class UnionFind {
        private final int[] parent;

        UnionFind(int n) {
            parent = new int[n];
            for (int i = 0; i < n; i++) {
                parent[i] = i;
            }
        }

        int find(int i) {
            while (parent[i] != i) {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            return i;
        }

        void union(int a, int b) {
            int ra = find(a);
            int rb = find(b);
            if (ra != rb) {
                parent[Math.max(ra, rb)] = Math.min(ra, rb);
            }
        }
    }
}
