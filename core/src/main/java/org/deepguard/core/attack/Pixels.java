package org.deepguard.core.attack;

import org.deepguard.core.image.ImageLoader;

import java.awt.image.BufferedImage;

/**
 * An RGB image as real values on the 0-255 scale, interleaved (index (y * width + x) * 3 + channel): the space the
 * attacks work in. Immutable from the outside: every operation returns a new instance.
 */
public final class Pixels {
    private final int width;
    private final int height;
    private final double[] values;

    public Pixels(int width, int height, double[] values) {
        if (width < 1 || height < 1 || values.length != width * height * 3) {
            throw new IllegalArgumentException(values.length + " values do not make a " + width + "x" + height
                    + " RGB image");
        }
        this.width = width;
        this.height = height;
        this.values = values.clone();
    }

    public static Pixels of(BufferedImage image) {
        BufferedImage rgb = ImageLoader.toRgb(image);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        double[] v = new double[px.length * 3];
        for (int i = 0; i < px.length; i++) {
            v[3 * i] = (px[i] >> 16) & 0xFF;
            v[3 * i + 1] = (px[i] >> 8) & 0xFF;
            v[3 * i + 2] = px[i] & 0xFF;
        }
        return new Pixels(w, h, v);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int size() {
        return values.length;
    }

    public double get(int i) {
        return values[i];
    }

    /** A copy of the values. */
    public double[] values() {
        return values.clone();
    }

    /** The 8-bit image an attacker would publish: each value rounded (half up) and clipped to [0, 255]. */
    public BufferedImage toImage() {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[width * height];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte8(values[3 * i]) << 16) | (byte8(values[3 * i + 1]) << 8) | byte8(values[3 * i + 2]);
        }
        out.setRGB(0, 0, width, height, px, 0, width);
        return out;
    }

    private static int byte8(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    /** Largest absolute difference to {@code other} (same size), in 0-255 units. */
    public double linf(Pixels other) {
        requireSameSize(other);
        double m = 0;
        for (int i = 0; i < values.length; i++) {
            m = Math.max(m, Math.abs(values[i] - other.values[i]));
        }
        return m;
    }

    /**
     * {@code this + delta}, projected onto the L-inf ball of radius {@code eps} around {@code clean} and onto
     * [0, 255].
     */
    public Pixels plusProjected(double[] delta, double scale, Pixels clean, double eps) {
        requireSameSize(clean);
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            double c = clean.values[i];
            double v = values[i] + scale * delta[i];
            out[i] = Math.max(0, Math.min(255, Math.max(c - eps, Math.min(c + eps, v))));
        }
        return new Pixels(width, height, out);
    }

    /**
     * The nearest 8-bit image within the budget: each value rounded, then clamped to [clean - floor(eps),
     * clean + floor(eps)] and [0, 255] ({@code clean} must be 8-bit valued). Rounding can otherwise leave the ball by
     * up to half a level; a budget below 1/255 therefore leaves an 8-bit image unchanged.
     */
    public Pixels quantised(Pixels clean, double eps) {
        requireSameSize(clean);
        double e = Math.floor(eps + 1e-9);
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) {
            double c = clean.values[i];
            double v = Math.floor(values[i] + 0.5);
            out[i] = Math.max(0, Math.min(255, Math.max(c - e, Math.min(c + e, v))));
        }
        return new Pixels(width, height, out);
    }

    private void requireSameSize(Pixels other) {
        if (other.width != width || other.height != height) {
            throw new IllegalArgumentException("images differ in size: " + width + "x" + height + " vs "
                    + other.width + "x" + other.height);
        }
    }
}
