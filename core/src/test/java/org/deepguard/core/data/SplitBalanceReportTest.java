package org.deepguard.core.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitBalanceReportTest {
    private static ManifestEntry e(String path, Label label, Split split, String group, String format) {
        return new ManifestEntry(path, label, split, path, 64, 64, ManifestEntry.Status.OK, "", group,
                Map.of("format", format, "color_mode", "rgb", "bytes", "2000"));
    }

    @Test
    void keepGroupsTogetherMovesLeakingGroupsToTheirMajoritySplit() {
        List<ManifestEntry> rows = List.of(
                e("a", Label.REAL, Split.TEST, "g1", "png"),
                e("b", Label.REAL, Split.TRAIN, "g1", "png"),
                e("c", Label.REAL, Split.TEST, "g1", "png"),
                e("d", Label.FAKE, Split.VAL, "g2", "png"),
                e("e", Label.FAKE, Split.TEST, "g2", "png"),
                e("f", Label.FAKE, Split.NONE, "g3", "png"),
                e("g", Label.FAKE, Split.VAL, "g3", "png"),
                e("h", Label.FAKE, Split.TEST, "", "png"));
        int[] moved = {0};
        List<ManifestEntry> out = Splitter.keepGroupsTogether(rows, moved);
        assertEquals(List.of(Split.TEST, Split.TEST, Split.TEST, Split.VAL, Split.VAL, Split.VAL, Split.VAL,
                Split.TEST), out.stream().map(ManifestEntry::split).toList());
        assertEquals(3, moved[0]);
        assertTrue(NearDuplicates.leaks(out).isEmpty());
    }

    private static List<ManifestEntry> imbalanced() {
        List<ManifestEntry> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(e("r" + i, Label.REAL, Split.TRAIN, "", "jpeg"));
        }
        for (int i = 0; i < 2; i++) {
            rows.add(e("f" + i, Label.FAKE, Split.TRAIN, "", "png"));
        }
        rows.add(e("rt", Label.REAL, Split.TEST, "", "jpeg"));
        rows.add(e("ft", Label.FAKE, Split.TEST, "", "png"));
        return rows;
    }

    @Test
    void balanceUnderOverAndWeights() {
        List<ManifestEntry> under = Balancer.balance(imbalanced(), Balancer.Mode.UNDER, EnumSet.allOf(Split.class), 1);
        assertEquals(10, under.size());
        assertEquals(4, under.stream().filter(r -> r.reason().equals("undersampled")).count());
        assertTrue(under.stream().filter(r -> r.reason().equals("undersampled")).allMatch(r -> r.label() == Label.REAL));

        List<ManifestEntry> over = Balancer.balance(imbalanced(), Balancer.Mode.OVER, EnumSet.of(Split.TRAIN), 1);
        assertEquals(14, over.size());
        List<ManifestEntry> copies = over.subList(10, 14);
        assertTrue(copies.stream().allMatch(r -> r.label() == Label.FAKE && r.split() == Split.TRAIN));
        assertEquals(List.of("1", "1", "2", "2"), copies.stream().map(r -> r.extra().get("copy")).toList());

        List<ManifestEntry> w = Balancer.balance(imbalanced(), Balancer.Mode.WEIGHTS, EnumSet.of(Split.TRAIN), 1);
        assertEquals("0.666667", w.get(0).extra().get("weight")); // 8 / (2 * 6)
        assertEquals("2.000000", w.get(6).extra().get("weight")); // 8 / (2 * 2)
        assertEquals(null, w.get(8).extra().get("weight")); // test split not asked for
        assertEquals(Map.of("real", 8 / 12.0, "fake", 2.0), Balancer.classWeights(imbalanced()).get("train"));
    }

    @Test
    void reportCountsHistogramsAndShortcutWarnings() {
        List<ManifestEntry> rows = new ArrayList<>(imbalanced());
        rows.add(e("x", Label.FAKE, Split.TRAIN, "", "png").excluded("corrupt"));
        rows.add(e("y", Label.REAL, Split.TEST, "g", "jpeg"));
        rows.add(e("z", Label.REAL, Split.TRAIN, "g", "jpeg"));
        DatasetReport r = DatasetReport.of(rows);
        assertEquals(13, r.total());
        assertEquals(12, r.usable());
        assertEquals(Map.of("real", 7, "fake", 2), r.counts().get("train"));
        assertEquals(Map.of("real", 2, "fake", 1), r.counts().get("test"));
        assertEquals(List.of("train", "test"), List.copyOf(r.counts().keySet()));
        assertEquals(Map.of("real", 0, "fake", 1), r.excludedByReason().get("corrupt"));
        assertEquals(Map.of("real", 9, "fake", 0), r.histograms().get("format").get("jpeg"));
        assertEquals(Map.of("real", 0, "fake", 3), r.histograms().get("format").get("png"));
        assertEquals(Map.of("real", 9, "fake", 3), r.histograms().get("min_side").get("64-127"));
        assertEquals(List.of("0-3 KiB", "4-15 KiB", "16-63 KiB", "1024-4095 KiB", "unknown"),
                List.copyOf(new java.util.TreeSet<String>(DatasetReport::compareBuckets) {{
                    addAll(List.of("unknown", "16-63 KiB", "1024-4095 KiB", "0-3 KiB", "4-15 KiB"));
                }}));
        assertEquals("16-63 KiB", DatasetReport.sizeBucket("20000"));
        assertEquals("256-511", DatasetReport.sideBucket(300));
        assertEquals(1.0, DatasetReport.classDistance(r.histograms().get("format")), 1e-12);
        assertEquals(1, r.leaks().size());
        assertEquals(1, r.nearDuplicateClusters());
        assertEquals(2, r.largestCluster());
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("format differs between real and fake")));
        assertTrue(r.warnings().stream().noneMatch(w -> w.startsWith("min_side differs")));
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith("split train is imbalanced")));
    }
}
