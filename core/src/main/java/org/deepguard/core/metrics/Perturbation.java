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
 * Gaussian noise with sigma as a fraction of the 0-255 range; optionally followed by further steps ({@code next}), so
 * a chain such as "downscale 0.75 then JPEG q75" (the common messenger path) is one condition. Deterministic for a
 * given seed.
 *
 * @param next the step applied after this one, or null
 */
public record Perturbation(Kind kind, double strength, Perturbation next) {

    /**
     * The standard sweep ({@code --perturb standard}, and every cross-validation fold of {@code train --cv}): the
     * ordinary processing images meet before anyone asks whether they are fake. JPEG q90 / q75 / q50, downscale 0.5
     * (scored at the smaller size, as a user would upload it), Gaussian blur sigma 1 px, Gaussian noise sigma 0.02
     * (about 5 grey levels) and the chain downscale 0.75 then JPEG q75.
     */
    public static final String STANDARD = "standard";

    public static List<Perturbation> standard() {
        return List.of(new Perturbation(Kind.JPEG, 90), new Perturbation(Kind.JPEG, 75),
                new Perturbation(Kind.JPEG, 50), new Perturbation(Kind.RESIZE, 0.5), new Perturbation(Kind.BLUR, 1),
                new Perturbation(Kind.NOISE, 0.02),
                new Perturbation(Kind.RESIZE, 0.75, new Perturbation(Kind.JPEG, 75)));
    }

    /** A single step. */
    public Perturbation(Kind kind, double strength) {
        this(kind, strength, null);
    }

    public boolean isChain() {
        return next != null;
    }

    /** Name of the group this condition is plotted in: its kind, or "chain" for a chain of steps. */
    public String groupKey() {
        return isChain() ? "chain" : kind.key();
    }

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

    /**
     * Parses {@code kind=s1,s2,...} (e.g. {@code jpeg=90,75}: one condition per strength), a chain
     * {@code kind=s+kind=s...} (e.g. {@code resize=0.75+jpeg=75}: one condition) or {@code standard}
     * ({@link #standard()}).
     */
    public static List<Perturbation> parse(String spec) {
        String trimmed = spec.trim();
        if (trimmed.equalsIgnoreCase(STANDARD)) {
            return standard();
        }
        if (trimmed.contains("+")) {
            Perturbation chain = null;
            String[] steps = trimmed.split("\\+");
            for (int i = steps.length - 1; i >= 0; i--) {
                List<Perturbation> one = parseSteps(steps[i]);
                if (one.size() != 1) {
                    throw new IllegalArgumentException("each step of chain '" + spec + "' takes one strength");
                }
                chain = new Perturbation(one.get(0).kind(), one.get(0).strength(), chain);
            }
            return List.of(chain);
        }
        return parseSteps(trimmed);
    }

    private static List<Perturbation> parseSteps(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.length() - 1) {
            throw new IllegalArgumentException("perturbation '" + spec + "' must look like kind=s1,s2, a chain "
                    + "kind=s+kind=s, or standard (kinds: jpeg, blur, resize, noise)");
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
        String own = kind.key() + "=" + (strength == Math.rint(strength) ? String.valueOf((long) strength)
                : String.valueOf(strength));
        return next == null ? own : own + "+" + next.label();
    }

    /** This step, then the chain after it (each step with its own seed). */
    public BufferedImage apply(BufferedImage rgb, long seed) {
        BufferedImage out = switch (kind) {
            case JPEG -> jpeg(rgb, (float) (strength / 100));
            case BLUR -> blur(rgb, strength);
            case RESIZE -> resize(rgb, strength);
            case NOISE -> noise(rgb, strength * 255, seed);
        };
        return next == null ? out : next.apply(out, seed * 0x9E3779B97F4A7C15L + 1);
    }

    /** JPEG encode at {@code quality} (0-1) and decode again, in memory. */
    public static BufferedImage jpeg(BufferedImage rgb, float quality) {
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
    public static BufferedImage blur(BufferedImage rgb, double sigma) {
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

    /** Additive Gaussian noise of {@code sigma} grey levels per channel, seeded. */
    public static BufferedImage noise(BufferedImage rgb, double sigma, long seed) {
        return noise(rgb, sigma, new SplittableRandom(seed));
    }

    /** Additive Gaussian noise of {@code sigma} grey levels per channel, drawn from {@code rnd}. */
    public static BufferedImage noise(BufferedImage rgb, double sigma, SplittableRandom rnd) {
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
