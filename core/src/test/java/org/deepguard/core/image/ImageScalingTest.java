package org.deepguard.core.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ImageScalingTest {
    @Test
    void fitCapsTheLongestSideKeepsTheAspectAndLeavesSmallImagesAlone() {
        BufferedImage tall = new BufferedImage(300, 1200, BufferedImage.TYPE_INT_RGB);
        BufferedImage shown = ImageScaling.fit(tall, 96);
        assertEquals(24, shown.getWidth());
        assertEquals(96, shown.getHeight());
        BufferedImage small = new BufferedImage(96, 50, BufferedImage.TYPE_INT_RGB);
        assertSame(small, ImageScaling.fit(small, 96));
    }

    @Test
    void scalingByAFactorRoundsEachSideAndKeepsAtLeastOnePixel() {
        BufferedImage img = new BufferedImage(101, 3, BufferedImage.TYPE_INT_RGB);
        BufferedImage half = ImageScaling.scaled(img, 0.5);
        assertEquals(51, half.getWidth()); // 50.5 rounds up
        assertEquals(2, half.getHeight()); // 1.5 rounds up
        BufferedImage tiny = ImageScaling.scaled(img, 0.01);
        assertEquals(1, tiny.getWidth());
        assertEquals(1, tiny.getHeight());
    }

    @Test
    void aUniformImageStaysUniform() {
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 40; x++) {
                img.setRGB(x, y, 0x336699);
            }
        }
        BufferedImage out = ImageScaling.scaled(img, 17, 9);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 17; x++) {
                assertEquals(0x336699, out.getRGB(x, y) & 0xFFFFFF);
            }
        }
    }
}
