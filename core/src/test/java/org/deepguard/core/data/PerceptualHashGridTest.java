package org.deepguard.core.data;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The luminance grid summed per row and cell equals the plain per-pixel area average, bit for bit. */
class PerceptualHashGridTest {
    /** The definition: every pixel adds its integer luma to its cell; cell mean = sum / count. */
    private static double[] reference(BufferedImage img) {
        int n = PerceptualHash.N;
        int w = img.getWidth();
        int h = img.getHeight();
        long[] sum = new long[n * n];
        int[] count = new int[n * n];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int c = (int) ((long) y * n / h) * n + (int) ((long) x * n / w);
                sum[c] += 299 * ((rgb >> 16) & 0xFF) + 587 * ((rgb >> 8) & 0xFF) + 114 * (rgb & 0xFF);
                count[c]++;
            }
        }
        double[] grid = new double[n * n];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = count[i] == 0 ? 0 : sum[i] / (1000.0 * count[i]);
        }
        return grid;
    }

    @Test
    void gridEqualsThePerPixelDefinition() {
        Random rnd = new Random(7);
        int[][] sizes = {{32, 32}, {97, 61}, {1000, 37}, {33, 300}, {257, 255}};
        for (int[] s : sizes) {
            for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR}) {
                BufferedImage img = new BufferedImage(s[0], s[1], type);
                for (int y = 0; y < s[1]; y++) {
                    for (int x = 0; x < s[0]; x++) {
                        img.setRGB(x, y, rnd.nextInt(1 << 24));
                    }
                }
                assertArrayEquals(reference(img), PerceptualHash.luminanceGrid(img), 0.0,
                        s[0] + "x" + s[1] + " type " + type);
            }
        }
    }
}
