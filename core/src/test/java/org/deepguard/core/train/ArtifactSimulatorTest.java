package org.deepguard.core.train;

import org.deepguard.core.image.KernelResize;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.ResamplingFeatures;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArtifactSimulatorTest {
    private static final ArtifactSimulator ALL = new ArtifactSimulator(List.of(ArtifactSimulator.Family.values()));

    private static int[] pixels(BufferedImage img) {
        return DegradationChainTest.pixels(img);
    }

    /** |DFT of the luma at (u, v) cycles per image|^2. */
    static double power(BufferedImage img, int u, int v) {
        int w = img.getWidth();
        int h = img.getHeight();
        double re = 0;
        double im = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                double luma = 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
                double a = -2 * Math.PI * ((double) u * x / w + (double) v * y / h);
                re += luma * Math.cos(a);
                im += luma * Math.sin(a);
            }
        }
        return re * re + im * im;
    }

    private static double nyquistPower(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        return power(img, w / 2, 0) + power(img, 0, h / 2) + power(img, w / 2, h / 2);
    }

    @Test
    void deterministicPerSeedImageAndEpochAndSizeKeeping() {
        BufferedImage real = TestImages.texture(48, 3);
        for (ArtifactSimulator.Family f : ArtifactSimulator.Family.values()) {
            BufferedImage a = ALL.apply(real, f, Augmenter.streamFor(5, 2, 99));
            BufferedImage b = ALL.apply(real, f, Augmenter.streamFor(5, 2, 99));
            assertArrayEquals(pixels(a), pixels(b), f + " is deterministic");
            assertEquals(48, a.getWidth(), f + " keeps the size");
            assertEquals(48, a.getHeight(), f + " keeps the size");
            assertFalse(Arrays.equals(pixels(real), pixels(a)), f + " changes the image");
            BufferedImage nextEpoch = ALL.apply(real, f, Augmenter.streamFor(5, 3, 99));
            assertFalse(Arrays.equals(pixels(a), pixels(nextEpoch)), f + ": another epoch, another draw");
        }
        BufferedImage odd = TestImages.texture(37, 1);
        for (int s = 0; s < 20; s++) { // every family and parameter draw keeps an odd size too
            BufferedImage out = ALL.apply(odd, new SplittableRandom(s));
            assertEquals(37, out.getWidth());
            assertEquals(37, out.getHeight());
        }
    }

    @Test
    void unevenTransposedConvolutionLeavesAPeakAtHalfTheSamplingFrequency() {
        BufferedImage low = KernelResize.resize(TestImages.texture(64, 8), 32, 32, KernelResize.Kernel.BOX);
        double[][] bilinear = new double[4][4];
        double[] tap = {0.25, 0.75, 0.75, 0.25};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                bilinear[y][x] = tap[y] * tap[x];
            }
        }
        double even = nyquistPower(ArtifactSimulator.transposedConv(low, bilinear));
        double uneven = nyquistPower(ArtifactSimulator.transposedConv(low,
                ArtifactSimulator.randomTransposedKernel(new SplittableRandom(4), 0.4)));
        assertTrue(uneven > 20 * even, "checkerboard peak: " + uneven + " vs " + even);
        // and the peak stands out against the frequencies just below it
        BufferedImage out = ArtifactSimulator.transposedConv(low,
                ArtifactSimulator.randomTransposedKernel(new SplittableRandom(4), 0.4));
        double neighbours = 0;
        for (int u = 28; u < 32; u++) {
            neighbours += power(out, u, 0) + power(out, 0, u);
        }
        assertTrue(nyquistPower(out) > neighbours / 8 * 3, "peak vs mean neighbour power");
    }

    @Test
    void upSamplingLeavesResamplingPeriodicityAtItsFactor() {
        ResamplingConfig cfg = ResamplingConfig.defaults();
        BufferedImage real = TestImages.texture(96, 6);
        double[] before = ResamplingFeatures.of(real, cfg);
        // (a centred 2x interpolation is phase-symmetric in |second differences|, so period 2 is left out: its trace
        // is the attenuated top octave, which the spectral profile reads)
        for (int factor : new int[] {3, 4}) {
            BufferedImage up = ArtifactSimulator.upsample(real, factor, KernelResize.Kernel.BOX,
                    KernelResize.Kernel.BILINEAR);
            double[] after = ResamplingFeatures.of(up, cfg);
            int lattice = 3 * (factor - 2) + 2;
            assertTrue(after[lattice] > before[lattice] + 0.5, "period " + factor + ": " + after[lattice] + " vs "
                    + before[lattice]);
        }
    }

    @Test
    void learnedUpSamplingLeavesPeriodicityAtItsFactorAndKeepsTheContent() {
        ResamplingConfig cfg = ResamplingConfig.defaults();
        BufferedImage real = TestImages.texture(96, 6);
        BufferedImage half = ArtifactSimulator.shrink(real, 2, KernelResize.Kernel.BOX);
        // a centred bilinear 2x enlargement is phase-symmetric: no period-2 trace in |second differences|
        double[] centred = ResamplingFeatures.of(KernelResize.resize(half, 96, 96, KernelResize.Kernel.BILINEAR), cfg);
        assertTrue(Math.max(centred[0], centred[1]) < 0.05, "bilinear: " + centred[0] + ", " + centred[1]);
        // the random decoder's uneven, asymmetric filters break that symmetry: one phase of the 2x grid stands out
        double mean = 0;
        for (int seed = 0; seed < 4; seed++) {
            BufferedImage out = ArtifactSimulator.learnedUpsample(half, 1, true, 1, 0.8, 0.05, 4, seed);
            double[] f = ResamplingFeatures.of(out, cfg);
            assertTrue(Math.max(f[0], f[1]) > 0.2, "seed " + seed + ": period 2 " + f[0] + ", " + f[1]);
            mean += f[2] / 4;
        }
        assertTrue(mean > 0.3, "period-2 lattice, mean over draws: " + mean);
        for (boolean nearest : new boolean[] {true, false}) {
            BufferedImage out = ArtifactSimulator.learnedUpsample(ArtifactSimulator.shrink(real, 4,
                    KernelResize.Kernel.BOX), 2, nearest, 2, 0.4, 0.05, 3, 11);
            assertEquals(96, out.getWidth());
            // the decoder reproduces its input: at the low resolution the output matches the real image
            int[] a = pixels(ArtifactSimulator.shrink(real, 8, KernelResize.Kernel.BOX));
            int[] b = pixels(ArtifactSimulator.shrink(out, 8, KernelResize.Kernel.BOX));
            double diff = 0;
            for (int i = 0; i < a.length; i++) {
                diff += Math.abs(((a[i] >> 8) & 0xFF) - ((b[i] >> 8) & 0xFF));
            }
            assertTrue(diff / a.length < 10, "mean difference at 1/8 size: " + diff / a.length);
        }
        // texture: the read-out enters at the documented amplitude (8 grey levels, less where the tanh saturates)
        BufferedImage low = ArtifactSimulator.shrink(real, 2, KernelResize.Kernel.BOX);
        int[] plain = pixels(ArtifactSimulator.learnedUpsample(low, 1, false, 1, 0.2, 0.02, 0, 3));
        int[] textured = pixels(ArtifactSimulator.learnedUpsample(low, 1, false, 1, 0.2, 0.02, 8, 3));
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < plain.length; i++) {
            double d = ((textured[i] >> 8) & 0xFF) - ((plain[i] >> 8) & 0xFF);
            sum += d;
            sq += d * d;
        }
        double sd = Math.sqrt(sq / plain.length - Math.pow(sum / plain.length, 2));
        assertTrue(sd > 4 && sd < 9, "texture standard deviation " + sd);
        assertTrue(highPassEnergy(ArtifactSimulator.learnedUpsample(low, 1, false, 1, 0.2, 0.02, 8, 3))
                > highPassEnergy(ArtifactSimulator.learnedUpsample(low, 1, false, 1, 0.2, 0.02, 0, 3)));
    }

    /** Mean squared second difference of the green channel along rows and columns (high-frequency energy). */
    private static double highPassEnergy(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        double sum = 0;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int c = (img.getRGB(x, y) >> 8) & 0xFF;
                double dx = ((img.getRGB(x - 1, y) >> 8) & 0xFF) - 2 * c + ((img.getRGB(x + 1, y) >> 8) & 0xFF);
                double dy = ((img.getRGB(x, y - 1) >> 8) & 0xFF) - 2 * c + ((img.getRGB(x, y + 1) >> 8) & 0xFF);
                sum += dx * dx + dy * dy;
            }
        }
        return sum / ((w - 2) * (h - 2));
    }

    @Test
    void detailMatchingGivesSoftPseudoFakesTheRealImagesFineDetailBack() {
        BufferedImage real = TestImages.texture(64, 6);
        double target = ArtifactSimulator.detailEnergy(real);
        BufferedImage soft = ArtifactSimulator.upsample(real, 4, KernelResize.Kernel.BOX, KernelResize.Kernel.BICUBIC);
        assertTrue(ArtifactSimulator.detailEnergy(soft) < 0.5 * target, "4x bicubic is soft");
        BufferedImage matched = ArtifactSimulator.matchDetail(real, soft);
        double e = ArtifactSimulator.detailEnergy(matched);
        assertTrue(e > 0.7 * target && e < 1.3 * target, "matched: " + e + " vs real " + target);
        // its low frequencies stay those of the soft image (unsharp masking only lifts the residual)
        int[] a = pixels(ArtifactSimulator.shrink(soft, 8, KernelResize.Kernel.BOX));
        int[] b = pixels(ArtifactSimulator.shrink(matched, 8, KernelResize.Kernel.BOX));
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(((a[i] >> 8) & 0xFF) - ((b[i] >> 8) & 0xFF)) <= 3, "low band moved at " + i);
        }
        // a pseudo-fake with as much detail as the real one or more is left alone
        BufferedImage grated = ArtifactSimulator.grating(real, 0.5, 0, 3, 0);
        assertTrue(ArtifactSimulator.detailEnergy(grated) >= target);
        assertArrayEquals(pixels(grated), pixels(ArtifactSimulator.matchDetail(real, grated)));
        // through the simulator: deterministic per stream, and never softer than the real image by much
        ArtifactSimulator matching = new ArtifactSimulator(List.of(ArtifactSimulator.Family.values()), true);
        for (int s = 0; s < 12; s++) {
            BufferedImage x = matching.apply(real, new SplittableRandom(s));
            assertArrayEquals(pixels(x), pixels(matching.apply(real, new SplittableRandom(s))));
            assertTrue(ArtifactSimulator.detailEnergy(x) > 0.6 * target, "draw " + s + ": "
                    + ArtifactSimulator.detailEnergy(x) + " vs " + target);
        }
    }

    @Test
    void spectralPeaksAndBlendsDoWhatTheySay() {
        BufferedImage real = TestImages.texture(64, 2);
        BufferedImage grated = ArtifactSimulator.grating(real, 0.25, 0, 3, 0.3);
        assertTrue(power(grated, 16, 0) > 4 * power(real, 16, 0) + 1e4, "a peak at 1/4 cycle per pixel");
        BufferedImage recon = ArtifactSimulator.upsample(real, 2, KernelResize.Kernel.BOX,
                KernelResize.Kernel.NEAREST);
        BufferedImage blend = ArtifactSimulator.blendEllipse(real, recon, 0.2, 0, 0);
        // the ellipse sits in the top-left corner: the far corner is the real image, its centre the reconstruction
        assertEquals(real.getRGB(60, 60), blend.getRGB(60, 60));
        assertEquals(recon.getRGB(14, 14), blend.getRGB(14, 14));
    }

    @Test
    void familiesParseByNameAndConfigsCheckThemselves() {
        assertEquals(List.of(ArtifactSimulator.Family.UPSAMPLE, ArtifactSimulator.Family.TRANSPOSED_CONV),
                SimulationConfig.parseFamilies("upsample, transposed_conv"));
        assertEquals(6, SimulationConfig.parseFamilies("all").size());
        assertEquals(List.of(ArtifactSimulator.Family.LEARNED_UPSAMPLE),
                SimulationConfig.parseFamilies("learned-upsample"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SimulationConfig.parseFamilies("gan"))
                .getMessage().contains("unknown simulator family"));
        SimulationConfig held = new SimulationConfig(SimulationConfig.parseFamilies("all"), 1, true,
                ArtifactSimulator.Family.BLEND);
        assertFalse(held.trainingFamilies().contains(ArtifactSimulator.Family.BLEND));
        assertThrows(IllegalArgumentException.class, () -> new SimulationConfig(
                List.of(ArtifactSimulator.Family.BLEND), 1, true, ArtifactSimulator.Family.BLEND));
        assertThrows(IllegalArgumentException.class, () -> new SimulationConfig(
                List.of(ArtifactSimulator.Family.BLEND), 0, true, null));
    }
}
