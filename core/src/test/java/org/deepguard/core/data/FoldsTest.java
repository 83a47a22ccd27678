package org.deepguard.core.data;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FoldsTest {
    private static ManifestEntry row(String path, Label label, String group, String generator) {
        Map<String, String> extra = generator == null ? Map.of() : Map.of(Folds.GENERATOR_COLUMN, generator);
        return new ManifestEntry(path, label, Split.NONE, "", 0, 0, ManifestEntry.Status.OK, "", group, extra);
    }

    private static void add(List<ManifestEntry> rows, String group, Label label, int n) {
        for (int i = 0; i < n; i++) {
            rows.add(row(label.code() + "/" + group + "_" + i + ".png", label, group, null));
        }
    }

    /** Ten groups, 11 real and 11 fake images, plus one excluded row. */
    private static Manifest tenGroups() {
        List<ManifestEntry> rows = new ArrayList<>();
        add(rows, "A", Label.FAKE, 4);
        add(rows, "B", Label.REAL, 4);
        add(rows, "C", Label.FAKE, 3);
        add(rows, "D", Label.REAL, 3);
        add(rows, "E", Label.FAKE, 2);
        add(rows, "F", Label.REAL, 2);
        add(rows, "G", Label.FAKE, 1);
        add(rows, "H", Label.REAL, 1);
        add(rows, "I", Label.FAKE, 1);
        add(rows, "J", Label.REAL, 1);
        rows.add(row("real/broken.png", Label.REAL, "B", null).excluded("corrupt"));
        return new Manifest(rows, Path.of("/data"));
    }

    private static Set<String> groups(Folds.Fold f, Split s) {
        Set<String> out = new TreeSet<>();
        f.manifest().entries().stream().filter(e -> e.isUsable() && e.split() == s).forEach(e -> out.add(e.group()));
        return out;
    }

    @Test
    void stratifiedGroupKFoldAssignsLargestGroupsFirstToTheLeastLoadedFold() {
        List<Folds.Fold> folds = Folds.groupKFold(tenGroups(), 2);
        assertEquals(2, folds.size());
        // A f4 -> 0, B r4 -> 0, C f3 -> 1, D r3 -> 1, E f2 -> 1, F r2 -> 1, G f1 -> 0, H r1 -> 0, I, J: ties -> 0
        assertEquals(Set.of("A", "B", "G", "H", "I", "J"), groups(folds.get(0), Split.TEST));
        assertEquals(Set.of("C", "D", "E", "F"), groups(folds.get(1), Split.TEST));
        assertEquals(6, folds.get(0).count(Split.TEST, Label.REAL));
        assertEquals(6, folds.get(0).count(Split.TEST, Label.FAKE));
        assertEquals(5, folds.get(1).count(Split.TEST, Label.REAL));
        assertEquals(5, folds.get(1).count(Split.TEST, Label.FAKE));
        // Validation: per label, groups in SHA-256 order of their names until >= 20% of that label's images.
        // sha256: C 6b.. < E a9..; D 3f.. < F f6..; G 33.. < A 55.. < I a8..; H 44.. < J 6d.. < B df..
        assertEquals(Set.of("C", "D"), groups(folds.get(0), Split.VAL));
        assertEquals(Set.of("E", "F"), groups(folds.get(0), Split.TRAIN));
        assertEquals(Set.of("G", "A", "H", "J"), groups(folds.get(1), Split.VAL));
        assertEquals(Set.of("I", "B"), groups(folds.get(1), Split.TRAIN));
        assertEquals(Map.of("train_real", 4, "train_fake", 1, "val_real", 2, "val_fake", 5, "test_real", 5,
                "test_fake", 5, "set_aside", 0), folds.get(1).sizes());
    }

    @Test
    void everyUsableRowIsTestedExactlyOnceAndNoGroupIsSplit() {
        Manifest m = tenGroups();
        for (int k = 2; k <= 5; k++) {
            List<Folds.Fold> folds = Folds.groupKFold(m, k);
            Map<String, Integer> tested = new HashMap<>();
            for (Folds.Fold f : folds) {
                Map<String, Split> splitOfGroup = new HashMap<>();
                for (ManifestEntry e : f.manifest().entries()) {
                    if (!e.isUsable()) {
                        assertEquals("corrupt", e.reason(), "excluded rows are copied unchanged");
                        assertEquals(Split.NONE, e.split());
                        continue;
                    }
                    Split before = splitOfGroup.putIfAbsent(e.group(), e.split());
                    assertTrue(before == null || before == e.split(), "group " + e.group() + " split in fold "
                            + f.index());
                    assertTrue(e.split() != Split.NONE);
                    if (e.split() == Split.TEST) {
                        tested.merge(e.path(), 1, Integer::sum);
                    }
                }
                assertTrue(f.count(Split.TEST, Label.REAL) > 0 && f.count(Split.TEST, Label.FAKE) > 0);
            }
            assertEquals(22, tested.size(), "k=" + k);
            assertTrue(tested.values().stream().allMatch(n -> n == 1));
        }
    }

    @Test
    void foldsAreDeterministicAndIndependentOfRowOrder() {
        Manifest m = tenGroups();
        List<ManifestEntry> reversed = new ArrayList<>(m.entries());
        java.util.Collections.reverse(reversed);
        List<Folds.Fold> a = Folds.groupKFold(m, 3);
        List<Folds.Fold> b = Folds.groupKFold(m.withEntries(reversed), 3);
        for (int f = 0; f < 3; f++) {
            assertEquals(groups(a.get(f), Split.TEST), groups(b.get(f), Split.TEST));
            assertEquals(groups(a.get(f), Split.VAL), groups(b.get(f), Split.VAL));
            assertEquals(a.get(f).manifest().entries(), Folds.groupKFold(m, 3).get(f).manifest().entries());
        }
    }

    @Test
    void tooFewGroupsIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Folds.groupKFold(tenGroups(), 11));
        assertThrows(IllegalArgumentException.class, () -> Folds.groupKFold(tenGroups(), 1));
    }

    @Test
    void leaveOneGeneratorOutTestsExactlyOneGeneratorsFakesPerFold() {
        List<ManifestEntry> rows = new ArrayList<>();
        String[] gens = {"stylegan", "sd15", "dalle"};
        for (int g = 0; g < gens.length; g++) {
            for (int i = 0; i < 3; i++) {
                rows.add(row("fake/" + gens[g] + i + ".png", Label.FAKE, gens[g] + "-" + (i % 2), gens[g]));
            }
        }
        for (int i = 0; i < 7; i++) {
            rows.add(row("real/r" + i + ".png", Label.REAL, "r" + (i / 2), ""));
        }
        rows.add(row("real/src.png", Label.REAL, "pair", ""));
        rows.add(row("fake/src-gan.png", Label.FAKE, "pair", "stylegan"));
        rows.add(row("fake/unknown.png", Label.FAKE, "", ""));
        // one source photo made into fakes by two generators: the group is kept whole, each fake counts for its own
        rows.add(row("fake/mix1.png", Label.FAKE, "mix", "sd15"));
        rows.add(row("fake/mix2.png", Label.FAKE, "mix", "dalle"));
        Manifest m = new Manifest(rows, Path.of("/data"));
        List<Folds.Fold> folds = Folds.leaveOneGeneratorOut(m);
        assertEquals(List.of("dalle", "sd15", "stylegan"), folds.stream().map(Folds.Fold::generator).toList());
        Map<String, Integer> testedIn = new java.util.HashMap<>();
        for (Folds.Fold f : folds) {
            Set<String> testGroups = new HashSet<>();
            Set<String> trainGroups = new HashSet<>();
            for (ManifestEntry e : f.manifest().entries()) {
                String gen = e.extra().getOrDefault(Folds.GENERATOR_COLUMN, "");
                if (e.path().contains("unknown")) {
                    assertEquals(Split.NONE, e.split(), "a fake of unknown origin could be the held-out generator's");
                }
                if (e.split() == Split.TEST) {
                    testGroups.add(e.groupKey());
                    testedIn.merge(e.path(), 1, Integer::sum);
                    if (e.label() == Label.FAKE) {
                        assertEquals(f.generator(), gen, "only the held-out generator's fakes are tested");
                    }
                } else if (e.split() == Split.TRAIN || e.split() == Split.VAL) {
                    trainGroups.add(e.groupKey());
                    if (e.label() == Label.FAKE) {
                        assertTrue(!gen.equals(f.generator()), "a held-out generator's fake is trained on: " + e.path());
                    }
                }
            }
            assertTrue(java.util.Collections.disjoint(testGroups, trainGroups), "a group on both sides of fold "
                    + f.index() + ": " + testGroups + " " + trainGroups);
            assertTrue(f.count(Split.TEST, Label.FAKE) > 0 && f.count(Split.TEST, Label.REAL) > 0);
        }
        // 3 generators, 3 parts: every real is tested exactly once
        for (ManifestEntry e : m.entries()) {
            if (e.label() == Label.REAL) {
                assertEquals(1, testedIn.getOrDefault(e.path(), 0), e.path());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Folds.leaveOneGeneratorOut(tenGroups()));
    }

    @Test
    void leaveOneGeneratorOutOnSharedSourcesGivesExactSplits() {
        // two source photos, each made into a fake by generators a and b; two real photos
        Manifest m = new Manifest(List.of(
                row("g1-a.png", Label.FAKE, "g1", "a"), row("g1-b.png", Label.FAKE, "g1", "b"),
                row("g2-a.png", Label.FAKE, "g2", "a"), row("g2-b.png", Label.FAKE, "g2", "b"),
                row("r1.png", Label.REAL, "r1", ""), row("r2.png", Label.REAL, "r2", "")), Path.of("/data"));
        List<Folds.Fold> folds = Folds.leaveOneGeneratorOut(m);
        // groups largest first to the part with fewest images of their label: g1 -> 0, g2 -> 1, r1 -> 0, r2 -> 1;
        // validation never takes a label's last training group, so with one group per label nothing validates
        assertEquals(List.of(Split.TEST, Split.NONE, Split.NONE, Split.TRAIN, Split.TEST, Split.TRAIN),
                folds.get(0).manifest().entries().stream().map(ManifestEntry::split).toList(), "fold a");
        assertEquals(List.of(Split.TRAIN, Split.NONE, Split.NONE, Split.TEST, Split.TRAIN, Split.TEST),
                folds.get(1).manifest().entries().stream().map(ManifestEntry::split).toList(), "fold b");
    }
    private static Set<String> groups(Manifest m, Split s) {
        Set<String> out = new TreeSet<>();
        m.entries().stream().filter(e -> e.isUsable() && e.split() == s).forEach(e -> out.add(e.group()));
        return out;
    }

    /**
     * Cross-fitting re-splits only the train and validation rows: fold 0 of the ten groups trains and validates on
     * C f3, D r3, E f2, F r2, which spread (largest first, to the part with the fewest images of their label) as
     * C, D -> part 0 and E, F -> part 1. Test rows and the excluded row keep theirs.
     */
    @Test
    void crossFitPartsValidateEachTrainingGroupOnceAndLeaveTestRowsAlone() {
        Manifest fold = Folds.groupKFold(tenGroups(), 2).get(0).manifest();
        List<Manifest> parts = Folds.crossFitParts(fold, 2);
        assertEquals(2, parts.size());
        assertEquals(Set.of("C", "D"), groups(parts.get(0), Split.VAL));
        assertEquals(Set.of("E", "F"), groups(parts.get(0), Split.TRAIN));
        assertEquals(Set.of("E", "F"), groups(parts.get(1), Split.VAL));
        assertEquals(Set.of("C", "D"), groups(parts.get(1), Split.TRAIN));
        for (Manifest part : parts) {
            assertEquals(groups(fold, Split.TEST), groups(part, Split.TEST));
            assertEquals(fold.entries().size(), part.entries().size());
            for (int i = 0; i < fold.entries().size(); i++) {
                ManifestEntry before = fold.entries().get(i);
                ManifestEntry after = part.entries().get(i);
                assertEquals(before.path(), after.path());
                if (!before.isUsable() || before.split() == Split.TEST) {
                    assertEquals(before, after, "untouched: " + before.path());
                }
            }
        }
        assertEquals(6, parts.get(0).usable(Split.VAL).size()); // C 3 + D 3
        assertEquals(4, parts.get(0).usable(Split.TRAIN).size()); // E 2 + F 2
    }

    @Test
    void crossFitRefusesPartsThatWouldTrainWithoutALabel() {
        List<ManifestEntry> rows = new ArrayList<>();
        add(rows, "C", Label.FAKE, 3);
        add(rows, "D", Label.REAL, 3);
        add(rows, "F", Label.REAL, 2);
        List<ManifestEntry> train = rows.stream().map(e -> e.withSplit(Split.TRAIN)).toList();
        Manifest m = new Manifest(train, Path.of("/data"));
        // C -> 0, D -> 0, F -> 1: part 0 would train on F's reals alone
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Folds.crossFitParts(m, 2));
        assertTrue(e.getMessage().contains("part 0 would train on 2 real and 0 fake"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Folds.crossFitParts(m, 1));
    }
}
