package org.deepguard.core.data;

import org.deepguard.core.io.Hashing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Cross-validation folds that never split a group (see {@link ManifestEntry#groupKey()}): each fold is a copy of the
 * manifest whose usable rows are re-split into test (the held-out groups), val (about 20% of each label's other
 * images, by whole groups) and train (the rest). Excluded rows are copied unchanged. Everything is deterministic: no
 * seed, no shuffling, so a rerun (or a resumed run) builds the same folds.
 *
 * <ul>
 *   <li>{@link By#GROUP}: stratified group K-fold. Groups are taken largest first (ties by name); each goes to the
 *       fold currently holding the fewest images of the group's majority label (ties: the lowest fold index).</li>
 *   <li>{@link By#GENERATOR}: leave-one-generator-out, from the {@code generator} column. One fold per generator
 *       value among the usable fakes; a fold's test fakes are exactly that generator's. Groups without fakes (the
 *       reals) are spread over the folds by the group K-fold rule, so every fold tests reals too. A group whose fakes
 *       have no generator value, or more than one, sits out (split left empty: in no fold's train, val or test),
 *       since it could not be held out without leaking a generator into training.</li>
 * </ul>
 */
public final class Folds {
    public static final String GENERATOR_COLUMN = "generator";
    /** Share of each label's non-test images that validates (early stopping, calibration, threshold). */
    public static final double VAL_FRACTION = 0.2;

    public enum By {
        GROUP, GENERATOR;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static By parse(String s) {
            String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "group" -> GROUP;
                case "generator" -> GENERATOR;
                default -> throw new IllegalArgumentException("folds must be by group or generator, got '" + s + "'");
            };
        }
    }

    /**
     * One fold.
     *
     * @param index     0-based
     * @param generator the held-out generator (leave-one-generator-out), else empty
     * @param manifest  the manifest with this fold's splits
     */
    public record Fold(int index, String generator, Manifest manifest) {
        public int count(Split split, Label label) {
            return (int) manifest.entries().stream()
                    .filter(e -> e.isUsable() && e.split() == split && e.label() == label).count();
        }

        /** train_real, train_fake, val_real, val_fake, test_real, test_fake, set_aside (usable rows in no split). */
        public Map<String, Integer> sizes() {
            Map<String, Integer> m = new LinkedHashMap<>();
            for (Split s : List.of(Split.TRAIN, Split.VAL, Split.TEST)) {
                for (Label l : Label.values()) {
                    m.put(s.code() + "_" + l.code(), count(s, l));
                }
            }
            m.put("set_aside", count(Split.NONE, Label.REAL) + count(Split.NONE, Label.FAKE));
            return m;
        }
    }

    private Folds() {}

    public static List<Fold> make(Manifest manifest, By by, int k) {
        return by == By.GENERATOR ? leaveOneGeneratorOut(manifest) : groupKFold(manifest, k);
    }

    /** A one-line description of the protocol, stored with the results. */
    public static String describe(By by, int folds) {
        String val = String.format(Locale.ROOT, "val = about %.0f%% of each label's other images by whole groups "
                + "(groups ordered by SHA-256 of their name), train = the rest", 100 * VAL_FRACTION);
        return by == By.GENERATOR
                ? "leave-one-generator-out over " + folds + " generators: groups spread over min(3, generators) "
                + "stratified parts; fold j tests part j mod parts (its reals and generator j's fakes) and trains on "
                + "the other parts without generator j's fakes; groups never split; " + val
                : "stratified group " + folds + "-fold: groups (largest first) to the fold with the fewest images of "
                + "their majority label; test = one fold; groups never split; " + val;
    }

    public static List<Fold> groupKFold(Manifest manifest, int k) {
        if (k < 2) {
            throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + k);
        }
        Map<String, Group> groups = groups(manifest);
        if (groups.size() < k) {
            throw new IllegalArgumentException("only " + groups.size() + " groups of usable images: cannot make " + k
                    + " folds without splitting a group");
        }
        Map<String, Integer> foldOf = new LinkedHashMap<>();
        spread(ordered(groups.values()), k, new int[k][2], foldOf);
        return build(manifest, groups, foldOf, k, new ArrayList<>(java.util.Collections.nCopies(k, "")));
    }

    /**
     * Cross-fitting parts for a k-member ensemble: the usable rows of the train and validation splits, whole groups
     * spread over k stratified parts as {@link #groupKFold} spreads them; manifest i has part i as its validation
     * split and the other parts as its training split. Test rows, and rows in no split, keep their split, so no member
     * ever trains or validates on them. Every train/validation group is validated on by exactly one member.
     *
     * @throws IllegalArgumentException when some member would train without one of the labels (too few groups)
     */
    public static List<Manifest> crossFitParts(Manifest manifest, int k) {
        if (k < 2) {
            throw new IllegalArgumentException("cross-fitting needs at least 2 parts, got " + k);
        }
        Map<String, Group> groups = groups(manifest, e -> e.split() == Split.TRAIN || e.split() == Split.VAL);
        Map<String, Integer> partOf = new LinkedHashMap<>();
        spread(ordered(groups.values()), k, new int[k][2], partOf);
        List<Manifest> parts = new ArrayList<>(k);
        for (int part = 0; part < k; part++) {
            int[] trainLabels = new int[2];
            List<ManifestEntry> rows = new ArrayList<>(manifest.entries());
            for (Group g : groups.values()) {
                boolean validates = partOf.get(g.name) == part;
                for (int i : g.rows) {
                    ManifestEntry e = rows.get(i);
                    rows.set(i, e.withSplit(validates ? Split.VAL : Split.TRAIN));
                    if (!validates) {
                        trainLabels[e.label() == Label.REAL ? 0 : 1]++;
                    }
                }
            }
            if (trainLabels[0] == 0 || trainLabels[1] == 0) {
                throw new IllegalArgumentException("too few groups to cross-fit " + k + " members: part " + part
                        + " would train on " + trainLabels[0] + " real and " + trainLabels[1] + " fake images");
            }
            parts.add(manifest.withEntries(rows));
        }
        return parts;
    }

    /**
     * Leave-one-generator-out within grouped folds. Sources are usually shared between generators (one photo
     * up-scaled by several models), so whole groups cannot follow their generator. Instead every group goes to one of
     * m = min(3, generators) stratified group parts; the fold of generator j tests part j mod m: that part's reals and
     * its fakes by generator j (its other fakes sit out), and trains and validates on the other parts' reals and
     * fakes by every other generator (their fakes by generator j sit out). No group is on both sides of a fold, no
     * fake of the held-out generator is ever trained on, and fakes without a generator value sit out everywhere.
     */
    public static List<Fold> leaveOneGeneratorOut(Manifest manifest) {
        Map<String, Group> groups = groups(manifest);
        TreeSet<String> generators = new TreeSet<>();
        for (Group g : groups.values()) {
            generators.addAll(g.generators);
        }
        if (generators.size() < 2) {
            throw new IllegalArgumentException("leave-one-generator-out needs a '" + GENERATOR_COLUMN + "' column "
                    + "naming at least 2 generators among the usable fakes, found " + generators.size());
        }
        List<String> names = List.copyOf(generators);
        int parts = Math.min(GENERATOR_TEST_PARTS, names.size());
        Map<String, Integer> partOf = spreadByGenerator(ordered(groups.values()), parts);
        List<Fold> folds = new ArrayList<>(names.size());
        for (int f = 0; f < names.size(); f++) {
            String heldOut = names.get(f);
            int testPart = f % parts;
            // validation is chosen among the rows this fold can train on (the held-out generator's fakes set aside),
            // and never takes a label's last training group
            List<Group> rest = new ArrayList<>();
            for (Group g : groups.values()) {
                if (partOf.get(g.name) != testPart) {
                    Group kept = new Group(g.name);
                    for (int i : g.rows) {
                        ManifestEntry e = manifest.entries().get(i);
                        String gen = e.label() == Label.FAKE
                                ? e.extra().getOrDefault(GENERATOR_COLUMN, "").trim() : null;
                        if (gen == null) {
                            kept.rows.add(i);
                            kept.reals++;
                        } else if (!gen.isEmpty() && !gen.equals(heldOut)) {
                            kept.rows.add(i);
                        }
                    }
                    if (!kept.rows.isEmpty()) {
                        rest.add(kept);
                    }
                }
            }
            TreeSet<String> val = validationGroups(rest, true);
            List<ManifestEntry> rows = new ArrayList<>(manifest.entries().size());
            for (int i = 0; i < manifest.entries().size(); i++) {
                ManifestEntry e = manifest.entries().get(i);
                if (!e.isUsable()) {
                    rows.add(e);
                    continue;
                }
                boolean test = partOf.get(e.groupKey()) == testPart;
                String gen = e.label() == Label.FAKE ? e.extra().getOrDefault(GENERATOR_COLUMN, "").trim() : null;
                Split s;
                if (gen != null && (gen.isEmpty() || test != gen.equals(heldOut))) {
                    s = Split.NONE; // held-out generator in training, other generators in test, or unknown
                } else {
                    s = test ? Split.TEST : val.contains(e.groupKey()) ? Split.VAL : Split.TRAIN;
                }
                rows.add(e.withSplit(s));
            }
            folds.add(new Fold(f, heldOut, manifest.withEntries(rows)));
        }
        return folds;
    }

    /**
     * Each group to the part holding the fewest images of its kind (real, or fake by the same generators), ties to
     * the part with the fewest images of its label, then the lowest index: every generator's fakes end up spread
     * over the parts, so each fold has some to test and others to train on.
     */
    private static Map<String, Integer> spreadByGenerator(List<Group> ordered, int parts) {
        Map<String, int[]> kindLoad = new java.util.HashMap<>();
        int[][] labelLoad = new int[parts][2];
        Map<String, Integer> partOf = new LinkedHashMap<>();
        for (Group g : ordered) {
            int label = g.majority();
            String kind = label == 0 ? "real" : String.join(",", g.generators);
            int[] load = kindLoad.computeIfAbsent(kind, x -> new int[parts]);
            int best = 0;
            for (int p = 1; p < parts; p++) {
                if (load[p] < load[best] || (load[p] == load[best] && labelLoad[p][label] < labelLoad[best][label])) {
                    best = p;
                }
            }
            partOf.put(g.name, best);
            load[best] += g.rows.size();
            labelLoad[best][0] += g.reals;
            labelLoad[best][1] += g.fakes();
        }
        return partOf;
    }

    /** Group parts that leave-one-generator-out rotates its test sides over. */
    static final int GENERATOR_TEST_PARTS = 3;

    /** Usable rows of one group. */
    private static final class Group {
        final String name;
        final List<Integer> rows = new ArrayList<>();
        final TreeSet<String> generators = new TreeSet<>();
        int reals;
        boolean fakeWithoutGenerator;

        Group(String name) {
            this.name = name;
        }

        int fakes() {
            return rows.size() - reals;
        }

        /** As in {@link Splitter}: a tie goes to fake. */
        int majority() {
            return fakes() * 2 >= rows.size() ? 1 : 0;
        }
    }

    private static Map<String, Group> groups(Manifest manifest) {
        return groups(manifest, e -> true);
    }

    /** The usable rows that {@code include} accepts, by group. */
    private static Map<String, Group> groups(Manifest manifest, java.util.function.Predicate<ManifestEntry> include) {
        Map<String, Group> groups = new TreeMap<>();
        List<ManifestEntry> rows = manifest.entries();
        for (int i = 0; i < rows.size(); i++) {
            ManifestEntry e = rows.get(i);
            if (!e.isUsable() || !include.test(e)) {
                continue;
            }
            Group g = groups.computeIfAbsent(e.groupKey(), Group::new);
            g.rows.add(i);
            if (e.label() == Label.REAL) {
                g.reals++;
            } else {
                String gen = e.extra().getOrDefault(GENERATOR_COLUMN, "").trim();
                if (gen.isEmpty()) {
                    g.fakeWithoutGenerator = true;
                } else {
                    g.generators.add(gen);
                }
            }
        }
        return groups;
    }

    private static List<Group> ordered(java.util.Collection<Group> groups) {
        return groups.stream().sorted(Comparator.comparingInt((Group g) -> -g.rows.size())
                .thenComparing(g -> g.name)).toList();
    }

    /** Each group to the fold holding the fewest images of its majority label (ties: lowest index). */
    private static void spread(List<Group> ordered, int k, int[][] load, Map<String, Integer> foldOf) {
        for (Group g : ordered) {
            int label = g.majority();
            int best = 0;
            for (int f = 1; f < k; f++) {
                if (load[f][label] < load[best][label]) {
                    best = f;
                }
            }
            foldOf.put(g.name, best);
            load[best][0] += g.reals;
            load[best][1] += g.fakes();
        }
    }

    private static List<Fold> build(Manifest manifest, Map<String, Group> groups, Map<String, Integer> foldOf, int k,
                                    List<String> generators) {
        List<Fold> folds = new ArrayList<>(k);
        for (int f = 0; f < k; f++) {
            final int fold = f;
            List<Group> rest = groups.values().stream()
                    .filter(g -> foldOf.containsKey(g.name) && foldOf.get(g.name) != fold).toList();
            TreeSet<String> val = validationGroups(rest, false);
            Split[] split = new Split[manifest.entries().size()];
            for (Group g : groups.values()) {
                Integer home = foldOf.get(g.name);
                Split s = home == null ? Split.NONE
                        : home == fold ? Split.TEST : val.contains(g.name) ? Split.VAL : Split.TRAIN;
                g.rows.forEach(i -> split[i] = s);
            }
            List<ManifestEntry> rows = new ArrayList<>(split.length);
            for (int i = 0; i < split.length; i++) {
                ManifestEntry e = manifest.entries().get(i);
                rows.add(split[i] == null ? e : e.withSplit(split[i]));
            }
            folds.add(new Fold(f, generators.get(f), manifest.withEntries(rows)));
        }
        return folds;
    }

    /** Per majority label, whole groups in SHA-256 order of their names until at least 20% of the label's images. */
    private static TreeSet<String> validationGroups(List<Group> candidates, boolean keepOneForTraining) {
        TreeSet<String> chosen = new TreeSet<>();
        for (int label = 0; label < 2; label++) {
            final int l = label;
            List<Group> pool = candidates.stream().filter(g -> g.majority() == l)
                    .sorted(Comparator.comparing(g -> Hashing.sha256(g.name.getBytes(StandardCharsets.UTF_8))))
                    .toList();
            int total = pool.stream().mapToInt(g -> g.rows.size()).sum();
            int taken = 0;
            int left = pool.size();
            for (Group g : pool) {
                if (taken >= VAL_FRACTION * total || (keepOneForTraining && left <= 1)) {
                    break;
                }
                left--;
                chosen.add(g.name);
                taken += g.rows.size();
            }
        }
        return chosen;
    }
}
