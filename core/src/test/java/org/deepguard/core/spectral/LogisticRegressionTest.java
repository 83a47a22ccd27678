package org.deepguard.core.spectral;

import org.deepguard.core.io.Json;
import org.deepguard.core.spectral.LogisticRegression.ClassWeighting;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogisticRegressionTest {

    /** x = +1: 3 fake, 1 real; x = -1: 1 fake, 3 real. Mean 0, population std 1: already standardised. */
    private static final double[][] X = {{1}, {1}, {1}, {1}, {-1}, {-1}, {-1}, {-1}};
    private static final boolean[] Y = {true, true, true, false, true, false, false, false};

    @Test
    void matchesTheHandSolvedOptimum() {
        // By symmetry the bias is 0. The weight's gradient is (1/8) sum (p_i - y_i) x_i + l2 w = sigmoid(w) - 3/4
        // + l2 w, so: without penalty w = log 3; with l2 = 0.1, sigmoid(w) + 0.1 w = 0.75, w = 0.73687616910153...
        // (bisection to 1e-16).
        LogisticRegression.Fit fit = LogisticRegression.fitDetailed(X, Y, 0.1, ClassWeighting.NONE);
        assertEquals(0.7368761691015352, fit.model().weights()[0], 1e-12);
        assertEquals(0, fit.model().bias(), 1e-12);
        assertTrue(fit.gradientNorm() < LogisticRegression.TOLERANCE);
        assertTrue(fit.iterations() < 15, "Newton took " + fit.iterations() + " steps");
        assertEquals(Math.log(3), LogisticRegression.fit(X, Y, 1e-9, ClassWeighting.NONE).weights()[0], 1e-7);
    }

    @Test
    void standardisationIsStoredAndApplied() {
        double[][] scaled = new double[X.length][];
        for (int i = 0; i < X.length; i++) {
            scaled[i] = new double[] {10 * X[i][0] + 5};
        }
        LogisticRegression raw = LogisticRegression.fit(X, Y, 0.1, ClassWeighting.NONE);
        LogisticRegression m = LogisticRegression.fit(scaled, Y, 0.1, ClassWeighting.NONE);
        assertArrayEquals(new double[] {5}, m.mean(), 1e-12);
        assertArrayEquals(new double[] {10}, m.std(), 1e-12);
        // Same weight in standardised units, so the penalty does not depend on the feature's scale.
        assertEquals(raw.weights()[0], m.weights()[0], 1e-12);
        assertEquals(raw.logOdds(new double[] {0.3}), m.logOdds(new double[] {8}), 1e-12);
        assertEquals(m.weights()[0] * (15 - 5) / 10.0 + m.bias(), m.logOdds(new double[] {15}), 1e-12);
    }

    @Test
    void classWeightingMovesOnlyThePrior() {
        // A constant (uninformative) feature: std falls back to 1 and the weight to 0; the bias is the prior.
        double[][] x = {{4}, {4}, {4}, {4}, {4}, {4}, {4}, {4}};
        boolean[] y = {true, true, false, false, false, false, false, false};
        LogisticRegression none = LogisticRegression.fit(x, y, 0.1, ClassWeighting.NONE);
        LogisticRegression balanced = LogisticRegression.fit(x, y, 0.1, ClassWeighting.BALANCED);
        assertArrayEquals(new double[] {1}, none.std(), 0);
        assertEquals(0, none.weights()[0], 1e-12);
        assertEquals(Math.log(2.0 / 6), none.bias(), 1e-10);
        assertEquals(0, balanced.bias(), 1e-10);
    }

    @Test
    void gradientVanishesAtTheFittedOptimumOnNoisyData() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 200;
        double[][] x = new double[n][3];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = rnd.nextGaussian() * 3 + 1;
            x[i][1] = rnd.nextGaussian() * 0.01;
            x[i][2] = rnd.nextGaussian();
            double z = 0.8 * (x[i][0] - 1) / 3 - 1.5 * x[i][2] + 0.3;
            y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-z));
        }
        double l2 = 0.05;
        for (ClassWeighting cw : ClassWeighting.values()) {
            LogisticRegression m = LogisticRegression.fit(x, y, l2, cw);
            int pos = 0;
            for (boolean b : y) pos += b ? 1 : 0;
            // Gradient of the documented objective, recomputed here from the public model alone.
            double[] g = new double[4];
            double cSum = 0;
            for (int i = 0; i < n; i++) {
                double c = cw == ClassWeighting.NONE ? 1 : 1.0 / (y[i] ? pos : n - pos);
                double r = c * (1 / (1 + Math.exp(-m.logOdds(x[i]))) - (y[i] ? 1 : 0));
                g[0] += r;
                for (int j = 0; j < 3; j++) g[j + 1] += r * (x[i][j] - m.mean()[j]) / m.std()[j];
                cSum += c;
            }
            for (int j = 0; j < 4; j++) {
                double gj = g[j] / cSum + (j > 0 ? l2 * m.weights()[j - 1] : 0);
                assertEquals(0, gj, 1e-9, cw + " gradient[" + j + "]");
            }
            // The informative features dominate with the right signs; the tiny-scale noise feature does not.
            assertTrue(m.weights()[0] > 0.3 && m.weights()[2] < -0.5, java.util.Arrays.toString(m.weights()));
            assertTrue(Math.abs(m.weights()[1]) < 0.3, java.util.Arrays.toString(m.weights()));
        }
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        LogisticRegression m = LogisticRegression.fit(new double[][] {{1, 0.5}, {2, -0.25}, {3, 7}, {0.1, 1}},
                new boolean[] {true, false, true, false}, 0.3, ClassWeighting.BALANCED);
        LogisticRegression back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(m), LogisticRegression.class);
        assertArrayEquals(m.mean(), back.mean(), 0);
        assertArrayEquals(m.std(), back.std(), 0);
        assertArrayEquals(m.weights(), back.weights(), 0);
        assertEquals(m.bias(), back.bias(), 0);
        assertEquals(m.l2(), back.l2(), 0);
    }

    @Test
    void badInputIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> LogisticRegression.fit(X, new boolean[8], 0.1, ClassWeighting.NONE));
        assertThrows(IllegalArgumentException.class, () -> LogisticRegression.fit(X, Y, 0, ClassWeighting.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> LogisticRegression.fit(new double[][] {{1}, {1, 2}}, new boolean[] {true, false}, 0.1,
                        ClassWeighting.NONE));
        assertThrows(IllegalArgumentException.class,
                () -> LogisticRegression.fit(new double[][] {{1}, {Double.NaN}}, new boolean[] {true, false}, 0.1,
                        ClassWeighting.NONE));
        LogisticRegression m = LogisticRegression.fit(X, Y, 0.1, ClassWeighting.NONE);
        assertThrows(IllegalArgumentException.class, () -> m.logOdds(new double[2]));
    }
}
