package org.deepguard.core.explain;

import org.deepguard.core.preprocess.Preprocessing;

import java.awt.image.BufferedImage;

/** Turning maps into pictures: a JET-style colour map, an overlay on what the network saw, a greyscale raw map. */
public final class Overlays {
    private Overlays() {}

    /** JET-style colour for v in [0, 1] (blue - cyan - yellow - red), as 0xRRGGBB. */
    public static int jet(double v) {
        double t = Math.min(Math.max(v, 0), 1);
        int r = channel(1.5 - Math.abs(4 * t - 3));
        int g = channel(1.5 - Math.abs(4 * t - 2));
        int b = channel(1.5 - Math.abs(4 * t - 1));
        return (r << 16) | (g << 8) | b;
    }

    private static int channel(double x) {
        return (int) Math.round(Math.min(Math.max(x, 0), 1) * 255);
    }

    /** The network's input as an 8-bit image: the preprocessing's normalisation undone. */
    public static BufferedImage inputImage(float[] chw, Preprocessing spec) {
        int s = spec.inputSize();
        int plane = s * s;
        if (chw.length != 3 * plane) {
            throw new IllegalArgumentException("tensor has " + chw.length + " values, expected " + 3 * plane);
        }
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < plane; i++) {
            int rgb = 0;
            for (int c = 0; c < 3; c++) {
                double v = (chw[c * plane + i] * spec.std()[c] + spec.mean()[c]) * 255.0;
                rgb = (rgb << 8) | (int) Math.round(Math.min(Math.max(v, 0), 255));
            }
            img.setRGB(i % s, i / s, rgb);
        }
        return img;
    }

    /**
     * JET colours of {@code map} blended over {@code base}: out = (1 - alpha) base + alpha jet(heat). The map is
     * resized to the base image if their sizes differ.
     *
     * @param alpha opacity of the colour layer in [0, 1]
     */
    public static BufferedImage overlay(BufferedImage base, Heatmap map, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must lie in [0, 1], got " + alpha);
        }
        int w = base.getWidth();
        int h = base.getHeight();
        Heatmap m = map.width() == w && map.height() == h ? map : map.resize(w, h);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = base.getRGB(x, y);
                int c = jet(m.at(x, y));
                int rgb = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    double v = (1 - alpha) * ((p >> shift) & 0xFF) + alpha * ((c >> shift) & 0xFF);
                    rgb |= ((int) Math.round(v)) << shift;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** The map as 8-bit grey (0 = no heat, 255 = hottest), for tools that read the numbers back. */
    public static BufferedImage grey(Heatmap map) {
        BufferedImage out = new BufferedImage(map.width(), map.height(), BufferedImage.TYPE_BYTE_GRAY);
        var raster = out.getRaster();
        for (int y = 0; y < map.height(); y++) {
            for (int x = 0; x < map.width(); x++) {
                raster.setSample(x, y, 0, (int) Math.round(Math.min(Math.max(map.at(x, y), 0), 1) * 255));
            }
        }
        return out;
    }
}
