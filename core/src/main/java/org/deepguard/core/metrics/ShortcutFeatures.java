package org.deepguard.core.metrics;

import java.awt.image.BufferedImage;

/**
 * Trivial image cues that a detector must beat to be worth anything: if the file size or the sharpness alone
 * separates real from fake, the dataset leaks the label and a high model AUC proves little.
 */
public final class ShortcutFeatures {
    private ShortcutFeatures() {}

    /**
     * Variance of the 4-neighbour Laplacian ([0 1 0; 1 -4 1; 0 1 0]) of the grey image (0.299 R + 0.587 G +
     * 0.114 B, as OpenCV converts), over interior pixels; 0 for images under 3x3.
     */
    public static double laplacianVariance(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        if (w < 3 || h < 3) {
            return 0;
        }
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        double[] grey = new double[px.length];
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            grey[i] = 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
        }
        double sum = 0;
        double sumSq = 0;
        long n = 0;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int i = y * w + x;
                double lap = grey[i - 1] + grey[i + 1] + grey[i - w] + grey[i + w] - 4 * grey[i];
                sum += lap;
                sumSq += lap * lap;
                n++;
            }
        }
        double mean = sum / n;
        return Math.max(0, sumSq / n - mean * mean);
    }

    /**
     * A shortcut score's AUC (larger value = more likely fake) and the direction-free AUC max(a, 1 - a), which is
     * what a trivial classifier on this cue could reach either way round.
     */
    public record Baseline(double auc, double aucBestDirection) {}

    public static Baseline baseline(boolean[] isFake, double[] feature) {
        double a = BinaryMetrics.rocAuc(isFake, feature);
        return new Baseline(a, Double.isNaN(a) ? Double.NaN : Math.max(a, 1 - a));
    }
}
