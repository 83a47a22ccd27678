package org.deepguard.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Stratified, seeded train/val/test assignment that keeps every group (see {@link ManifestEntry#groupKey()}) inside
 * one split, so near-duplicates or crops of one photo never straddle a boundary. Only usable rows without a split
 * are assigned; other rows pass through unchanged.
 */
public final class Splitter {
    private Splitter() {}

    /** Fractions for train, val, test; they must sum to 1. */
    public record Ratios(double train, double val, double test) {
        public static final Ratios DEFAULT = new Ratios(0.7, 0.15, 0.15);

        public Ratios {
            if (train < 0 || val < 0 || test < 0 || Math.abs(train + val + test - 1) > 1e-6) {
                throw new IllegalArgumentException("split ratios must be non-negative and sum to 1");
            }
        }
    }

    public static List<ManifestEntry> assign(List<ManifestEntry> rows, Ratios ratios, long seed) {
        // Groups are split per label (stratification): a group holding both labels goes with its majority label.
        Map<String, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            ManifestEntry e = rows.get(i);
            if (e.isUsable() && e.split() == Split.NONE) {
                groups.computeIfAbsent(e.groupKey(), k -> new ArrayList<>()).add(i);
            }
        }
        Map<Label, List<String>> byLabel = new LinkedHashMap<>();
        for (var g : groups.entrySet()) {
            long fakes = g.getValue().stream().filter(i -> rows.get(i).label() == Label.FAKE).count();
            Label majority = fakes * 2 >= g.getValue().size() ? Label.FAKE : Label.REAL;
            byLabel.computeIfAbsent(majority, k -> new ArrayList<>()).add(g.getKey());
        }
        Split[] target = new Split[rows.size()];
        Random random = new Random(seed);
        for (Label label : Label.values()) {
            List<String> keys = byLabel.getOrDefault(label, List.of());
            List<String> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, random);
            int total = shuffled.stream().mapToInt(k -> groups.get(k).size()).sum();
            double wantTrain = ratios.train() * total;
            double wantVal = ratios.val() * total;
            int train = 0;
            int val = 0;
            for (String k : shuffled) {
                List<Integer> members = groups.get(k);
                Split s;
                // Fill train first, then val, then test, by image count, so big groups do not skew the ratios much.
                if (train + members.size() / 2.0 <= wantTrain) {
                    s = Split.TRAIN;
                    train += members.size();
                } else if (val + members.size() / 2.0 <= wantVal) {
                    s = Split.VAL;
                    val += members.size();
                } else {
                    s = ratios.test() > 0 ? Split.TEST : (ratios.val() > 0 ? Split.VAL : Split.TRAIN);
                }
                for (int i : members) {
                    target[i] = s;
                }
            }
        }
        List<ManifestEntry> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            out.add(target[i] == null ? rows.get(i) : rows.get(i).withSplit(target[i]));
        }
        return out;
    }

    /**
     * Makes every group of usable rows sit in one split without re-splitting: a group spread over several splits, or
     * partly unassigned, moves whole to the split holding most of its members (ties go to train, then val). Returns
     * the new rows; {@code moved[0]} receives the number of rows whose split changed.
     */
    public static List<ManifestEntry> keepGroupsTogether(List<ManifestEntry> rows, int[] moved) {
        Map<String, int[]> votes = new java.util.HashMap<>();
        for (ManifestEntry e : rows) {
            if (e.isUsable() && !e.group().isEmpty() && e.split() != Split.NONE) {
                votes.computeIfAbsent(e.group(), k -> new int[3])[e.split().ordinal()]++;
            }
        }
        List<ManifestEntry> out = new ArrayList<>(rows.size());
        int changed = 0;
        for (ManifestEntry e : rows) {
            int[] v = e.isUsable() && !e.group().isEmpty() ? votes.get(e.group()) : null;
            if (v == null) {
                out.add(e);
                continue;
            }
            int best = 0;
            for (int s = 1; s < 3; s++) {
                if (v[s] > v[best]) {
                    best = s;
                }
            }
            Split target = Split.values()[best];
            if (e.split() != target) {
                changed++;
                out.add(e.withSplit(target));
            } else {
                out.add(e);
            }
        }
        if (moved != null && moved.length > 0) {
            moved[0] = changed;
        }
        return out;
    }
}
