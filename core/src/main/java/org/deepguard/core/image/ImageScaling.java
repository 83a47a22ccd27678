package org.deepguard.core.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Display-side scaling of decoded images: thumbnails, overlays shown on a page, perturbations in robustness reports.
 * Never used for what a network sees (that is {@code preprocess.Resampler}, whose geometry the model bundle fixes).
 */
public final class ImageScaling {
    private ImageScaling() {}

    /** The image scaled to {@code width} x {@code height} with bilinear interpolation, as a new RGB image. */
    public static BufferedImage scaled(BufferedImage img, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /** The image scaled by {@code factor} on both axes (each side rounded, at least 1 px). */
    public static BufferedImage scaled(BufferedImage img, double factor) {
        return scaled(img, Math.max(1, (int) Math.round(img.getWidth() * factor)),
                Math.max(1, (int) Math.round(img.getHeight() * factor)));
    }

    /** The image shrunk so that its longest side is at most {@code maxSide}, aspect kept; the same image if it fits. */
    public static BufferedImage fit(BufferedImage img, int maxSide) {
        int longest = Math.max(img.getWidth(), img.getHeight());
        return longest <= maxSide ? img : scaled(img, (double) maxSide / longest);
    }
}
