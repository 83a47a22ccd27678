package org.deepguard.core.data;

import org.deepguard.core.sample.SampleGenerator;
import org.deepguard.core.testing.BadCorpus;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerceptualHashTest {
    @Test
    void hexRoundTripAndDistance() {
        assertEquals("00000000000000ff", PerceptualHash.hex(0xFFL));
        assertEquals(0x8000_0000_0000_0001L, PerceptualHash.parseHex("8000000000000001"));
        assertEquals(64, PerceptualHash.distance(0L, -1L));
        assertEquals(3, PerceptualHash.distance(0b1011L, 0L));
    }

    @Test
    void horizontalStepSetsOnlyTheFirstRowOfFrequencies() {
        // Left half bright, right half dark: only horizontal frequencies (row 0 of the 8x8 block) are non-zero,
        // and of those the odd ones, with the first (k=1) positive. Exactly: bits for (0,0) DC and (0,1) set.
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 32; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        long h = PerceptualHash.of(img);
        // Coefficients: DC > 0, (0,1) > 0, (0,3) < 0, (0,5) > 0, (0,7) < 0, everything else 0. The median of the 63
        // AC terms is 0, so bits above it are DC, (0,1) and (0,5).
        long expected = (1L << 63) | (1L << 62) | (1L << 58);
        assertEquals(PerceptualHash.hex(expected), PerceptualHash.hex(h));
    }

    @Test
    void reencodedAndResizedCopiesStayCloseWhileDifferentImagesAreFar() throws Exception {
        int maxCopy = 0;
        int minOther = 64;
        long[] hashes = new long[24];
        for (int i = 0; i < hashes.length; i++) {
            BufferedImage img = i % 2 == 0 ? TestImages.texture(128, i)
                    : SampleGenerator.upsampled(128, new SplittableRandom(i));
            hashes[i] = PerceptualHash.of(img);
            BufferedImage copy = ImageIO.read(new ByteArrayInputStream(
                    BadCorpus.jpeg(BadCorpus.resize(img, 0.9), 0.9f)));
            maxCopy = Math.max(maxCopy, PerceptualHash.distance(hashes[i], PerceptualHash.of(copy)));
        }
        for (int i = 0; i < hashes.length; i++) {
            for (int j = i + 1; j < hashes.length; j++) {
                minOther = Math.min(minOther, PerceptualHash.distance(hashes[i], hashes[j]));
            }
        }
        assertTrue(maxCopy <= 4, "JPEG q90 + 90% resize moved the hash by " + maxCopy + " bits");
        assertTrue(minOther > NearDuplicates.DEFAULT_THRESHOLD, "two different images were " + minOther + " bits apart");
    }

    @Test
    void tinyImagesStillHash() {
        BufferedImage img = TestImages.texture(8, 1);
        assertEquals(PerceptualHash.of(img), PerceptualHash.of(img));
        // an 8x8 image and its 64x64 nearest-neighbour enlargement fill the grid the same way
        BufferedImage big = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                big.setRGB(x, y, img.getRGB(x / 8, y / 8));
            }
        }
        assertEquals(PerceptualHash.hex(PerceptualHash.of(big)), PerceptualHash.hex(PerceptualHash.of(img)));
    }
}
