package org.deepguard.core.data;

import org.deepguard.core.preprocess.ResizePolicy;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ExporterTest {
    private static BufferedImage flat(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    @Test
    void padFillsWithTheMeanColourAndKeepsTheImageCentred() {
        BufferedImage out = Exporter.resize(flat(40, 20, 0xFF0000), 32, ResizePolicy.PAD);
        assertEquals(32, out.getWidth());
        // ImageNet mean (0.485, 0.456, 0.406) x 255 = (124, 116, 104): zero after normalisation
        assertEquals(0x7C7468, out.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x7C7468, out.getRGB(31, 31) & 0xFFFFFF);
        assertEquals(0xFF0000, out.getRGB(16, 16) & 0xFFFFFF); // 40x20 -> 32x16 at rows 8..23
        assertEquals(0xFF0000, out.getRGB(0, 8) & 0xFFFFFF);
        assertEquals(0x7C7468, out.getRGB(0, 7) & 0xFFFFFF);
    }

    @Test
    void centerCropTakesTheMiddleSquare() {
        BufferedImage img = flat(30, 10, 0x000000);
        for (int y = 0; y < 10; y++) {
            for (int x = 10; x < 20; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        BufferedImage out = Exporter.resize(img, 10, ResizePolicy.CENTER_CROP);
        assertEquals(0xFFFFFF, out.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFFFFFF, out.getRGB(9, 9) & 0xFFFFFF);
    }

    @Test
    void nativeCropCopiesPixelsOneToOne() {
        BufferedImage img = new BufferedImage(12, 10, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                img.setRGB(x, y, (x * 20) << 16 | (y * 20) << 8 | 7);
            }
        }
        BufferedImage out = Exporter.resize(img, 6, ResizePolicy.NATIVE_CROP);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 6; x++) {
                assertEquals(img.getRGB(x + 3, y + 2) & 0xFFFFFF, out.getRGB(x, y) & 0xFFFFFF);
            }
        }
    }
}
