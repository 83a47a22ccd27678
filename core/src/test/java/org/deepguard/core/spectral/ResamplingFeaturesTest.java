package org.deepguard.core.spectral;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResamplingFeaturesTest {
    private static final ResamplingConfig CFG = ResamplingConfig.defaults();
    private static final double EPS = CFG.epsilon();

    /** Index of a feature: kind 0 = columns, 1 = rows, 2 = lattice. */
    private static int at(int period, int kind) {
        return 3 * (period - 2) + kind;
    }

    private static BufferedImage gray(double[][] v) {
        int h = v.length;
        int w = v[0].length;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int g = (int) Math.round(Math.max(0, Math.min(255, v[y][x])));
                img.setRGB(x, y, (g << 16) | (g << 8) | g);
            }
        }
        return img;
    }

    /** Value 10 on every 4th column (x = 0, 4, 8, ...), 0 elsewhere, starting {@code shift} columns in. */
    private static double[][] stripes(int w, int h, int shift) {
        double[][] v = new double[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                v[y][x] = (x + shift) % 4 == 0 ? 10 : 0;
            }
        }
        return v;
    }

    @Test
    void everyFourthColumnGivesTheHandComputedContrasts() {
        // 18 px wide: 16 interior columns, x = 1..16. |second difference| by x mod 4: 1 -> 10, 2 -> 0, 3 -> 10,
        // 0 -> 20 (a stripe between two zeros). Period 4: phases 10, 0, 10, 20; period 2: both phases average 10.
        double[] f = ResamplingFeatures.of(gray(stripes(18, 18, 0)), CFG);
        assertEquals(CFG.dimension(), f.length);
        assertEquals(Math.log((20 + EPS) / EPS), f[at(4, 0)], 1e-6);
        assertEquals(0, f[at(2, 0)], 1e-6);
        assertEquals(Math.log((20 + EPS) / EPS), f[at(4, 2)], 1e-6, "rows are constant: the lattice sees dx alone");
        assertEquals(Math.log((20 + EPS) / EPS), f[at(8, 0)], 1e-6, "period 8 holds two period-4 cycles");
        for (int p = 2; p <= CFG.maxPeriod(); p++) {
            assertEquals(0, f[at(p, 1)], 1e-12, "no vertical structure at period " + p);
        }
    }

    @Test
    void aShiftOnlyPermutesThePhases() {
        double[] f0 = ResamplingFeatures.of(gray(stripes(18, 18, 0)), CFG);
        double[] f1 = ResamplingFeatures.of(gray(stripes(18, 18, 1)), CFG);
        double[] f3 = ResamplingFeatures.of(gray(stripes(18, 18, 3)), CFG);
        for (int kind = 0; kind < 3; kind++) {
            assertEquals(f0[at(4, kind)], f1[at(4, kind)], 1e-9);
            assertEquals(f0[at(4, kind)], f3[at(4, kind)], 1e-9);
            assertEquals(f0[at(2, kind)], f1[at(2, kind)], 1e-9);
        }
    }

    @Test
    void brightnessOffsetLeavesTheFeaturesUnchanged() {
        SplittableRandom rnd = new SplittableRandom(3);
        double[][] v = new double[40][48];
        double[][] brighter = new double[40][48];
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                v[y][x] = 50 + rnd.nextInt(100);
                brighter[y][x] = v[y][x] + 60;
            }
        }
        assertArrayEquals(ResamplingFeatures.of(gray(v), CFG), ResamplingFeatures.of(gray(brighter), CFG), 1e-9);
    }

    @Test
    void bilinearUpsamplingStandsOutAtPeriodTwoAndNativeNoiseDoesNot() {
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 64;
        double[][] small = new double[n][n];
        double[][] nativeNoise = new double[2 * n][2 * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                small[y][x] = 40 + rnd.nextInt(170);
            }
        }
        for (int y = 0; y < 2 * n; y++) {
            for (int x = 0; x < 2 * n; x++) {
                nativeNoise[y][x] = 40 + rnd.nextInt(170);
            }
        }
        // 2x bilinear: even pixels copy the small image, odd ones average their two or four neighbours, so the
        // second difference vanishes (up to rounding) at every odd column and row.
        double[][] up = new double[2 * n][2 * n];
        for (int y = 0; y < 2 * n; y++) {
            for (int x = 0; x < 2 * n; x++) {
                int y0 = Math.min(y / 2, n - 1);
                int y1 = Math.min((y + 1) / 2, n - 1);
                int x0 = Math.min(x / 2, n - 1);
                int x1 = Math.min((x + 1) / 2, n - 1);
                up[y][x] = (small[y0][x0] + small[y0][x1] + small[y1][x0] + small[y1][x1]) / 4;
            }
        }
        double[] fake = ResamplingFeatures.of(gray(up), CFG);
        double[] real = ResamplingFeatures.of(gray(nativeNoise), CFG);
        for (int kind = 0; kind < 3; kind++) {
            assertTrue(fake[at(2, kind)] > 1.0, "up-sampled, period 2, kind " + kind + ": " + fake[at(2, kind)]);
            assertTrue(real[at(2, kind)] < 0.1, "native noise, period 2, kind " + kind + ": " + real[at(2, kind)]);
        }
    }

    @Test
    void flatImagesGiveZerosAndTinyOnesAreRefused() {
        double[] flat = ResamplingFeatures.of(gray(new double[32][32]), CFG);
        assertArrayEquals(new double[CFG.dimension()], flat, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResamplingFeatures.of(gray(new double[17][40]), CFG));
        assertTrue(e.getMessage().contains("17"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ResamplingConfig(1, 0.01, 512));
        assertThrows(IllegalArgumentException.class, () -> new ResamplingConfig(8, 0, 512));
        assertThrows(IllegalArgumentException.class, () -> new ResamplingConfig(8, 0.01, 17));
    }

    @Test
    void largeImagesAreReadInTheirCentredWindow() {
        SplittableRandom rnd = new SplittableRandom(11);
        double[][] big = new double[70][90];
        for (double[] row : big) {
            for (int x = 0; x < row.length; x++) {
                row[x] = 30 + rnd.nextInt(190);
            }
        }
        ResamplingConfig capped = new ResamplingConfig(8, 0.01, 40);
        double[][] centre = new double[40][40];
        for (int y = 0; y < 40; y++) {
            System.arraycopy(big[15 + y], 25, centre[y], 0, 40); // ((70 - 40) / 2, (90 - 40) / 2)
        }
        assertArrayEquals(ResamplingFeatures.of(gray(centre), CFG), ResamplingFeatures.of(gray(big), capped), 0);
    }
}
