package org.deepguard.core.image;

import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KernelResizeTest {

    @Test
    void everyKernelKeepsAFlatImageFlatAtAnySize() {
        BufferedImage flat = new BufferedImage(17, 11, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 17; x++) {
                flat.setRGB(x, y, 0x336699);
            }
        }
        for (KernelResize.Kernel k : KernelResize.Kernel.values()) {
            for (int[] size : new int[][] {{9, 5}, {34, 22}, {23, 7}}) {
                BufferedImage out = KernelResize.resize(flat, size[0], size[1], k);
                assertEquals(size[0], out.getWidth());
                assertEquals(size[1], out.getHeight());
                for (int y = 0; y < size[1]; y++) {
                    for (int x = 0; x < size[0]; x++) {
                        assertEquals(0x336699, out.getRGB(x, y) & 0xFFFFFF, k + " at " + x + "," + y);
                    }
                }
            }
        }
    }

    @Test
    void nearestDoublingRepeatsPixelsAndBoxHalvingAveragesBlocks() {
        BufferedImage img = TestImages.texture(8, 3);
        BufferedImage twice = KernelResize.resize(img, 16, 16, KernelResize.Kernel.NEAREST);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                assertEquals(img.getRGB(x / 2, y / 2), twice.getRGB(x, y));
            }
        }
        BufferedImage half = KernelResize.resize(img, 4, 4, KernelResize.Kernel.BOX);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                double sum = 0;
                for (int j = 0; j < 2; j++) {
                    for (int i = 0; i < 2; i++) {
                        sum += (img.getRGB(2 * x + i, 2 * y + j) >> 8) & 0xFF;
                    }
                }
                assertEquals(Math.round(sum / 4), (half.getRGB(x, y) >> 8) & 0xFF, 1.0, "green at " + x + "," + y);
            }
        }
    }

    @Test
    void refusesAnEmptyTarget() {
        assertThrows(IllegalArgumentException.class,
                () -> KernelResize.resize(TestImages.texture(8, 1), 0, 4, KernelResize.Kernel.BILINEAR));
    }
}
