package org.deepguard.core.metrics;

import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerturbationAndShortcutTest {

    private static BufferedImage filled(int w, int h, int grey) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, grey << 16 | grey << 8 | grey);
            }
        }
        return img;
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void laplacianVarianceOfACheckerboard() {
        // 4x4 checkerboard of 0 / 255: each of the 2x2 interior pixels has four opposite neighbours, so the
        // Laplacian is +-4*255 = +-1020 (two of each): mean 0, variance 1020^2 = 1040400.
        BufferedImage img = filled(4, 4, 0);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                if ((x + y) % 2 == 0) img.setRGB(x, y, 0xFFFFFF);
            }
        }
        assertEquals(1040400, ShortcutFeatures.laplacianVariance(img), 1e-3);
        assertEquals(0, ShortcutFeatures.laplacianVariance(filled(8, 8, 77)), 1e-9);
        assertEquals(0, ShortcutFeatures.laplacianVariance(filled(2, 2, 77)), 1e-9);
    }

    @Test
    void shortcutBaselineReportsBothDirections() {
        // Smaller files are fake here: AUC 0 one way round, 1 the other.
        ShortcutFeatures.Baseline b = ShortcutFeatures.baseline(new boolean[] {false, false, true, true},
                new double[] {10, 9, 2, 1});
        assertEquals(0.0, b.auc(), 1e-12);
        assertEquals(1.0, b.aucBestDirection(), 1e-12);
        assertTrue(Double.isNaN(ShortcutFeatures.baseline(new boolean[] {true}, new double[] {1}).aucBestDirection()));
    }

    @Test
    void parsesSweepSpecsAndRejectsBadOnes() {
        List<Perturbation> p = Perturbation.parse("jpeg=90,75");
        assertEquals(List.of(new Perturbation(Perturbation.Kind.JPEG, 90), new Perturbation(Perturbation.Kind.JPEG, 75)), p);
        assertEquals("jpeg=90", p.get(0).label());
        assertEquals("blur=1.5", Perturbation.parse("blur=1.5").get(0).label());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Perturbation.parse("sharpen=1")).getMessage()
                .contains("unknown perturbation"));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.parse("jpeg=0"));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.parse("jpeg"));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.parse("noise=x"));
    }

    @Test
    void perturbationsDoWhatTheySay() {
        BufferedImage flat = filled(20, 10, 120);
        assertArrayEquals(pixels(flat), pixels(new Perturbation(Perturbation.Kind.BLUR, 2).apply(flat, 1)),
                "a normalised kernel with clamped edges keeps a flat image flat");
        BufferedImage checker = filled(16, 16, 0);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                if ((x + y) % 2 == 0) checker.setRGB(x, y, 0xFFFFFF);
            }
        }
        double sharp = ShortcutFeatures.laplacianVariance(checker);
        assertTrue(ShortcutFeatures.laplacianVariance(new Perturbation(Perturbation.Kind.BLUR, 1).apply(checker, 1))
                < sharp / 10, "a sigma-1 blur all but erases a one-pixel checkerboard");
        BufferedImage tex = TestImages.texture(32, 5);

        BufferedImage half = new Perturbation(Perturbation.Kind.RESIZE, 0.5).apply(filled(32, 20, 9), 1);
        assertEquals(16, half.getWidth());
        assertEquals(10, half.getHeight());

        Perturbation noise = new Perturbation(Perturbation.Kind.NOISE, 0.05);
        assertArrayEquals(pixels(noise.apply(tex, 3)), pixels(noise.apply(tex, 3)), "seeded");
        assertFalse(Arrays.equals(pixels(tex), pixels(noise.apply(tex, 3))));
        assertArrayEquals(pixels(tex), pixels(new Perturbation(Perturbation.Kind.NOISE, 0).apply(tex, 3)));

        BufferedImage q30 = new Perturbation(Perturbation.Kind.JPEG, 30).apply(tex, 1);
        assertEquals(32, q30.getWidth());
        assertEquals(BufferedImage.TYPE_INT_RGB, q30.getType());
        assertFalse(Arrays.equals(pixels(tex), pixels(q30)));
    }
}
