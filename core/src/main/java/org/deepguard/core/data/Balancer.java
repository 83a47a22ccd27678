package org.deepguard.core.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Class balance per split, seeded. {@code UNDER} excludes random majority-class rows (reason {@code undersampled});
 * {@code OVER} repeats random minority-class rows (each repeat carries a {@code copy} column, 1, 2, ...);
 * {@code WEIGHTS} leaves rows alone and sets a {@code weight} column so that each class weighs half of its split
 * (w_c = n / (2 n_c)). Only usable rows count; excluded rows pass through.
 */
public final class Balancer {
    public static final String COPY_COLUMN = "copy";
    public static final String WEIGHT_COLUMN = "weight";

    public enum Mode { UNDER, OVER, WEIGHTS }

    private Balancer() {}

    public static List<ManifestEntry> balance(List<ManifestEntry> rows, Mode mode, Set<Split> splits, long seed) {
        List<ManifestEntry> out = new ArrayList<>(rows);
        Random random = new Random(seed);
        for (Split split : Split.values()) {
            if (!splits.contains(split)) {
                continue;
            }
            Map<Label, List<Integer>> byLabel = new LinkedHashMap<>();
            for (Label l : Label.values()) {
                byLabel.put(l, new ArrayList<>());
            }
            for (int i = 0; i < rows.size(); i++) {
                ManifestEntry e = rows.get(i);
                if (e.isUsable() && e.split() == split) {
                    byLabel.get(e.label()).add(i);
                }
            }
            List<Integer> real = byLabel.get(Label.REAL);
            List<Integer> fake = byLabel.get(Label.FAKE);
            if (real.isEmpty() || fake.isEmpty()) {
                continue; // nothing to balance against
            }
            List<Integer> major = real.size() >= fake.size() ? real : fake;
            List<Integer> minor = major == real ? fake : real;
            switch (mode) {
                case UNDER -> {
                    List<Integer> shuffled = new ArrayList<>(major);
                    Collections.shuffle(shuffled, random);
                    for (int i : shuffled.subList(0, major.size() - minor.size())) {
                        out.set(i, rows.get(i).excluded(DatasetProblem.UNDERSAMPLED.code()));
                    }
                }
                case OVER -> {
                    int missing = major.size() - minor.size();
                    List<Integer> order = new ArrayList<>(minor);
                    int round = 0;
                    while (missing > 0) {
                        round++;
                        Collections.shuffle(order, random);
                        for (int k = 0; k < order.size() && missing > 0; k++, missing--) {
                            out.add(rows.get(order.get(k)).withExtra(COPY_COLUMN, Integer.toString(round)));
                        }
                    }
                }
                case WEIGHTS -> {
                    int n = real.size() + fake.size();
                    for (List<Integer> cls : List.of(real, fake)) {
                        String w = String.format(java.util.Locale.ROOT, "%.6f", n / (2.0 * cls.size()));
                        for (int i : cls) {
                            out.set(i, out.get(i).withExtra(WEIGHT_COLUMN, w));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Class weights per split (w_c = n / (2 n_c)) over usable rows, for a trainer that takes weights. */
    public static Map<String, Map<String, Double>> classWeights(List<ManifestEntry> rows) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            long real = rows.stream().filter(e -> e.isUsable() && e.split() == split && !e.label().isFake()).count();
            long fake = rows.stream().filter(e -> e.isUsable() && e.split() == split && e.label().isFake()).count();
            if (real == 0 || fake == 0) {
                continue;
            }
            Map<String, Double> w = new LinkedHashMap<>();
            w.put(Label.REAL.code(), (real + fake) / (2.0 * real));
            w.put(Label.FAKE.code(), (real + fake) / (2.0 * fake));
            out.put(split == Split.NONE ? "none" : split.code(), w);
        }
        return out;
    }
}
