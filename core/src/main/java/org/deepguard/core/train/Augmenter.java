package org.deepguard.core.train;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;

/**
 * Training-only image augmentation, applied to the decoded RGB image before the shared preprocessing. Each image
 * draws from its own random stream derived from (seed, epoch, position), so results do not depend on which thread
 * decoded it. Order: crop, flip, colour jitter, blur, JPEG (post-processing last, as it happens in the wild).
 */
public final class Augmenter {
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
        if (random.nextDouble() < config.blur()) {
            out = gaussianBlur(out, random.nextDouble() * config.blurMaxSigma());
        }
        if (random.nextDouble() < config.jpeg()) {
            out = jpeg(out, config.jpegMinQuality() + random.nextInt(101 - config.jpegMinQuality()));
        }
        return out;
    }

    public static SplittableRandom streamFor(long seed, int epoch, long position) {
        long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + position * 0x94D049BB133111EBL;
        return new SplittableRandom(mixed);
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
        if (sigma < 0.1) {
            return src;
        }
        int radius = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        int[] px = src.getRGB(0, 0, w, h, null, 0, w);
        double[][] tmp = new double[3][w * h];
        for (int y = 0; y < h; y++) { // horizontal, edges clamped
            for (int x = 0; x < w; x++) {
                double r = 0, g = 0, b = 0;
                for (int i = -radius; i <= radius; i++) {
                    int p = px[y * w + Math.min(w - 1, Math.max(0, x + i))];
                    double kv = k[i + radius];
                    r += kv * ((p >> 16) & 0xFF);
                    g += kv * ((p >> 8) & 0xFF);
                    b += kv * (p & 0xFF);
                }
                tmp[0][y * w + x] = r;
                tmp[1][y * w + x] = g;
                tmp[2][y * w + x] = b;
            }
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) { // vertical
            for (int x = 0; x < w; x++) {
                double[] c = new double[3];
                for (int i = -radius; i <= radius; i++) {
                    int yy = Math.min(h - 1, Math.max(0, y + i));
                    for (int ch = 0; ch < 3; ch++) {
                        c[ch] += k[i + radius] * tmp[ch][yy * w + x];
                    }
                }
                out.setRGB(x, y, (clamp(c[0]) << 16) | (clamp(c[1]) << 8) | clamp(c[2]));
            }
        }
        return out;
    }

    /** Encodes as JPEG at {@code quality} (1-100) and decodes again. */
    public static BufferedImage jpeg(BufferedImage src, int quality) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality / 100f);
                writer.write(null, new IIOImage(copy(src), null, null), param);
            } finally {
                writer.dispose();
            }
            return copy(ImageIO.read(new ByteArrayInputStream(bytes.toByteArray())));
        } catch (IOException e) {
            throw new UncheckedIOException("in-memory JPEG round trip failed", e);
        }
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
