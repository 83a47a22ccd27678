package org.deepguard.core.train;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Training-only image augmentation, applied to the decoded RGB image before the shared preprocessing. Each image
 * draws from its own random stream derived from (seed, epoch, position), so results do not depend on which thread
 * decoded it.
 */
public final class Augmenter {
    private final double flipProbability;

    public Augmenter(double flipProbability) {
        this.flipProbability = flipProbability;
    }

    public boolean isIdentity() {
        return flipProbability <= 0;
    }

    public BufferedImage apply(BufferedImage rgb, SplittableRandom random) {
        BufferedImage out = rgb;
        if (random.nextDouble() < flipProbability) {
            out = flipHorizontal(out);
        }
        return out;
    }

    public static SplittableRandom streamFor(long seed, int epoch, long position) {
        long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + position * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }

    static BufferedImage flipHorizontal(BufferedImage src) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        int[] flipped = new int[w];
        for (int y = 0; y < h; y++) {
            src.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                flipped[x] = row[w - 1 - x];
            }
            out.setRGB(0, y, w, 1, flipped, 0, w);
        }
        return out;
    }
}
