package org.deepguard.core.spectral;

import java.awt.image.BufferedImage;

/**
 * Periodic traces of resampling (Popescu and Farid 2005; Kirchner 2008): an image up-sampled by a factor k is, at
 * every k-th pixel, an interpolation of its neighbours, so the local prediction error repeats with period k. A
 * learnt up-sampler (transposed convolution, pixel shuffle, nearest-neighbour + convolution) leaves the same kind of
 * periodic pattern, the "checkerboard" of Odena et al. 2016. A photograph down-scaled from a larger original, or
 * taken at native resolution, has no preferred phase.
 *
 * <p>The features, for each period p = 2..maxPeriod, on the BT.601 luma of the image at native resolution (never
 * resampled: any interpolation would create the very pattern we look for), or of its centred window of at most
 * {@code cropSize} x {@code cropSize} pixels:
 * <ol>
 *   <li>the absolute second differences |Y(x+1) - 2Y(x) + Y(x-1)| along rows (dx) and along columns (dy), on the
 *       interior pixels (a linear predictor's error: zero on linear ramps, large where the pixel does not follow
 *       its neighbours);</li>
 *   <li>their mean per phase: dx per column phase x mod p, dy per row phase y mod p, and dx + dy per lattice cell
 *       (x mod p, y mod p), over the largest interior region that holds whole periods;</li>
 *   <li>each feature is ln((max + eps) / (min + eps)) over the phases: 0 when no phase stands out, large when one
 *       does. Max over min is unchanged by a shift of the image (a shift only permutes the phases) and by brightness
 *       or contrast changes Y -&gt; aY + b (up to eps), so the vector describes periodicity, not content level.</li>
 * </ol>
 * Order: for p = 2..maxPeriod, (columns, rows, lattice).
 */
public final class ResamplingFeatures {
    private ResamplingFeatures() {}

    /** The feature vector, of length {@code cfg.dimension()}. */
    public static double[] of(BufferedImage rgb, ResamplingConfig cfg) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        if (Math.min(w, h) < cfg.minSide()) {
            throw new IllegalArgumentException("image " + w + "x" + h + " is too small for resampling features: "
                    + "both sides must be at least " + cfg.minSide() + " px");
        }
        int cw = Math.min(w, cfg.cropSize());
        int ch = Math.min(h, cfg.cropSize());
        return of(SpectrumFeatures.luma(rgb, (w - cw) / 2, (h - ch) / 2, cw, ch), cw, ch, cfg);
    }

    /** The feature vector of a row-major luma array (0-255 scale). */
    public static double[] of(double[] y, int w, int h, ResamplingConfig cfg) {
        int iw = w - 2;
        int ih = h - 2;
        double[] dx = new double[iw * ih];
        double[] dy = new double[iw * ih];
        for (int r = 0; r < ih; r++) {
            int row = (r + 1) * w;
            for (int c = 0; c < iw; c++) {
                int i = row + c + 1;
                dx[r * iw + c] = Math.abs(y[i + 1] - 2 * y[i] + y[i - 1]);
                dy[r * iw + c] = Math.abs(y[i + w] - 2 * y[i] + y[i - w]);
            }
        }
        double[] out = new double[cfg.dimension()];
        int k = 0;
        for (int p = 2; p <= cfg.maxPeriod(); p++) {
            int cw = iw / p * p; // whole periods only, so every phase is sampled equally often
            int ch = ih / p * p;
            double[] col = new double[p];
            double[] row = new double[p];
            double[] cell = new double[p * p];
            for (int r = 0; r < ih; r++) {
                for (int c = 0; c < iw; c++) {
                    double ex = dx[r * iw + c];
                    double ey = dy[r * iw + c];
                    if (c < cw) {
                        col[c % p] += ex;
                    }
                    if (r < ch) {
                        row[r % p] += ey;
                    }
                    if (r < ch && c < cw) {
                        cell[(r % p) * p + c % p] += ex + ey;
                    }
                }
            }
            out[k++] = contrast(col, (double) cw / p * ih, cfg.epsilon());
            out[k++] = contrast(row, (double) ch / p * iw, cfg.epsilon());
            out[k++] = contrast(cell, (double) cw / p * ch / p, cfg.epsilon());
        }
        return out;
    }

    /** ln((max + eps) / (min + eps)) of the per-phase means (sums / count). */
    private static double contrast(double[] sums, double count, double eps) {
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double s : sums) {
            double m = s / count;
            max = Math.max(max, m);
            min = Math.min(min, m);
        }
        return Math.log((max + eps) / (min + eps));
    }
}
