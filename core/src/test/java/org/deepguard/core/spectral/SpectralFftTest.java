package org.deepguard.core.spectral;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SpectralFftTest {

    /** The textbook O(n^4) 2-D DFT, the reference the FFT must reproduce. */
    private static double[][] naiveDft2d(double[] re, double[] im, int rows, int cols) {
        double[] outRe = new double[rows * cols];
        double[] outIm = new double[rows * cols];
        for (int v = 0; v < rows; v++) {
            for (int u = 0; u < cols; u++) {
                double sr = 0;
                double si = 0;
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++) {
                        double ang = -2 * Math.PI * ((double) u * x / cols + (double) v * y / rows);
                        double c = Math.cos(ang);
                        double s = Math.sin(ang);
                        sr += re[y * cols + x] * c - im[y * cols + x] * s;
                        si += re[y * cols + x] * s + im[y * cols + x] * c;
                    }
                }
                outRe[v * cols + u] = sr;
                outIm[v * cols + u] = si;
            }
        }
        return new double[][] {outRe, outIm};
    }

    private static void assertMatchesNaive(int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] re = new double[rows * cols];
        double[] im = new double[rows * cols];
        for (int i = 0; i < re.length; i++) {
            re[i] = rnd.nextDouble(-1, 1);
            im[i] = rnd.nextDouble(-1, 1);
        }
        double[][] want = naiveDft2d(re, im, rows, cols);
        Fft.transform2d(re, im, rows, cols);
        for (int i = 0; i < re.length; i++) {
            assertEquals(want[0][i], re[i], 1e-9, "re[" + i + "]");
            assertEquals(want[1][i], im[i], 1e-9, "im[" + i + "]");
        }
    }

    @Test
    void fftMatchesTheNaiveDftOnRandomInput() {
        assertMatchesNaive(8, 8, 1);
        assertMatchesNaive(16, 16, 2);
        assertMatchesNaive(8, 16, 3);
        assertMatchesNaive(1, 2, 4);
    }

    @Test
    void oneDimensionalImpulseAndKnownValues() {
        // x = [1, 2, 3, 4]: X = [10, -2+2i, -2, -2-2i].
        double[] re = {1, 2, 3, 4};
        double[] im = new double[4];
        Fft.transform(re, im);
        double[] wantRe = {10, -2, -2, -2};
        double[] wantIm = {0, 2, 0, -2};
        for (int k = 0; k < 4; k++) {
            assertEquals(wantRe[k], re[k], 1e-12);
            assertEquals(wantIm[k], im[k], 1e-12);
        }
    }

    @Test
    void parsevalHolds() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 32;
        double[] re = new double[n * n];
        double[] im = new double[n * n];
        double energy = 0;
        for (int i = 0; i < re.length; i++) {
            re[i] = rnd.nextGaussian();
            energy += re[i] * re[i];
        }
        Fft.transform2d(re, im, n, n);
        double spectral = 0;
        for (int i = 0; i < re.length; i++) {
            spectral += re[i] * re[i] + im[i] * im[i];
        }
        // sum |F|^2 = N sum |x|^2 for the unscaled forward transform.
        assertEquals(energy, spectral / (n * n), 1e-9 * energy);
    }

    @Test
    void nonPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Fft.transform(new double[6], new double[6]));
        assertThrows(IllegalArgumentException.class, () -> Fft.transform2d(new double[12], new double[12], 3, 4));
    }
}
