package org.deepguard.core.train;

import org.deepguard.core.image.KernelResize;
import org.deepguard.core.metrics.Perturbation;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Makes pseudo-fakes from real images for training (never used at inference), by operations generators are built
 * from rather than by any generator: what a detector trained on them learns is the trace such operations leave, which
 * unseen generators share (Zhang, Karaman and Chang 2019 simulate GAN up-sampling this way and generalise to unseen
 * GANs). The output has the input's size. Deterministic: one random stream (from (seed, image, epoch), see
 * {@link Augmenter#streamFor}) decides the family and every parameter.
 *
 * <p>Families, each switchable ({@link SimulationConfig}):
 * <ul>
 *   <li>{@link Family#UPSAMPLE}: shrink by 2, 3 or 4 (sometimes a non-integer factor) with an anti-aliasing kernel,
 *       enlarge back with a random interpolation kernel (nearest, bilinear, bicubic, Lanczos), half the time
 *       followed by unsharp masking, as super-resolution outputs look sharpened. Leaves resampling periodicity at the
 *       factor.</li>
 *   <li>{@link Family#TRANSPOSED_CONV}: shrink by 2 (or 4), enlarge by stride-2 transposed convolutions with a random
 *       4x4 kernel whose four polyphase parts have unequal gains: the checkerboard of Odena et al. (2016), a
 *       spectral peak at half the sampling frequency.</li>
 *   <li>{@link Family#CONV_DECODER}: shrink by 2 or 4, then per 2x stage nearest up-sampling, a randomly initialised
 *       3x3 conv - leaky ReLU - 3x3 conv decoder whose output is added, scaled to a few grey levels, to a bilinear
 *       enlargement: content-dependent decoder texture.</li>
 *   <li>{@link Family#SPECTRAL_PEAKS}: one to three faint cosine gratings at 1/2, 1/4 or 1/8 cycles per pixel (the
 *       periodic peaks generator spectra show), 1-3 grey levels.</li>
 *   <li>{@link Family#BLEND}: a soft-edged elliptical region of the image replaced by its reconstruction through one
 *       of the other families (local manipulation).</li>
 *   <li>{@link Family#LEARNED_UPSAMPLE}: the last layers of an up-sampling generator, randomly initialised rather
 *       than learnt: shrink by 2 or 4, then per 2x stage nearest or bilinear up-sampling followed by a stack of 3x3
 *       convolutions with ReLU at the output resolution and a final tanh ({@link #learnedUpsample}). Unlike
 *       {@link Family#CONV_DECODER} (a decoder residual added to a clean bilinear enlargement), every output pixel
 *       passes through the stack: the interpolation itself is done by random, uneven, asymmetric filters, so the
 *       up-sampler's phase symmetry is broken (resampling periodicity at the factor) and the top octave holds the
 *       decoder's texture instead of the photograph's sensor noise.</li>
 * </ul>
 */
public final class ArtifactSimulator {

    public enum Family {
        UPSAMPLE, TRANSPOSED_CONV, CONV_DECODER, SPECTRAL_PEAKS, BLEND, LEARNED_UPSAMPLE;

        public String code() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Family parse(String s) {
            String v = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
            for (Family f : values()) {
                if (f.code().equals(v)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown simulator family '" + s + "' (families: upsample, "
                    + "transposed-conv, conv-decoder, spectral-peaks, blend, learned-upsample, or all)");
        }
    }

    private static final KernelResize.Kernel[] DOWN = {KernelResize.Kernel.BOX, KernelResize.Kernel.BILINEAR,
            KernelResize.Kernel.BICUBIC, KernelResize.Kernel.LANCZOS3};
    private static final KernelResize.Kernel[] UP = {KernelResize.Kernel.NEAREST, KernelResize.Kernel.BILINEAR,
            KernelResize.Kernel.BICUBIC, KernelResize.Kernel.LANCZOS3};

    private final List<Family> families;
    private final boolean matchDetail;

    public ArtifactSimulator(List<Family> families) {
        this(families, false);
    }

    /** @param matchDetail give every pseudo-fake its real image's high-frequency energy back ({@link #matchDetail}) */
    public ArtifactSimulator(List<Family> families, boolean matchDetail) {
        if (families.isEmpty()) {
            throw new IllegalArgumentException("the simulator needs at least one family");
        }
        this.families = List.copyOf(families);
        this.matchDetail = matchDetail;
    }

    public List<Family> families() {
        return families;
    }

    /**
     * A pseudo-fake of {@code real}: a family drawn from this simulator's, with random parameters (then, with detail
     * matching, its high-frequency energy brought back to the real image's).
     */
    public BufferedImage apply(BufferedImage real, SplittableRandom random) {
        BufferedImage fake = apply(real, families.get(random.nextInt(families.size())), random);
        return matchDetail ? matchDetail(real, fake) : fake;
    }

    /** A pseudo-fake of {@code real} by one family, parameters drawn from {@code random}. */
    public BufferedImage apply(BufferedImage real, Family family, SplittableRandom random) {
        return switch (family) {
            case UPSAMPLE -> {
                double f = random.nextDouble() < 0.75 ? new double[] {2, 2, 3, 4}[random.nextInt(4)]
                        : 1.5 + 2.5 * random.nextDouble();
                BufferedImage up = upsample(real, f, DOWN[random.nextInt(DOWN.length)], UP[random.nextInt(UP.length)]);
                double amount = 0.3 + 1.2 * random.nextDouble();
                double sigma = 0.5 + random.nextDouble();
                yield random.nextBoolean() ? unsharp(up, sigma, amount) : up;
            }
            case TRANSPOSED_CONV -> {
                int stages = random.nextDouble() < 0.7 ? 1 : 2;
                BufferedImage low = shrink(real, 1 << stages, DOWN[random.nextInt(DOWN.length)]);
                for (int s = 0; s < stages; s++) {
                    low = transposedConv(low, randomTransposedKernel(random, 0.15 + 0.35 * random.nextDouble()));
                }
                yield fitTo(low, real.getWidth(), real.getHeight());
            }
            case CONV_DECODER -> {
                int stages = random.nextDouble() < 0.6 ? 1 : 2;
                BufferedImage low = shrink(real, 1 << stages, DOWN[random.nextInt(DOWN.length)]);
                for (int s = 0; s < stages; s++) {
                    low = decoderStage(low, random.nextLong(), 2 + 6 * random.nextDouble());
                }
                yield fitTo(low, real.getWidth(), real.getHeight());
            }
            case SPECTRAL_PEAKS -> {
                int n = 1 + random.nextInt(3);
                BufferedImage out = real;
                for (int i = 0; i < n; i++) {
                    double period = new double[] {2, 4, 8}[random.nextInt(3)];
                    int orientation = random.nextInt(3); // 0 horizontal, 1 vertical, 2 diagonal
                    double fx = orientation == 1 ? 0 : 1 / period;
                    double fy = orientation == 0 ? 0 : 1 / period;
                    out = grating(out, fx, fy, 1 + 2 * random.nextDouble(), random.nextDouble() * 2 * Math.PI);
                }
                yield out;
            }
            case LEARNED_UPSAMPLE -> {
                int stages = random.nextDouble() < 0.6 ? 1 : 2;
                BufferedImage low = shrink(real, 1 << stages, DOWN[random.nextInt(DOWN.length)]);
                boolean nearest = random.nextBoolean();
                int layers = 1 + random.nextInt(3);
                double unevenness = 0.1 + 0.4 * random.nextDouble();
                double mixing = 0.02 + 0.08 * random.nextDouble();
                double greyLevels = 1 + 7 * random.nextDouble();
                yield fitTo(learnedUpsample(low, stages, nearest, layers, unevenness, mixing, greyLevels,
                        random.nextLong()), real.getWidth(), real.getHeight());
            }
            case BLEND -> {
                List<Family> inner = families.stream().filter(f -> f != Family.BLEND).toList();
                Family source = inner.isEmpty() ? Family.UPSAMPLE : inner.get(random.nextInt(inner.size()));
                BufferedImage recon = apply(real, source, random);
                yield blendEllipse(real, recon, 0.3 + 0.4 * random.nextDouble(), random.nextDouble(),
                        random.nextDouble());
            }
        };
    }

    /** Scale of the blur whose residual counts as high-frequency detail in {@link #matchDetail}. */
    static final double DETAIL_SIGMA = 1.0;

    /**
     * Restores detail the simulation removed: when {@code fake} has less high-frequency energy than {@code real}
     * (mean squared residual after a Gaussian blur of sigma {@value #DETAIL_SIGMA}, over the three channels), it is
     * unsharp-masked (sigma {@value #DETAIL_SIGMA}) with the amount, found by bisection and at most
     * {@value #MAX_DETAIL_AMOUNT}, that brings its energy to the real one's; a fake with as much detail or more is
     * returned as it is. Up-sampling generators trained with perceptual
     * and adversarial losses synthesise fine texture rather than leave the image soft, so a detector trained on soft
     * pseudo-fakes learns "soft = fake" and calls smooth real photographs (sky, fog, studio backdrops) fake; with
     * matching, the amount of detail is no longer a label and what is left to learn is its structure.
     */
    public static BufferedImage matchDetail(BufferedImage real, BufferedImage fake) {
        double eReal = detailEnergy(real);
        double eFake = detailEnergy(fake);
        if (!(eFake > 1e-9) || eFake >= eReal) {
            return fake;
        }
        // the residual grows a little slower than 1 + amount (the blur keeps part of it), so bisect on the result
        double lo = 0;
        double hi = MAX_DETAIL_AMOUNT;
        BufferedImage best = unsharp(fake, DETAIL_SIGMA, hi);
        if (detailEnergy(best) <= eReal) {
            return best;
        }
        for (int i = 0; i < 10; i++) {
            double mid = 0.5 * (lo + hi);
            BufferedImage x = unsharp(fake, DETAIL_SIGMA, mid);
            if (detailEnergy(x) < eReal) {
                lo = mid;
            } else {
                hi = mid;
                best = x;
            }
        }
        return best;
    }

    /** The largest unsharp-masking amount {@link #matchDetail} uses. */
    static final double MAX_DETAIL_AMOUNT = 8;

    /** Mean squared difference between an image and its Gaussian blur (sigma {@value #DETAIL_SIGMA}), per channel. */
    static double detailEnergy(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] a = img.getRGB(0, 0, w, h, null, 0, w);
        int[] b = Perturbation.blur(img, DETAIL_SIGMA).getRGB(0, 0, w, h, null, 0, w);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int shift = 16; shift >= 0; shift -= 8) {
                double d = ((a[i] >> shift) & 0xFF) - ((b[i] >> shift) & 0xFF);
                sum += d * d;
            }
        }
        return sum / (3.0 * a.length);
    }

    /** {@code v} with zero mean and unit standard deviation (a constant plane stays 0). */
    static double[] standardised(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(var / v.length) + 1e-9;
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (v[i] - mean) / sd;
        }
        return out;
    }

    /** Shrinks by {@code factor} with {@code down} (anti-aliased), enlarges back to the same size with {@code up}. */
    public static BufferedImage upsample(BufferedImage img, double factor, KernelResize.Kernel down,
                                         KernelResize.Kernel up) {
        BufferedImage low = shrink(img, factor, down);
        return KernelResize.resize(low, img.getWidth(), img.getHeight(), up);
    }

    static BufferedImage shrink(BufferedImage img, double factor, KernelResize.Kernel kernel) {
        int w = Math.max(2, (int) Math.round(img.getWidth() / factor));
        int h = Math.max(2, (int) Math.round(img.getHeight() / factor));
        return KernelResize.resize(img, w, h, kernel);
    }

    /** Exactly {@code w} x {@code h}: crops a larger image, enlarges (bilinear) a smaller one. */
    private static BufferedImage fitTo(BufferedImage img, int w, int h) {
        if (img.getWidth() == w && img.getHeight() == h) {
            return img;
        }
        if (img.getWidth() >= w && img.getHeight() >= h) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            out.setRGB(0, 0, w, h, img.getRGB(0, 0, w, h, null, 0, w), 0, w);
            return out;
        }
        return KernelResize.resize(img, w, h, KernelResize.Kernel.BILINEAR);
    }

    /** Unsharp masking: img + amount (img - blur(img, sigma)). */
    public static BufferedImage unsharp(BufferedImage img, double sigma, double amount) {
        BufferedImage blurred = Perturbation.blur(img, sigma);
        int w = img.getWidth();
        int h = img.getHeight();
        int[] a = img.getRGB(0, 0, w, h, null, 0, w);
        int[] b = blurred.getRGB(0, 0, w, h, null, 0, w);
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            int px = 0;
            for (int shift = 16; shift >= 0; shift -= 8) {
                int va = (a[i] >> shift) & 0xFF;
                int vb = (b[i] >> shift) & 0xFF;
                px |= clamp(va + amount * (va - vb)) << shift;
            }
            out[i] = px;
        }
        return fromPixels(out, w, h);
    }

    /**
     * A 4x4 transposed-convolution kernel for stride 2: the bilinear kernel (whose four polyphase parts each sum to 1,
     * so a flat image stays flat) times random positive factors 1 +- {@code unevenness}, rescaled to total gain 4.
     * The polyphase parts then have unequal gains, which is what prints a checkerboard.
     */
    public static double[][] randomTransposedKernel(SplittableRandom random, double unevenness) {
        double[] tap = {0.25, 0.75, 0.75, 0.25};
        double[][] k = new double[4][4];
        double sum = 0;
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                k[y][x] = tap[y] * tap[x] * (1 + unevenness * (2 * random.nextDouble() - 1));
                sum += k[y][x];
            }
        }
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                k[y][x] *= 4 / sum;
            }
        }
        return k;
    }

    /**
     * Stride-2 transposed convolution of each channel with {@code kernel} (4x4), cropped to exactly twice the input
     * size (the kernel's centre aligned with each input pixel's two output pixels).
     */
    public static BufferedImage transposedConv(BufferedImage low, double[][] kernel) {
        int w = low.getWidth();
        int h = low.getHeight();
        int ow = 2 * w;
        int oh = 2 * h;
        int k = kernel.length;
        int pad = (k - 2) / 2; // output offset so the result is centred
        double[][] planes = planes(low);
        double[][] out = new double[3][ow * oh];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = planes[c][y * w + x];
                    for (int j = 0; j < k; j++) {
                        int oy = 2 * y + j - pad;
                        if (oy < 0 || oy >= oh) {
                            continue;
                        }
                        for (int i = 0; i < k; i++) {
                            int ox = 2 * x + i - pad;
                            if (ox >= 0 && ox < ow) {
                                out[c][oy * ow + ox] += v * kernel[j][i];
                            }
                        }
                    }
                }
            }
        }
        // border outputs receive fewer contributions; renormalise them by what a flat image would give there
        double[] gain = new double[ow * oh];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int j = 0; j < k; j++) {
                    int oy = 2 * y + j - pad;
                    for (int i = 0; i < k; i++) {
                        int ox = 2 * x + i - pad;
                        if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                            gain[oy * ow + ox] += kernel[j][i];
                        }
                    }
                }
            }
        }
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < gain.length; p++) {
                int x = p % ow;
                int y = p / ow;
                boolean border = x < 2 || y < 2 || x >= ow - 2 || y >= oh - 2;
                if (border && gain[p] > 1e-9) {
                    out[c][p] *= periodicGain(gain, ow, oh, x, y) / gain[p];
                }
            }
        }
        return toImage(out, ow, oh);
    }

    /** The gain an interior output pixel of the same phase as (x, y) has (keeps the checkerboard at the border). */
    private static double periodicGain(double[] gain, int ow, int oh, int x, int y) {
        int ix = Math.min(ow - 3, Math.max(2, 2 + ((x - 2) % 2 + 2) % 2));
        int iy = Math.min(oh - 3, Math.max(2, 2 + ((y - 2) % 2 + 2) % 2));
        return gain[iy * ow + ix];
    }

    /**
     * One 2x stage of a randomly initialised decoder: nearest up-sampling, 3x3 conv (3 -> 8, He-normal), leaky ReLU,
     * 3x3 conv (8 -> 3), the result standardised and added at {@code greyLevels} amplitude to a bilinear enlargement.
     */
    public static BufferedImage decoderStage(BufferedImage low, long seed, double greyLevels) {
        SplittableRandom r = new SplittableRandom(seed);
        int w = low.getWidth() * 2;
        int h = low.getHeight() * 2;
        double[][] base = planes(KernelResize.resize(low, w, h, KernelResize.Kernel.BILINEAR));
        double[][] near = planes(KernelResize.resize(low, w, h, KernelResize.Kernel.NEAREST));
        for (double[] p : near) {
            for (int i = 0; i < p.length; i++) {
                p[i] = p[i] / 127.5 - 1;
            }
        }
        double[][] hidden = conv3x3(near, w, h, 8, r, Math.sqrt(2.0 / 27));
        for (double[] p : hidden) {
            for (int i = 0; i < p.length; i++) {
                p[i] = p[i] > 0 ? p[i] : 0.2 * p[i];
            }
        }
        double[][] residual = conv3x3(hidden, w, h, 3, r, Math.sqrt(2.0 / 72));
        for (int c = 0; c < 3; c++) {
            double[] texture = standardised(residual[c]);
            for (int i = 0; i < base[c].length; i++) {
                base[c][i] += greyLevels * texture[i];
            }
        }
        return toImage(base, w, h);
    }

    /** Hidden channels of a {@link #learnedUpsample} stage: the image as +x and -x (ReLU keeps it), and free ones. */
    private static final int HIDDEN = 12;

    /**
     * A randomly initialised up-sampling decoder, {@code stages} times 2x: per stage, nearest (or bilinear)
     * up-sampling of the image in [-1, 1], then {@code layers} 3x3 convolutions to {@value #HIDDEN} channels, each
     * followed by ReLU, then a 3x3 convolution to 3 channels and tanh. The weights are those a generator that learnt
     * to reproduce its input could have: the first six hidden channels carry +x and -x (ReLU loses nothing of a pair)
     * through a random positive smoothing kernel per layer (a 3x3 tent whose taps are scaled by 1 +- {@code
     * unevenness} and renormalised: the interpolation filter, uneven and asymmetric), every weight gets He-normal
     * noise times {@code mixing} (cross-channel mixing, content-dependent colour and contrast), and the output layer
     * adds a random He-initialised read-out of all hidden channels, standardised per channel, at {@code greyLevels}
     * grey levels before the tanh (decoder texture, saturating towards black and white as a tanh output does).
     *
     * @param low the shrunk image; the result is {@code 2^stages} times its size
     */
    public static BufferedImage learnedUpsample(BufferedImage low, int stages, boolean nearest, int layers,
                                                double unevenness, double mixing, double greyLevels, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int w = low.getWidth();
        int h = low.getHeight();
        double[][] x = planes(low);
        for (double[] p : x) {
            for (int i = 0; i < p.length; i++) {
                p[i] = p[i] / 127.5 - 1;
            }
        }
        for (int s = 0; s < stages; s++) {
            x = up2(x, w, h, nearest);
            w *= 2;
            h *= 2;
            double[][] hidden = new double[HIDDEN][];
            for (int c = 0; c < 3; c++) {
                hidden[c] = x[c].clone();
                hidden[c + 3] = new double[x[c].length];
                for (int i = 0; i < x[c].length; i++) {
                    hidden[c + 3][i] = -x[c][i];
                }
            }
            for (int c = 6; c < HIDDEN; c++) {
                hidden[c] = new double[w * h];
            }
            double heHidden = Math.sqrt(2.0 / (9 * HIDDEN));
            for (int l = 0; l < layers; l++) {
                double[][][][] k = new double[HIDDEN][HIDDEN][3][3];
                double[][] smooth = unevenTent(r, unevenness);
                for (int o = 0; o < HIDDEN; o++) {
                    for (int i = 0; i < HIDDEN; i++) {
                        for (int j = 0; j < 3; j++) {
                            for (int q = 0; q < 3; q++) {
                                // free channels start from a full He draw, the image channels from the smoothing
                                double std = o >= 6 ? heHidden : mixing * heHidden;
                                k[o][i][j][q] = (o == i && o < 6 ? smooth[j][q] : 0) + r.nextGaussian() * std;
                            }
                        }
                    }
                }
                hidden = conv3x3(hidden, w, h, k);
                for (double[] p : hidden) {
                    for (int i = 0; i < p.length; i++) {
                        p[i] = Math.max(0, p[i]);
                    }
                }
            }
            double[][][][] readout = new double[3][HIDDEN][3][3];
            for (double[][][] o : readout) {
                for (double[][] c : o) {
                    for (double[] row : c) {
                        for (int q = 0; q < 3; q++) {
                            row[q] = r.nextGaussian() * heHidden;
                        }
                    }
                }
            }
            double[][] texture = conv3x3(hidden, w, h, readout);
            double amplitude = greyLevels / 127.5;
            for (int c = 0; c < 3; c++) {
                double[] t = standardised(texture[c]);
                for (int i = 0; i < t.length; i++) {
                    // the identity path (+x minus -x) enters the tanh at its inverse, so a zero texture keeps x
                    double identity = Math.max(-0.995, Math.min(0.995, hidden[c][i] - hidden[c + 3][i]));
                    texture[c][i] = Math.tanh(atanh(identity) + amplitude * t[i]);
                }
            }
            x = texture;
        }
        for (double[] p : x) {
            for (int i = 0; i < p.length; i++) {
                p[i] = (p[i] + 1) * 127.5;
            }
        }
        return toImage(x, w, h);
    }

    private static double atanh(double v) {
        return 0.5 * Math.log((1 + v) / (1 - v));
    }

    /** A 3x3 tent (1 2 1 / 2 4 2 / 1 2 1) with each tap scaled by 1 +- {@code unevenness}, summing to 1. */
    static double[][] unevenTent(SplittableRandom r, double unevenness) {
        double[] tap = {1, 2, 1};
        double[][] k = new double[3][3];
        double sum = 0;
        for (int j = 0; j < 3; j++) {
            for (int q = 0; q < 3; q++) {
                k[j][q] = tap[j] * tap[q] * (1 + unevenness * (2 * r.nextDouble() - 1));
                sum += k[j][q];
            }
        }
        for (double[] row : k) {
            for (int q = 0; q < 3; q++) {
                row[q] /= sum;
            }
        }
        return k;
    }

    /** 2x up-sampling of planes: nearest (each pixel to a 2x2 block) or bilinear (taps 3/4, 1/4, edges clamped). */
    static double[][] up2(double[][] in, int w, int h, boolean nearest) {
        int ow = 2 * w;
        int oh = 2 * h;
        double[][] out = new double[in.length][ow * oh];
        for (int c = 0; c < in.length; c++) {
            for (int y = 0; y < oh; y++) {
                int sy = y / 2;
                int ny = Math.min(h - 1, Math.max(0, y % 2 == 0 ? sy - 1 : sy + 1));
                for (int x = 0; x < ow; x++) {
                    int sx = x / 2;
                    if (nearest) {
                        out[c][y * ow + x] = in[c][sy * w + sx];
                    } else {
                        int nx = Math.min(w - 1, Math.max(0, x % 2 == 0 ? sx - 1 : sx + 1));
                        out[c][y * ow + x] = 0.5625 * in[c][sy * w + sx] + 0.1875 * in[c][sy * w + nx]
                                + 0.1875 * in[c][ny * w + sx] + 0.0625 * in[c][ny * w + nx];
                    }
                }
            }
        }
        return out;
    }

    private static double[][] conv3x3(double[][] in, int w, int h, int outChannels, SplittableRandom r, double std) {
        double[][][][] k = new double[outChannels][in.length][3][3];
        for (double[][][] o : k) {
            for (double[][] c : o) {
                for (double[] row : c) {
                    for (int i = 0; i < 3; i++) {
                        row[i] = r.nextGaussian() * std;
                    }
                }
            }
        }
        return conv3x3(in, w, h, k);
    }

    /** 3x3 convolution (cross-correlation), kernels {@code k[out][in][dy][dx]}, edges clamped. */
    private static double[][] conv3x3(double[][] in, int w, int h, double[][][][] k) {
        int inChannels = in.length;
        int outChannels = k.length;
        double[][] out = new double[outChannels][w * h];
        for (int o = 0; o < outChannels; o++) {
            for (int c = 0; c < inChannels; c++) {
                double[] src = in[c];
                double[][] kk = k[o][c];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double acc = 0;
                        for (int j = -1; j <= 1; j++) {
                            int yy = Math.min(h - 1, Math.max(0, y + j));
                            for (int i = -1; i <= 1; i++) {
                                int xx = Math.min(w - 1, Math.max(0, x + i));
                                acc += kk[j + 1][i + 1] * src[yy * w + xx];
                            }
                        }
                        out[o][y * w + x] += acc;
                    }
                }
            }
        }
        return out;
    }

    /** Adds {@code amplitude} cos(2 pi (fx x + fy y) + phase) grey levels to every channel. */
    public static BufferedImage grating(BufferedImage img, double fx, double fy, double amplitude, double phase) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double d = amplitude * Math.cos(2 * Math.PI * (fx * x + fy * y) + phase);
                int p = px[y * w + x];
                px[y * w + x] = (clamp(((p >> 16) & 0xFF) + d) << 16) | (clamp(((p >> 8) & 0xFF) + d) << 8)
                        | clamp((p & 0xFF) + d);
            }
        }
        return fromPixels(px, w, h);
    }

    /**
     * {@code recon} inside a soft-edged ellipse (area about {@code share} of the image, centred at (cx, cy) in
     * image-relative units, kept inside), {@code real} outside.
     */
    public static BufferedImage blendEllipse(BufferedImage real, BufferedImage recon, double share, double cx,
                                             double cy) {
        int w = real.getWidth();
        int h = real.getHeight();
        double rx = Math.sqrt(share / Math.PI) * w;
        double ry = Math.sqrt(share / Math.PI) * h;
        double x0 = rx + cx * Math.max(0, w - 2 * rx);
        double y0 = ry + cy * Math.max(0, h - 2 * ry);
        int[] a = real.getRGB(0, 0, w, h, null, 0, w);
        int[] b = recon.getRGB(0, 0, w, h, null, 0, w);
        int[] out = new int[a.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double d = Math.sqrt(Math.pow((x + 0.5 - x0) / rx, 2) + Math.pow((y + 0.5 - y0) / ry, 2));
                double m = d <= 0.8 ? 1 : d >= 1.2 ? 0 : 0.5 + 0.5 * Math.cos(Math.PI * (d - 0.8) / 0.4);
                int i = y * w + x;
                int px = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    px |= clamp(m * ((b[i] >> shift) & 0xFF) + (1 - m) * ((a[i] >> shift) & 0xFF)) << shift;
                }
                out[i] = px;
            }
        }
        return fromPixels(out, w, h);
    }

    private static double[][] planes(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] px = img.getRGB(0, 0, w, h, null, 0, w);
        double[][] out = new double[3][w * h];
        for (int i = 0; i < px.length; i++) {
            out[0][i] = (px[i] >> 16) & 0xFF;
            out[1][i] = (px[i] >> 8) & 0xFF;
            out[2][i] = px[i] & 0xFF;
        }
        return out;
    }

    private static BufferedImage toImage(double[][] planes, int w, int h) {
        int[] px = new int[w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = (clamp(planes[0][i]) << 16) | (clamp(planes[1][i]) << 8) | clamp(planes[2][i]);
        }
        return fromPixels(px, w, h);
    }

    private static BufferedImage fromPixels(int[] px, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, px, 0, w);
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
