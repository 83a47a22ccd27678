package org.deepguard.core.metrics;

import org.deepguard.core.image.ImageScaling;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One image degradation of a robustness sweep, applied to the decoded RGB image before the model's preprocessing:
 * JPEG re-encoding at a quality (1-100), Gaussian blur with sigma in pixels, rescaling by a factor, or additive
 * Gaussian noise with sigma as a fraction of the 0-255 range. Deterministic for a given seed.
 */
public record Perturbation(Kind kind, double strength) {

    public enum Kind {
        JPEG, BLUR, RESIZE, NOISE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** What the strength number means, for axis titles. */
        public String strengthName() {
            return switch (this) {
                case JPEG -> "JPEG quality (lower = stronger)";
                case BLUR -> "Gaussian blur sigma (pixels)";
                case RESIZE -> "resize factor";
                case NOISE -> "noise sigma (fraction of 255)";
            };
        }
    }

    public Perturbation {
        switch (kind) {
            case JPEG -> require(strength >= 1 && strength <= 100, "jpeg quality must be 1-100");
            case BLUR -> require(strength > 0 && strength <= 50, "blur sigma must be in (0, 50] pixels");
            case RESIZE -> require(strength > 0 && strength <= 4, "resize factor must be in (0, 4]");
            case NOISE -> require(strength >= 0 && strength <= 1, "noise sigma must be in [0, 1]");
        }
    }

    /** Parses {@code kind=s1,s2,...}, e.g. {@code jpeg=90,75}. */
    public static List<Perturbation> parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("perturbation '" + spec + "' must look like kind=s1,s2 (kinds: jpeg, "
                    + "blur, resize, noise)");
        }
        Kind kind;
        try {
            kind = Kind.valueOf(spec.substring(0, eq).trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown perturbation '" + spec.substring(0, eq)
                    + "' (kinds: jpeg, blur, resize, noise)");
        }
        List<Perturbation> out = new ArrayList<>();
        for (String s : spec.substring(eq + 1).split(",")) {
            try {
                out.add(new Perturbation(kind, Double.parseDouble(s.trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("perturbation strength '" + s + "' is not a number");
            }
        }
        return out;
    }

    public String label() {
        return kind.key() + "=" + (strength == Math.rint(strength) ? String.valueOf((long) strength)
                : String.valueOf(strength));
    }

    public BufferedImage apply(BufferedImage rgb, long seed) {
        return switch (kind) {
            case JPEG -> jpeg(rgb, (float) (strength / 100));
            case BLUR -> blur(rgb, strength);
            case RESIZE -> resize(rgb, strength);
            case NOISE -> noise(rgb, strength * 255, seed);
        };
    }

    static BufferedImage jpeg(BufferedImage rgb, float quality) {
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
                writer.setOutput(out);
                ImageWriteParam p = writer.getDefaultWriteParam();
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(quality);
                writer.write(null, new IIOImage(rgb, null, null), p);
            } finally {
                writer.dispose();
            }
            BufferedImage back = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
            return org.deepguard.core.image.ImageLoader.toRgb(back);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG re-encoding failed", e);
        }
    }

    /** Separable Gaussian, kernel radius ceil(3 sigma), edges clamped. */
    static BufferedImage blur(BufferedImage rgb, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        double[][] tmp = new double[3][w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] acc = new double[3];
                for (int i = -r; i <= r; i++) {
                    int p = px[y * w + Math.min(w - 1, Math.max(0, x + i))];
                    acc[0] += k[i + r] * ((p >> 16) & 0xFF);
                    acc[1] += k[i + r] * ((p >> 8) & 0xFF);
                    acc[2] += k[i + r] * (p & 0xFF);
                }
                for (int c = 0; c < 3; c++) tmp[c][y * w + x] = acc[c];
            }
        }
        int[] out = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] acc = new double[3];
                for (int i = -r; i <= r; i++) {
                    int idx = Math.min(h - 1, Math.max(0, y + i)) * w + x;
                    for (int c = 0; c < 3; c++) acc[c] += k[i + r] * tmp[c][idx];
                }
                out[y * w + x] = (clamp(acc[0]) << 16) | (clamp(acc[1]) << 8) | clamp(acc[2]);
            }
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, out, 0, w);
        return img;
    }

    static BufferedImage resize(BufferedImage rgb, double factor) {
        return ImageScaling.scaled(rgb, factor);
    }

    static BufferedImage noise(BufferedImage rgb, double sigma, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            int r = clamp(((p >> 16) & 0xFF) + sigma * rnd.nextGaussian());
            int g = clamp(((p >> 8) & 0xFF) + sigma * rnd.nextGaussian());
            int b = clamp((p & 0xFF) + sigma * rnd.nextGaussian());
            px[i] = (r << 16) | (g << 8) | b;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, px, 0, w);
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
