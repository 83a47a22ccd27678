package org.deepguard.core.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The byte-copy path of toRgb must give exactly what the generic getRGB path gives. */
class ToRgbFastPathTest {
    @Test
    void bgrAndAbgrMatchGetRgb() {
        Random r = new Random(3);
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR}) {
            BufferedImage src = new BufferedImage(37, 23, type);
            for (int y = 0; y < 23; y++) {
                for (int x = 0; x < 37; x++) {
                    src.setRGB(x, y, type == BufferedImage.TYPE_4BYTE_ABGR ? r.nextInt() | 0xFF000000 : r.nextInt());
                }
            }
            BufferedImage out = ImageLoader.toRgb(src);
            assertEquals(BufferedImage.TYPE_INT_RGB, out.getType());
            int[] expected = src.getRGB(0, 0, 37, 23, null, 0, 37);
            for (int i = 0; i < expected.length; i++) {
                expected[i] &= 0xFFFFFF;
            }
            int[] actual = out.getRGB(0, 0, 37, 23, null, 0, 37);
            for (int i = 0; i < actual.length; i++) {
                actual[i] &= 0xFFFFFF;
            }
            assertArrayEquals(expected, actual, "type " + type);
        }
    }
}
