package org.deepguard.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationTest {
    @Test
    void recoversTheTemperatureOfOverconfidentScoresOnALargeSet() {
        // true log-odds s, reported 2 s: the fitted temperature should be 2 (the prior weighs like one image of 4000)
        SplittableRandom r = new SplittableRandom(7);
        int n = 4000;
        double[] z = new double[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            double s = r.nextDouble(-4, 4);
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-s));
            z[i] = 2 * s;
        }
        double mle = 0;
        double bestNll = Double.MAX_VALUE;
        for (double t = 1; t < 3; t += 0.001) { // the plain maximum-likelihood temperature, by grid
            double v = Calibration.nll(z, y, t);
            if (v < bestNll) {
                bestNll = v;
                mle = t;
            }
        }
        double fitted = Calibration.fitTemperature(z, y);
        assertEquals(mle, fitted, 0.005); // on 4000 images the prior changes nothing that matters
        assertEquals(2.0, fitted, 0.25); // and the estimate finds the overconfidence (this sample's MLE: 1.85)
    }

    @Test
    void aSeparableSmallValidationSetDoesNotDriveProbabilitiesToZeroAndOne() {
        double[] z = {-5, -4, -3, -2, 2, 3, 4, 5};
        boolean[] y = {false, false, false, false, true, true, true, true};
        double t = Calibration.fitTemperature(z, y);
        assertTrue(t > 0.3 && t < 1, "T = " + t); // sharpened, but not to the 0.05 bound
        assertTrue(Calibration.probabilities(new double[] {2}, t)[0] < 0.9999);
    }

    @Test
    void youdenThresholdSitsInTheGapBelowTheLowestAcceptedScore() {
        assertEquals(0.5, BinaryMetrics.youdenThreshold(new boolean[] {false, false, true, true},
                new double[] {0.1, 0.2, 0.8, 0.9}), 1e-12);
        // reals 0.1, 0.4, 0.6; fakes 0.5, 0.7, 0.9: J = 2/3 at 0.7 and at 0.5, the first (stricter) one is kept
        assertEquals(0.65, BinaryMetrics.youdenThreshold(new boolean[] {false, false, false, true, true, true},
                new double[] {0.1, 0.4, 0.6, 0.5, 0.7, 0.9}), 1e-12);
    }

    @Test
    void theEqualCostCutSitsBetweenSymmetricClassesAndIgnoresTheirProportions() {
        double[] z = {-2, -1, 0, 0.8, 0.2, 1, 2, 3};
        boolean[] y = {false, false, false, false, true, true, true, true};
        // mirror image z -> 1 - z swaps the classes: the cut is the mirror point
        assertEquals(0.5, Calibration.balancedCut(z, y), 1e-6);
        // three copies of every fake: the classes still weigh half each, so the cut barely moves (only the 1/n
        // penalty and the standardisation see n), while an unweighted fit follows the new proportions
        double[] z3 = new double[16];
        boolean[] y3 = new boolean[16];
        int k = 0;
        for (int i = 0; i < z.length; i++) {
            for (int c = 0; c < (y[i] ? 3 : 1); c++) {
                z3[k] = z[i];
                y3[k++] = y[i];
            }
        }
        assertEquals(0.5, Calibration.balancedCut(java.util.Arrays.copyOf(z3, k), java.util.Arrays.copyOf(y3, k)), 0.1);
        double[][] x = new double[k][];
        for (int i = 0; i < k; i++) {
            x[i] = new double[] {z3[i]};
        }
        var unweighted = org.deepguard.core.spectral.LogisticRegression.fit(x, java.util.Arrays.copyOf(y3, k), 1.0 / k,
                org.deepguard.core.spectral.LogisticRegression.ClassWeighting.NONE);
        double unweightedCut = unweighted.mean()[0] - unweighted.bias() * unweighted.std()[0] / unweighted.weights()[0];
        assertTrue(unweightedCut < 0.2, "unweighted cut " + unweightedCut);
        // undefined: one class, or scores that fall with the fake class
        assertTrue(Double.isNaN(Calibration.balancedCut(new double[] {1, 2}, new boolean[] {true, true})));
        assertTrue(Double.isNaN(Calibration.balancedCut(new double[] {3, 2, -1, -2},
                new boolean[] {false, false, true, true})));
    }

    /**
     * Why the stored threshold is the equal-cost cut: over many small validation sets drawn from the same two
     * score distributions, it moves less than the empirical Youden-optimal cut, which a few boundary images place.
     */
    @Test
    void theEqualCostCutVariesLessThanYoudensOverSmallValidationSets() {
        SplittableRandom r = new SplittableRandom(8);
        int sets = 300;
        double[] cut = new double[sets];
        double[] youden = new double[sets];
        for (int s = 0; s < sets; s++) {
            double[] z = new double[20];
            boolean[] y = new boolean[20];
            for (int i = 0; i < 20; i++) {
                y[i] = i < 8; // 8 fakes, 12 reals, as a dev fold's validation split
                z[i] = (y[i] ? 1 : -1) + 1.2 * r.nextGaussian();
            }
            cut[s] = Calibration.balancedCut(z, y);
            youden[s] = BinaryMetrics.youdenThreshold(y, z);
        }
        double sdCut = sd(cut);
        double sdYouden = sd(youden);
        assertTrue(sdCut < 0.7 * sdYouden, "sd equal-cost " + sdCut + ", Youden " + sdYouden);
        assertEquals(0, mean(cut), 0.15); // and it is centred where the two classes' densities cross
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double sd(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
