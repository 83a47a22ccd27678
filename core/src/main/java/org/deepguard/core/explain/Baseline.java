package org.deepguard.core.explain;

import java.awt.image.BufferedImage;

/**
 * What "removed" pixels become when an explanation perturbs an image. {@link #BLUR} keeps colour and coarse shape
 * and removes fine detail, which is where generator traces and the spectral cue live; {@link #GREY} removes
 * everything (the image's mean colour) but its hard edges add broadband spectral power of their own.
 */
public enum Baseline {
    BLUR, GREY;

    /** The fully "removed" version of {@code rgb} (same size, TYPE_INT_RGB). */
    public BufferedImage of(BufferedImage rgb) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        int[] out = new int[px.length];
        if (this == GREY) {
            long[] sum = new long[3];
            for (int p : px) {
                sum[0] += (p >> 16) & 0xFF;
                sum[1] += (p >> 8) & 0xFF;
                sum[2] += p & 0xFF;
            }
            int grey = 0;
            for (int c = 0; c < 3; c++) {
                grey = (grey << 8) | (int) Math.round((double) sum[c] / px.length);
            }
            java.util.Arrays.fill(out, grey);
        } else {
            // three box passes approximate a Gaussian of sigma ~ radius; radius 1/32 of the shorter side, >= 2 px
            int r = Math.max(2, Math.min(w, h) / 32);
            for (int shift = 16; shift >= 0; shift -= 8) {
                double[] plane = new double[px.length];
                for (int i = 0; i < px.length; i++) {
                    plane[i] = (px[i] >> shift) & 0xFF;
                }
                for (int pass = 0; pass < 3; pass++) {
                    plane = boxRows(plane, w, h, r);
                    plane = transpose(boxRows(transpose(plane, w, h), h, w, r), h, w);
                }
                for (int i = 0; i < px.length; i++) {
                    out[i] |= ((int) Math.round(Math.min(255, Math.max(0, plane[i])))) << shift;
                }
            }
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, out, 0, w);
        return img;
    }

    /** Running-sum box filter of half-width r along rows, edges clamped. */
    private static double[] boxRows(double[] in, int w, int h, int r) {
        double[] out = new double[in.length];
        int n = 2 * r + 1;
        for (int y = 0; y < h; y++) {
            int row = y * w;
            double s = 0;
            for (int k = -r; k <= r; k++) {
                s += in[row + Math.min(w - 1, Math.max(0, k))];
            }
            for (int x = 0; x < w; x++) {
                out[row + x] = s / n;
                s += in[row + Math.min(w - 1, x + r + 1)] - in[row + Math.max(0, x - r)];
            }
        }
        return out;
    }

    private static double[] transpose(double[] in, int w, int h) {
        double[] out = new double[in.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[x * h + y] = in[y * w + x];
            }
        }
        return out;
    }
}
