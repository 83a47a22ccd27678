package org.deepguard.core.train;

import org.deepguard.core.image.KernelResize;
import org.deepguard.core.metrics.Perturbation;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Training-only image augmentation, applied to the decoded RGB image before the shared preprocessing. Each image
 * draws from its own random stream derived from (seed, epoch, position), so results do not depend on which thread
 * decoded it. Order: crop, flip, colour jitter, then the degradation chain resize, blur, noise, JPEG
 * (post-processing last, in the order it happens in the wild: an image is shrunk, then encoded).
 */
public final class Augmenter implements Degrader {
    private final AugmentationConfig config;

    public Augmenter(AugmentationConfig config) {
        this.config = config;
    }

    /** Flip-only augmenter (kept for callers that only flip). */
    public Augmenter(double flipProbability) {
        this(new AugmentationConfig(flipProbability, 0, 1, 0, 0, 0, 100, 0));
    }

    public boolean isIdentity() {
        return config.isIdentity();
    }

    public BufferedImage apply(BufferedImage rgb, SplittableRandom random) {
        BufferedImage out = rgb;
        if (random.nextDouble() < config.crop()) {
            out = randomResizedCrop(out, config.cropMinScale(), random);
        }
        if (random.nextDouble() < config.flip()) {
            out = flipHorizontal(out);
        }
        if (random.nextDouble() < config.colorJitter()) {
            out = colorJitter(out, random);
        }
        return degrade(out, random);
    }

    /**
     * The degradation chain alone: each step (resize, blur, noise, JPEG) drawn with its own probability. Every step
     * draws its random numbers whether or not it fires, so switching one step on or off does not move the others.
     */
    @Override
    public BufferedImage degrade(BufferedImage rgb, SplittableRandom random) {
        BufferedImage out = rgb;
        double u = random.nextDouble();
        double factor = config.resizeMinFactor() + random.nextDouble() * (1 - config.resizeMinFactor());
        KernelResize.Kernel kernel = KERNELS[random.nextInt(KERNELS.length)];
        if (u < config.resize() && factor < 1) {
            out = KernelResize.scale(out, factor, kernel);
        }
        u = random.nextDouble();
        double sigma = random.nextDouble() * config.blurMaxSigma();
        if (u < config.blur()) {
            out = gaussianBlur(out, sigma);
        }
        u = random.nextDouble();
        double noiseSigma = random.nextDouble() * config.noiseMaxSigma();
        long noiseSeed = random.nextLong();
        if (u < config.noise() && noiseSigma > 0) {
            out = Perturbation.noise(out, noiseSigma, noiseSeed);
        }
        u = random.nextDouble();
        int quality = config.jpegMinQuality() + random.nextInt(101 - config.jpegMinQuality());
        if (u < config.jpeg()) {
            out = jpeg(out, quality);
        }
        return out;
    }

    private static final KernelResize.Kernel[] KERNELS = KernelResize.Kernel.values();

    /** A fixed downscale by {@code factor}, its kernel drawn from the example's stream as the chain's resize step does. */
    public static Degrader downscale(double factor) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("downscale factor must lie in (0, 1), got " + factor);
        }
        return (rgb, random) -> KernelResize.scale(rgb, factor, KERNELS[random.nextInt(KERNELS.length)]);
    }

    public static SplittableRandom streamFor(long seed, int epoch, long position) {
        long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + position * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
    }

    /** A stable 64-bit key of an image (FNV-1a of its path), so its random stream does not depend on its position. */
    public static long imageKey(java.nio.file.Path path) {
        long h = 0xcbf29ce484222325L;
        for (char c : path.toString().toCharArray()) {
            h ^= c;
            h *= 0x100000001b3L;
        }
        return h;
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

    /** A crop of random area (minScale..1) and aspect (3/4..4/3); the preprocessing resizes it afterwards. */
    static BufferedImage randomResizedCrop(BufferedImage src, double minScale, SplittableRandom random) {
        int w = src.getWidth();
        int h = src.getHeight();
        for (int attempt = 0; attempt < 10; attempt++) {
            double area = w * h * (minScale + random.nextDouble() * (1 - minScale));
            double logRatio = Math.log(3.0 / 4) + random.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
            double ratio = Math.exp(logRatio);
            int cw = (int) Math.round(Math.sqrt(area * ratio));
            int ch = (int) Math.round(Math.sqrt(area / ratio));
            if (cw >= 1 && ch >= 1 && cw <= w && ch <= h) {
                int x = random.nextInt(w - cw + 1);
                int y = random.nextInt(h - ch + 1);
                return copy(src.getSubimage(x, y, cw, ch));
            }
        }
        return src;
    }

    static BufferedImage gaussianBlur(BufferedImage src, double sigma) {
        return sigma < 0.1 ? src : Perturbation.blur(src, sigma);
    }

    /** Encodes as JPEG at {@code quality} (1-100) and decodes again. */
    public static BufferedImage jpeg(BufferedImage src, int quality) {
        return Perturbation.jpeg(copy(src), quality / 100f);
    }

    static BufferedImage colorJitter(BufferedImage src, SplittableRandom random) {
        double brightness = 1 + (random.nextDouble() * 0.4 - 0.2);
        double contrast = 1 + (random.nextDouble() * 0.4 - 0.2);
        double saturation = 1 + (random.nextDouble() * 0.4 - 0.2);
        int w = src.getWidth();
        int h = src.getHeight();
        int[] px = src.getRGB(0, 0, w, h, null, 0, w);
        double meanLuma = 0;
        for (int p : px) {
            meanLuma += luma(p);
        }
        meanLuma /= px.length;
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            double l = luma(p);
            double[] c = {(p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF};
            for (int ch = 0; ch < 3; ch++) {
                double v = l + (c[ch] - l) * saturation;
                v = meanLuma + (v - meanLuma) * contrast;
                c[ch] = v * brightness;
            }
            px[i] = (clamp(c[0]) << 16) | (clamp(c[1]) << 8) | clamp(c[2]);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, px, 0, w);
        return out;
    }

    private static double luma(int p) {
        return 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
    }

    private static BufferedImage copy(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(src, 0, 0, null);
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
