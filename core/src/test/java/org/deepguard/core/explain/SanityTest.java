package org.deepguard.core.explain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SanityTest {

    @Test
    void ranksAverageTies() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Sanity.ranks(new double[] {0.1, 0.5, 0.5, 0.9}));
        assertArrayEquals(new double[] {3, 1, 2}, Sanity.ranks(new double[] {7, -1, 0}));
    }

    @Test
    void spearmanOfHandMadeVectors() {
        assertEquals(1.0, Sanity.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 25, 100}), 1e-12);
        assertEquals(-1.0, Sanity.spearman(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        // d = (1,-1,1,-1) -> 1 - 6*4/(4*15) = 0.6
        assertEquals(0.6, Sanity.spearman(new double[] {1, 2, 3, 4}, new double[] {2, 1, 4, 3}), 1e-12);
        assertEquals(0.0, Sanity.spearman(new double[] {1, 2, 3}, new double[] {5, 5, 5}), 1e-12);
    }
}
