package org.deepguard.core.image;

import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * Separable image resizing with a choice of interpolation kernel, for the training-time degradations and the
 * artifact simulator, where the point is variety: photos in the wild are shrunk by browsers, messengers and editors
 * with different kernels, and up-samplers leave different traces. When shrinking, the kernel is widened by the scale
 * factor (anti-aliasing, as PIL does) except for {@link Kernel#NEAREST}, which never filters. Never used for what a
 * network sees at inference (that is {@code preprocess.Resampler}).
 */
public final class KernelResize {
    private KernelResize() {}

    /** Interpolation kernels, with their support radius in source pixels at scale 1. */
    public enum Kernel {
        NEAREST(0.5), BOX(0.5), BILINEAR(1), BICUBIC(2), LANCZOS3(3);

        final double radius;

        Kernel(double radius) {
            this.radius = radius;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        double weight(double x) {
            double a = Math.abs(x);
            return switch (this) {
                case NEAREST, BOX -> a < 0.5 || (a == 0.5 && x < 0) ? 1 : 0;
                case BILINEAR -> a < 1 ? 1 - a : 0;
                case BICUBIC -> { // Keys, a = -0.5 (PIL, OpenCV use -0.5 / -0.75; -0.5 is the interpolating one)
                    double c = -0.5;
                    yield a <= 1 ? ((c + 2) * a - (c + 3)) * a * a + 1
                            : a < 2 ? ((c * a - 5 * c) * a + 8 * c) * a - 4 * c : 0;
                }
                case LANCZOS3 -> a < 1e-9 ? 1 : a < 3 ? 3 * Math.sin(Math.PI * a) * Math.sin(Math.PI * a / 3)
                        / (Math.PI * Math.PI * a * a) : 0;
            };
        }
    }

    /** The image resized to {@code width} x {@code height} with {@code kernel}, as a new 8-bit RGB image. */
    public static BufferedImage resize(BufferedImage src, int width, int height, Kernel kernel) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be at least 1x1, got " + width + "x" + height);
        }
        int w = src.getWidth();
        int h = src.getHeight();
        int[] px = src.getRGB(0, 0, w, h, null, 0, w);
        Taps tx = taps(w, width, kernel);
        Taps ty = taps(h, height, kernel);
        double[][] mid = new double[3][h * width];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < width; x++) {
                double r = 0, g = 0, b = 0;
                double[] k = tx.weights[x];
                for (int i = 0; i < k.length; i++) {
                    int p = px[y * w + tx.first[x] + i];
                    r += k[i] * ((p >> 16) & 0xFF);
                    g += k[i] * ((p >> 8) & 0xFF);
                    b += k[i] * (p & 0xFF);
                }
                mid[0][y * width + x] = r;
                mid[1][y * width + x] = g;
                mid[2][y * width + x] = b;
            }
        }
        int[] out = new int[width * height];
        for (int y = 0; y < height; y++) {
            double[] k = ty.weights[y];
            for (int x = 0; x < width; x++) {
                double r = 0, g = 0, b = 0;
                for (int i = 0; i < k.length; i++) {
                    int at = (ty.first[y] + i) * width + x;
                    r += k[i] * mid[0][at];
                    g += k[i] * mid[1][at];
                    b += k[i] * mid[2][at];
                }
                out[y * width + x] = (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
            }
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, width, height, out, 0, width);
        return img;
    }

    /** The image scaled by {@code factor} on both axes (each side rounded, at least 1 px). */
    public static BufferedImage scale(BufferedImage src, double factor, Kernel kernel) {
        return resize(src, Math.max(1, (int) Math.round(src.getWidth() * factor)),
                Math.max(1, (int) Math.round(src.getHeight() * factor)), kernel);
    }

    private record Taps(int[] first, double[][] weights) {}

    /** Normalised kernel taps per output pixel, pixel centres aligned, edges clamped by renormalisation. */
    private static Taps taps(int in, int out, Kernel kernel) {
        double scale = (double) in / out;
        double stretch = kernel == Kernel.NEAREST ? 1 : Math.max(1, scale);
        double support = kernel.radius * stretch;
        int[] first = new int[out];
        double[][] weights = new double[out][];
        for (int o = 0; o < out; o++) {
            double centre = (o + 0.5) * scale;
            if (kernel == Kernel.NEAREST) {
                first[o] = Math.min(in - 1, (int) Math.floor(centre));
                weights[o] = new double[] {1};
                continue;
            }
            int lo = Math.max(0, (int) Math.floor(centre - support));
            int hi = Math.min(in - 1, (int) Math.ceil(centre + support));
            double[] k = new double[hi - lo + 1];
            double sum = 0;
            for (int i = lo; i <= hi; i++) {
                k[i - lo] = kernel.weight((i + 0.5 - centre) / stretch);
                sum += k[i - lo];
            }
            if (Math.abs(sum) < 1e-12) { // a tap set with no weight (cannot happen for sane sizes): take the nearest
                k = new double[] {1};
                lo = Math.min(in - 1, (int) Math.floor(centre));
                sum = 1;
            }
            for (int i = 0; i < k.length; i++) {
                k[i] /= sum;
            }
            first[o] = lo;
            weights[o] = k;
        }
        return new Taps(first, weights);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
