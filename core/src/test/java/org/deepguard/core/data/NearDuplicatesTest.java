package org.deepguard.core.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NearDuplicatesTest {
    @Test
    void clustersByHammingDistanceTransitively() {
        long[] h = {0L, 0b111L, 0xFFL, -1L, 0b111L};
        // threshold 3: 0 ~ 0b111 (3 bits) ~ duplicate 0b111; 0xFF is 8 from 0 and 5 from 0b111
        assertArrayEquals(new int[] {0, 0, 2, 3, 0}, NearDuplicates.cluster(h, 3));
        // threshold 5: 0xFF joins through 0b111 (5 bits) although it is 8 bits from 0
        assertArrayEquals(new int[] {0, 0, 0, 3, 0}, NearDuplicates.cluster(h, 5));
        assertArrayEquals(new int[] {0, 1, 2, 3, 1}, NearDuplicates.cluster(h, 0));
    }

    @Test
    void bandIndexFindsExactlyWhatAllPairsFinds() {
        Random r = new Random(5);
        long[] h = new long[400];
        for (int i = 0; i < h.length; i++) {
            // clumps of related hashes: a base plus a few flipped bits
            h[i] = i % 4 == 0 ? r.nextLong() : h[i - 1] ^ (1L << r.nextInt(64)) ^ (1L << r.nextInt(64))
                    ^ (1L << r.nextInt(64)) ^ (1L << r.nextInt(64));
        }
        for (int t : new int[] {2, 6, 8, 12}) {
            assertArrayEquals(bruteForce(h, t), NearDuplicates.cluster(h, t), "threshold " + t);
        }
    }

    private static int[] bruteForce(long[] h, int t) {
        int[] id = new int[h.length];
        for (int i = 0; i < h.length; i++) {
            id[i] = i;
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = 0; i < h.length; i++) {
                for (int j = 0; j < h.length; j++) {
                    if (Long.bitCount(h[i] ^ h[j]) <= t && id[j] < id[i]) {
                        id[i] = id[j];
                        changed = true;
                    }
                }
            }
        }
        return id;
    }

    private static ManifestEntry e(String path, Label label, Split split, String sha, String phash, String group) {
        return new ManifestEntry(path, label, split, sha, 10, 10, ManifestEntry.Status.OK, "", group,
                phash == null ? Map.of() : Map.of("phash", phash));
    }

    @Test
    void groupsNamesClustersAndReportsLeaks() {
        List<ManifestEntry> rows = List.of(
                e("a.png", Label.REAL, Split.TRAIN, "aaaaaaaaaaaaaaaa", "0000000000000000", ""),
                e("b.jpg", Label.REAL, Split.TEST, "bbbbbbbbbbbbbbbb", "0000000000000003", ""),
                e("c.png", Label.FAKE, Split.TRAIN, "cccccccccccccccc", "ffffffffffffffff", ""),
                e("d.png", Label.FAKE, Split.VAL, "dddddddddddddddd", null, "video7"),
                e("e.png", Label.FAKE, Split.TRAIN, "eeeeeeeeeeeeeeee", "f0f0f0f0f0f0f0f0", "video7"),
                e("f.png", Label.REAL, Split.TRAIN, "ffff", "0f0f0f0f0f0f0f0f", "nd-stale"));
        List<ManifestEntry> g = NearDuplicates.group(rows, 4);
        assertEquals("nd-aaaaaaaaaaaa", g.get(0).group());
        assertEquals("nd-aaaaaaaaaaaa", g.get(1).group());
        assertEquals("", g.get(2).group());
        assertEquals("video7", g.get(3).group()); // user groups are kept and honoured
        assertEquals("video7", g.get(4).group());
        assertEquals("", g.get(5).group()); // our own stale group without a partner is cleared
        List<NearDuplicates.Leak> leaks = NearDuplicates.leaks(g);
        assertEquals(2, leaks.size());
        assertEquals("nd-aaaaaaaaaaaa", leaks.get(0).group());
        assertEquals(List.of("test", "train"), leaks.get(0).splits());
        assertEquals(List.of("test:b.jpg", "train:a.png"), leaks.get(0).paths());
        assertEquals(List.of("train", "val"), leaks.get(1).splits());
    }

    @Test
    void dropKeepsTheLargestPerLabel() {
        List<ManifestEntry> rows = new ArrayList<>(List.of(
                new ManifestEntry("small.jpg", Label.REAL, Split.NONE, "1", 90, 90, ManifestEntry.Status.OK, "",
                        "g", Map.of()),
                new ManifestEntry("big.png", Label.REAL, Split.NONE, "2", 100, 100, ManifestEntry.Status.OK, "",
                        "g", Map.of()),
                new ManifestEntry("fake.png", Label.FAKE, Split.NONE, "3", 50, 50, ManifestEntry.Status.OK, "",
                        "g", Map.of())));
        List<ManifestEntry> out = NearDuplicates.dropNearDuplicates(rows);
        assertEquals("near_duplicate", out.get(0).reason());
        assertTrue(out.get(1).isUsable());
        assertTrue(out.get(2).isUsable()); // one per label: a fake made from a real photo is kept
    }
}
