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
}
