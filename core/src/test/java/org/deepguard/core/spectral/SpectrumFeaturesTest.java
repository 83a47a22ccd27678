package org.deepguard.core.spectral;

import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpectrumFeaturesTest {

    private static BufferedImage grey(int w, int h, java.util.function.IntBinaryOperator value) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.max(0, Math.min(255, value.applyAsInt(x, y)));
                img.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        return img;
    }

    /** A vertical cosine grating with {@code cycles} periods across {@code n} pixels. */
    private static BufferedImage grating(int n, int cycles) {
        return grey(n, n, (x, y) -> (int) Math.round(128 + 100 * Math.cos(2 * Math.PI * cycles * x / n)));
    }

    private static int argMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }

    @Test
    void constantImageHasAllPowerAtDc() {
        int n = 16;
        double[] values = new double[n * n];
        java.util.Arrays.fill(values, 77.5);
        // Without mean removal the only non-zero coefficient is DC = n^2 * 77.5: powerSpectrum removes the mean,
        // so check the raw FFT here and the spectrum below.
        double[] re = values.clone();
        double[] im = new double[n * n];
        Fft.transform2d(re, im, n, n);
        assertEquals(n * n * 77.5, re[0], 1e-9);
        for (int i = 1; i < re.length; i++) {
            assertEquals(0, re[i], 1e-9);
            assertEquals(0, im[i], 1e-9);
        }
        double[] power = SpectrumFeatures.powerSpectrum(values, n, true);
        for (double p : power) {
            assertEquals(0, p, 1e-18);
        }
        // A flat image has no spectral shape: all features 0, as documented.
        assertArrayEquals(new double[32], SpectrumFeatures.of(grey(40, 40, (x, y) -> 90),
                new SpectrumConfig(32, 32, true, 1.0)));
    }

    @Test
    void cosineGratingPeaksAtItsRing() {
        // 8 cycles over 64 px: power at (fx, fy) = (+-8, 0), ring 8 = radius 8/32 = 0.25 Nyquist. With 64 bins up
        // to radius 1, bin j samples radius (j+1)/64, so the peak is bin 15.
        SpectrumConfig cfg = new SpectrumConfig(64, 64, false, 1.0);
        double[] f = SpectrumFeatures.of(grating(64, 8), cfg);
        assertEquals(15, argMax(f));
        // Nearly all AC power sits in 2 of the 4095 non-DC frequencies, so ring 8 (every frequency whose radius
        // rounds to 8) has mean power = total / count(ring 8) against a mean of total / 4095.
        int ring8 = 0;
        for (int v = -32; v < 32; v++) {
            for (int u = -32; u < 32; u++) {
                if (Math.round(Math.sqrt(u * u + v * v)) == 8) ring8++;
            }
        }
        assertEquals(10 * Math.log10(4095.0 / ring8), f[15], 0.01);
        assertTrue(f[40] < f[15] - 40, "off-peak " + f[40] + " dB");
        // With the window the peak spreads to its neighbours but stays on the same ring.
        assertEquals(15, argMax(SpectrumFeatures.of(grating(64, 8), new SpectrumConfig(64, 64, true, 1.0))));
    }

    @Test
    void radiusIsNormalisedByNyquistAcrossCropSizes() {
        // 4 cycles in 32 px and 8 cycles in 64 px are the same frequency relative to Nyquist (0.25).
        SpectrumConfig cfg = new SpectrumConfig(64, 16, true, 1.0);
        assertEquals(3, argMax(SpectrumFeatures.of(grating(32, 4), cfg)));
        assertEquals(3, argMax(SpectrumFeatures.of(grating(64, 8), cfg)));
    }

    @Test
    void featuresIgnoreBrightnessScalingAndOffset() {
        SplittableRandom rnd = new SplittableRandom(9);
        int[] base = new int[48 * 48];
        for (int i = 0; i < base.length; i++) base[i] = rnd.nextInt(20, 120);
        SpectrumConfig cfg = new SpectrumConfig(32, 24, true, Math.sqrt(2));
        double[] f = SpectrumFeatures.of(grey(48, 48, (x, y) -> base[y * 48 + x]), cfg);
        // Doubling every channel doubles the luma exactly; adding 30 to every channel adds 30 (0.299 + 0.587 +
        // 0.114 = 1) up to rounding. Both must leave the normalised profile alone.
        double[] doubled = SpectrumFeatures.of(grey(48, 48, (x, y) -> 2 * base[y * 48 + x]), cfg);
        double[] shifted = SpectrumFeatures.of(grey(48, 48, (x, y) -> base[y * 48 + x] + 30), cfg);
        assertArrayEquals(f, doubled, 1e-9);
        assertArrayEquals(f, shifted, 1e-6);
        // ...while a different texture does change it (the test is not vacuous).
        double[] other = SpectrumFeatures.of(grey(48, 48, (x, y) -> base[(y * 48 + x + 1) % base.length] / 2 + x),
                cfg);
        assertTrue(Math.abs(other[0] - f[0]) > 0.1 || Math.abs(other[20] - f[20]) > 0.1);
    }

    @Test
    void cropIsTakenAtNativeResolutionNeverResampled() {
        SpectrumConfig cfg = new SpectrumConfig(64, 32, true, Math.sqrt(2));
        BufferedImage big = TestImages.texture(200, 4);
        BufferedImage wide = big.getSubimage(0, 0, 200, 150);
        // min side 150 -> largest power of two 128 -> capped at 64; centred at ((200-64)/2, (150-64)/2).
        assertEquals(64, SpectrumFeatures.cropSide(200, 150, cfg));
        assertArrayEquals(SpectrumFeatures.of(wide.getSubimage(68, 43, 64, 64), cfg), SpectrumFeatures.of(wide, cfg),
                0);
        // Below the cap: 100x40 -> 32 px crop at (34, 4).
        BufferedImage small = big.getSubimage(10, 10, 100, 40);
        assertEquals(32, SpectrumFeatures.cropSide(100, 40, cfg));
        assertArrayEquals(SpectrumFeatures.of(small.getSubimage(34, 4, 32, 32), cfg),
                SpectrumFeatures.of(small, cfg), 0);
    }

    @Test
    void tooSmallImagesAreRefusedWithAClearMessage() {
        SpectrumConfig cfg = SpectrumConfig.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpectrumFeatures.of(new BufferedImage(40, 15, BufferedImage.TYPE_INT_RGB), cfg));
        assertTrue(e.getMessage().contains("40x15") && e.getMessage().contains("16 px"), e.getMessage());
        assertEquals(16, SpectrumFeatures.of(TestImages.texture(16, 1), new SpectrumConfig(16, 16, false, 1))
                .length);
    }

    /**
     * The band start's reason to exist: a soft scene under the same fine texture. Adding a strong low-frequency
     * grating (3 cycles across the crop, far below the band's start at a quarter of Nyquist) to a noise texture moves every bin of the
     * whole-spectrum profile, normalised by the total power, by about 10 dB; the band's shape barely moves.
     */
    @Test
    void bandShapeIgnoresPowerBelowTheBand() {
        SplittableRandom rnd = new SplittableRandom(21);
        int n = 128;
        double[] noise = new double[n * n];
        for (int i = 0; i < noise.length; i++) noise[i] = 4 * rnd.nextGaussian();
        BufferedImage fine = grey(n, n, (x, y) -> (int) Math.round(128 + noise[y * n + x]));
        BufferedImage softScene = grey(n, n, (x, y) -> (int) Math.round(128 + noise[y * n + x]
                + 20 * Math.cos(2 * Math.PI * 3 * x / n)));
        SpectrumConfig whole = SpectrumConfig.durall();
        SpectrumConfig band = SpectrumConfig.durall().withBandStart(0.25);

        double[] wholeFine = SpectrumFeatures.of(fine, whole);
        double[] wholeSoft = SpectrumFeatures.of(softScene, whole);
        double[] bandFine = SpectrumFeatures.of(fine, band);
        double[] bandSoft = SpectrumFeatures.of(softScene, band);
        for (int j = 15; j < 64; j++) { // rings 16..64: the band
            assertTrue(wholeFine[j] - wholeSoft[j] > 8, "whole profile, bin " + j);
            assertEquals(bandFine[j], bandSoft[j], 0.3, "band, bin " + j);
        }
        for (int j = 0; j < 15; j++) {
            assertEquals(0, bandFine[j], 0, "below the band, bin " + j);
        }
        // the band's bins are relative to their own mean
        double sum = 0;
        for (double v : bandFine) sum += v;
        assertEquals(0, sum, 1e-9);
        // ...and they are the whole profile's bins, shifted: the band keeps the shape, not a new measurement
        for (int j = 16; j < 64; j++) {
            assertEquals(wholeFine[j] - wholeFine[15], bandFine[j] - bandFine[15], 1e-9);
        }
    }

    @Test
    void bandStartIsValidatedAndOldBundlesReadTheWholeProfile() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> SpectrumConfig.durall().withBandStart(-0.1));
        assertThrows(IllegalArgumentException.class, () -> SpectrumConfig.durall().withBandStart(1.0));
        assertThrows(IllegalArgumentException.class, () -> SpectrumConfig.durall().withBandStart(0.97)); // 2 bins
        // a cue definition stored before the band start existed has no such field: it reads as 0
        SpectrumConfig old = org.deepguard.core.io.Json.MAPPER.readValue(
                "{\"cropSize\":128,\"bins\":64,\"hannWindow\":true,\"maxRadius\":1.0}", SpectrumConfig.class);
        assertEquals(SpectrumConfig.durall(), old);
        SpectrumConfig now = org.deepguard.core.io.Json.MAPPER.readValue(
                org.deepguard.core.io.Json.line(SpectrumConfig.defaults()), SpectrumConfig.class);
        assertEquals(SpectrumConfig.defaults(), now);
        assertEquals(0.0625, now.bandStart());
    }

    @Test
    void configValidatesItsFields() {
        assertThrows(IllegalArgumentException.class, () -> new SpectrumConfig(96, 64, true, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpectrumConfig(8, 64, true, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpectrumConfig(128, 2, true, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpectrumConfig(128, 64, true, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new SpectrumConfig(128, 64, true, 0));
    }
}
