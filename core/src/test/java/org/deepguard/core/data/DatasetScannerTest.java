package org.deepguard.core.data;

import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.testing.BadCorpus;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetScannerTest {
    @TempDir
    Path tmp;

    private static Map<String, Integer> reasonCounts(Manifest m) {
        Map<String, Integer> counts = new TreeMap<>();
        m.entries().forEach(e -> counts.merge(e.reason(), 1, Integer::sum));
        return counts;
    }

    private static ManifestEntry row(Manifest m, String path) {
        return m.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow();
    }

    @Test
    void everyReasonCodeIsCountedExactlyAndSourcesStayIdentical() throws Exception {
        Path root = BadCorpus.write(tmp.resolve("corpus"));
        Map<String, String> before = BadCorpus.hashes(root);
        AtomicInteger progressed = new AtomicInteger();
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults().withThreads(2),
                progressed::addAndGet);

        assertEquals(new TreeMap<>(BadCorpus.EXPECTED), reasonCounts(m));
        assertEquals(before.size(), m.entries().size());
        assertEquals(before.size(), progressed.get());
        assertEquals(before, BadCorpus.hashes(root));

        assertEquals("duplicate", row(m, "real/ok_2.png").reason());
        assertTrue(row(m, "real/a_dup.png").isUsable());
        assertEquals("conflicting_labels", row(m, "fake/both.png").reason());
        assertEquals("too_large", row(m, "real/bomb.png").reason());
        // converted colour modes are usable and recorded
        assertEquals("gray", row(m, "real/gray.png").extra().get("color_mode"));
        assertEquals("gray16", row(m, "fake/gray16.png").extra().get("color_mode"));
        assertEquals("rgba", row(m, "fake/rgba.png").extra().get("color_mode"));
        assertEquals("cmyk", row(m, "real/cmyk.jpg").extra().get("color_mode"));
        assertTrue(row(m, "real/cmyk.jpg").isUsable());
        assertEquals("jpeg", row(m, "real/ok_1_copy.jpg").extra().get("format"));
        // the re-encoded, resized copy is grouped with its original, so both land in one split
        ManifestEntry original = row(m, "real/ok_1.png");
        ManifestEntry copy = row(m, "real/ok_1_copy.jpg");
        assertFalse(original.group().isEmpty());
        assertEquals(original.group(), copy.group());
        assertEquals(original.split(), copy.split());
        assertTrue(m.entries().stream().filter(ManifestEntry::isUsable).allMatch(e -> e.split() != Split.NONE));
        assertTrue(NearDuplicates.leaks(m.entries()).isEmpty());
    }

    @Test
    void dropNearDuplicatesKeepsTheLargerImage() throws Exception {
        Path root = BadCorpus.write(tmp.resolve("corpus"));
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults()
                .withNearDuplicates(NearDuplicates.DEFAULT_THRESHOLD, true), n -> {});
        assertEquals("near_duplicate", row(m, "real/ok_1_copy.jpg").reason());
        assertTrue(row(m, "real/ok_1.png").isUsable());
        assertEquals(1, reasonCounts(m).get("near_duplicate"));
        assertEquals(BadCorpus.EXPECTED.get("") - 1, reasonCounts(m).get(""));
    }

    @Test
    void optionsDecideSizeAspectAndPixelLimits() throws Exception {
        Path root = BadCorpus.write(tmp.resolve("corpus"));
        // A 2,000-pixel limit refuses the 48x48 textures (2,304 px) and wide (4,000 px) before decoding; the
        // 40x40 grey image (1,600 px) decodes but is below a 45 px minimum side.
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults()
                .withChecks(45, 10, new ImageLoader.Limits(1 << 20, 2_000)), n -> {});
        assertEquals("too_large", row(m, "fake/wide.png").reason());
        assertEquals("too_large", row(m, "real/ok_0.png").reason());
        assertEquals("too_small", row(m, "real/gray.png").reason());
        // A 1 KiB file limit refuses by size alone.
        Manifest small = DatasetScanner.scan(root, DatasetScanner.Options.defaults()
                .withChecks(8, 4, new ImageLoader.Limits(1024, 100_000_000)), n -> {});
        assertEquals("too_large", row(small, "real/ok_0.png").reason());
        assertEquals(64, row(small, "real/ok_0.png").sha256().length());
    }

    @Test
    void layoutsWithSplitFoldersAndCnnDetectionFolders() throws Exception {
        Path faces = tmp.resolve("real_vs_fake");
        TestImages.png(faces.resolve("train/real/a.png"), TestImages.texture(32, 1));
        TestImages.png(faces.resolve("valid/fake/b.png"), TestImages.texture(32, 2));
        TestImages.png(faces.resolve("test/real/c.png"), TestImages.texture(32, 3));
        Manifest m = DatasetScanner.scan(faces, DatasetScanner.Options.defaults(), n -> {});
        assertEquals(Split.TRAIN, row(m, "train/real/a.png").split());
        assertEquals(Split.VAL, row(m, "valid/fake/b.png").split());
        assertEquals(Label.FAKE, row(m, "valid/fake/b.png").label());
        assertEquals(Split.TEST, row(m, "test/real/c.png").split());

        Path cnn = tmp.resolve("cnndetection");
        TestImages.png(cnn.resolve("train/horse/0_real/x.png"), TestImages.texture(32, 4));
        TestImages.png(cnn.resolve("train/horse/1_fake/y.png"), TestImages.texture(32, 5));
        TestImages.png(cnn.resolve("test/progan/cat/1_fake/z.png"), TestImages.texture(32, 6));
        Manifest c = DatasetScanner.scan(cnn, DatasetScanner.Options.defaults(), n -> {});
        assertEquals(Label.REAL, row(c, "train/horse/0_real/x.png").label());
        assertEquals(Label.FAKE, row(c, "train/horse/1_fake/y.png").label());
        assertEquals(Split.TEST, row(c, "test/progan/cat/1_fake/z.png").split());
    }

    @Test
    void configurableLabelFolders() throws Exception {
        Path root = tmp.resolve("custom");
        TestImages.png(root.resolve("authentic/a.png"), TestImages.texture(32, 1));
        TestImages.png(root.resolve("generated/b.png"), TestImages.texture(32, 2));
        TestImages.png(root.resolve("other/c.png"), TestImages.texture(32, 3));
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults().withLabelFolders(
                Map.of("authentic", Label.REAL, "generated", Label.FAKE)), n -> {});
        assertEquals(2, m.entries().size());
        assertEquals(Label.REAL, row(m, "authentic/a.png").label());
        assertEquals(Label.FAKE, row(m, "generated/b.png").label());
    }

    @Test
    void resumeJournalSkipsFinishedFilesAndNoticesChangedOnes() throws Exception {
        Path root = BadCorpus.write(tmp.resolve("corpus"));
        Path journal = tmp.resolve(".m.csv.scan-cache.jsonl");
        Manifest first;
        try (ScanCache cache = ScanCache.open(journal, ImageLoader.Limits.DEFAULT)) {
            first = DatasetScanner.scan(root, DatasetScanner.Options.defaults(), cache, n -> {});
            assertEquals(0, cache.reused());
        }
        // Simulate a run killed mid-write: a torn last line is ignored.
        Files.writeString(journal, Files.readString(journal) + "{\"path\":\"real/zz", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        Path changed = root.resolve("fake/ok_3.png");
        TestImages.png(changed, TestImages.texture(48, 999));
        Files.setLastModifiedTime(changed, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        try (ScanCache cache = ScanCache.open(journal, ImageLoader.Limits.DEFAULT)) {
            Manifest second = DatasetScanner.scan(root, DatasetScanner.Options.defaults(), cache, n -> {});
            assertEquals(first.entries().size() - 1, cache.reused());
            assertNotEquals(row(first, "fake/ok_3.png").sha256(), row(second, "fake/ok_3.png").sha256());
            assertEquals(row(first, "real/ok_0.png"), row(second, "real/ok_0.png"));
        }
        // Other decode limits invalidate the journal.
        try (ScanCache cache = ScanCache.open(journal, new ImageLoader.Limits(1 << 20, 1_000_000))) {
            assertEquals(0, cache.size());
        }
    }

    @Test
    void sameSeedSameManifest() throws Exception {
        Path root = TestImages.sampleDataset(tmp.resolve("s"), 10, 32);
        Manifest a = DatasetScanner.scan(root, DatasetScanner.Options.defaults(), n -> {});
        Manifest b = DatasetScanner.scan(root, DatasetScanner.Options.defaults().withThreads(1), n -> {});
        assertEquals(a.entries(), b.entries());
        assertEquals(14, a.entries().stream().filter(e -> e.split() == Split.TRAIN).count());
        assertEquals(4, a.entries().stream().filter(e -> e.split() == Split.VAL).count());
        assertEquals(2, a.entries().stream().filter(e -> e.split() == Split.TEST).count());
    }

    @Test
    void followsSymbolicLinksToTheRootAndToFoldersAndSurvivesLoops() throws Exception {
        Path store = tmp.resolve("store");
        TestImages.png(store.resolve("reals/a.png"), TestImages.texture(32, 1));
        TestImages.png(tmp.resolve("ds/fake/b.png"), TestImages.texture(32, 2));
        Files.createSymbolicLink(tmp.resolve("ds/real"), store.resolve("reals"));
        Files.createSymbolicLink(store.resolve("reals/loop"), store.resolve("reals"));
        Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked"), tmp.resolve("ds"));
        Manifest m = DatasetScanner.scan(linkedRoot, DatasetScanner.Options.defaults(), n -> {});
        assertEquals(java.util.List.of("fake/b.png", "real/a.png"),
                m.entries().stream().map(ManifestEntry::path).sorted().toList());
    }

    @Test
    void jpegComponentCountFromTheFrameHeader() throws Exception {
        assertEquals(3, DatasetScanner.jpegComponents(BadCorpus.jpeg(TestImages.texture(16, 1), 0.9f)));
        assertEquals(4, DatasetScanner.jpegComponents(BadCorpus.cmykJpeg(16)));
        java.awt.image.BufferedImage gray = new java.awt.image.BufferedImage(16, 16,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        assertEquals(1, DatasetScanner.jpegComponents(BadCorpus.jpeg(gray, 0.9f)));
        assertEquals(-1, DatasetScanner.jpegComponents(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4, 5, 6, 7, 8,
            9, 10, 11}));
    }
}
