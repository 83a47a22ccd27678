package org.deepguard.core.data;

import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupRuleTest {
    @TempDir
    Path tmp;

    private static final Set<String> LAYOUT = Set.of("real", "fake", "train", "test");

    @Test
    void prefixIsTheStemBeforeATrailingNumber() {
        GroupRule r = GroupRule.PREFIX;
        assertEquals("face_clm-kim", r.groupOf("fake/face_clm-kim_074.png", LAYOUT));
        assertEquals("face_clm-kim", r.groupOf("real/sub/face_clm-kim_075.jpg", LAYOUT), "folders are ignored");
        assertEquals("photo_cv-chicky_", r.groupOf("fake/photo_cv-chicky__447.png", LAYOUT));
        assertEquals("photo_sklearn-china.jpg", r.groupOf("fake/photo_sklearn-china.jpg_467.png", LAYOUT));
        assertEquals("a_b", r.groupOf("a_b_12.jpeg", LAYOUT));
        assertEquals("", r.groupOf("real/IMG.png", LAYOUT), "no suffix: its own group");
        assertEquals("", r.groupOf("real/x_12_a.png", LAYOUT), "the number must end the stem");
        assertEquals("", r.groupOf("real/_12.png", LAYOUT), "nothing before the number");
        assertEquals("", r.groupOf("real/x12.png", LAYOUT), "no underscore");
        assertEquals("g-nd-1", r.groupOf("real/nd-1_5.png", LAYOUT), "never taken for a near-duplicate cluster");
    }

    @Test
    void folderIsTheParentFolderUnlessItIsALabelOrSplitFolder() {
        GroupRule r = GroupRule.FOLDER;
        assertEquals("real/person1", r.groupOf("real/person1/f_001.png", LAYOUT));
        assertEquals("train/fake/video9", r.groupOf("train/fake/video9/0003.png", LAYOUT));
        assertEquals("real/person1", r.groupOf("real\\person1\\f.png", LAYOUT));
        assertEquals("", r.groupOf("real/x.png", LAYOUT));
        assertEquals("", r.groupOf("train/fake/x.png", LAYOUT));
        assertEquals("", r.groupOf("x.png", LAYOUT));
        assertEquals("", GroupRule.NEAR_DUPLICATE.groupOf("real/person1/x_1.png", LAYOUT));
    }

    @Test
    void parsesCodes() {
        assertEquals(GroupRule.NEAR_DUPLICATE, GroupRule.parse("near-duplicate"));
        assertEquals(GroupRule.NEAR_DUPLICATE, GroupRule.parse("NEAR_DUPLICATE"));
        assertEquals(GroupRule.FOLDER, GroupRule.parse(" folder "));
        assertThrows(IllegalArgumentException.class, () -> GroupRule.parse("name"));
    }

    @Test
    void scanGroupsByPrefixAndMergesPrefixesThatShareANearDuplicateCluster() throws Exception {
        Path root = tmp.resolve("data");
        BufferedImage p1 = TestImages.texture(64, 1);
        TestImages.png(root.resolve("real/p_001.png"), p1);
        TestImages.png(root.resolve("real/p_002.png"), TestImages.texture(64, 2));
        TestImages.png(root.resolve("fake/q_001.png"), TestImages.texture(64, 3));
        // q_002 is p_001 with one pixel changed: other bytes, the same perceptual hash
        BufferedImage copy = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        copy.getGraphics().drawImage(p1, 0, 0, null);
        copy.setRGB(5, 5, copy.getRGB(5, 5) ^ 0x010101);
        TestImages.png(root.resolve("fake/q_002.png"), copy);
        TestImages.png(root.resolve("fake/r_001.png"), TestImages.texture(64, 4));
        TestImages.png(root.resolve("fake/r_002.png"), TestImages.texture(64, 5));
        TestImages.png(root.resolve("real/s.png"), TestImages.texture(64, 6));

        Map<String, String> prefix = groups(root, GroupRule.PREFIX);
        String merged = prefix.get("real/p_001.png");
        assertTrue(merged.startsWith(NearDuplicates.GROUP_PREFIX), merged);
        assertEquals(merged, prefix.get("real/p_002.png"));
        assertEquals(merged, prefix.get("fake/q_001.png"));
        assertEquals(merged, prefix.get("fake/q_002.png"));
        assertEquals("r", prefix.get("fake/r_001.png"));
        assertEquals("r", prefix.get("fake/r_002.png"));
        assertEquals("", prefix.get("real/s.png"));

        // the default: near-duplicate clusters alone
        Map<String, String> near = groups(root, GroupRule.NEAR_DUPLICATE);
        assertEquals(near.get("real/p_001.png"), near.get("fake/q_002.png"));
        assertTrue(near.get("real/p_001.png").startsWith(NearDuplicates.GROUP_PREFIX));
        assertEquals("", near.get("real/p_002.png"));
        assertEquals("", near.get("fake/r_001.png"));
        assertNotEquals(near.get("real/p_001.png"), near.get("fake/q_001.png"));
    }

    @Test
    void scanGroupsByFolderAndKeepsDropNearDuplicatesAboutClustersOnly() throws Exception {
        Path root = tmp.resolve("frames");
        for (int i = 0; i < 3; i++) {
            TestImages.png(root.resolve("real/v1/f" + i + ".png"), TestImages.texture(64, 10 + i));
            TestImages.png(root.resolve("fake/v2/f" + i + ".png"), TestImages.texture(64, 20 + i));
        }
        TestImages.png(root.resolve("fake/loose.png"), TestImages.texture(64, 30));
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults().withThreads(1)
                .withNearDuplicates(NearDuplicates.DEFAULT_THRESHOLD, true).withGroupRule(GroupRule.FOLDER), n -> {});
        Map<String, ManifestEntry> byPath = m.entries().stream()
                .collect(Collectors.toMap(ManifestEntry::path, Function.identity()));
        assertEquals("real/v1", byPath.get("real/v1/f2.png").group());
        assertEquals("fake/v2", byPath.get("fake/v2/f0.png").group());
        assertEquals("", byPath.get("fake/loose.png").group());
        // a folder group is not a near-duplicate cluster: nothing is dropped
        assertTrue(m.entries().stream().allMatch(ManifestEntry::isUsable));
        // and every folder sits in one split
        assertEquals(1, m.entries().stream().filter(e -> e.group().equals("real/v1")).map(ManifestEntry::split)
                .distinct().count());
    }

    private Map<String, String> groups(Path root, GroupRule rule) throws Exception {
        Manifest m = DatasetScanner.scan(root, DatasetScanner.Options.defaults().withThreads(1).withGroupRule(rule),
                n -> {});
        return m.entries().stream().collect(Collectors.toMap(ManifestEntry::path, ManifestEntry::group));
    }
}
