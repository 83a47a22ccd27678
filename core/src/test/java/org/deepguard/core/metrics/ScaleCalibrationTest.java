package org.deepguard.core.metrics;

import org.deepguard.core.io.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScaleCalibrationTest {
    private static final ScaleCalibration SC = new ScaleCalibration(128, new double[] {0.75, 0.5},
            new double[] {1.0, 2.0});

    @Test
    void inputsAtOrAboveNineTenthsOfTheTrainingSizeAreScoredAsTheyAre() {
        for (int side : new int[] {116, 128, 300, 4000, 0, -1}) { // 0.9 * 128 = 115.2; 0 and -1: size unknown
            assertEquals(3.7, SC.adjust(3.7, side), 0, side + " px");
        }
    }

    @Test
    void offsetsAreTheKnotsAtTheKnotsAndHeldBelowTheSmallest() {
        assertEquals(1.0, SC.offset(96), 1e-12);  // 0.75 * 128
        assertEquals(2.0, SC.offset(64), 1e-12);  // 0.5 * 128
        assertEquals(2.0, SC.offset(20), 1e-12);
        assertEquals(3 + 2.0, SC.adjust(3, 40), 1e-12);
    }

    @Test
    void offsetsAreLinearInLogSizeBetweenKnots() {
        int px = (int) Math.round(Math.sqrt(96.0 * 64.0)); // about halfway in log size
        double t = (Math.log(0.75) - Math.log(px / 128.0)) / (Math.log(0.75) - Math.log(0.5));
        assertEquals(1.0 + t * (2.0 - 1.0), SC.offset(px), 1e-12);
        // between 0.9 and the first knot: from 0 towards the knot
        double u = (Math.log(0.9) - Math.log(104 / 128.0)) / (Math.log(0.9) - Math.log(0.75));
        assertEquals(u * 1.0, SC.offset(104), 1e-12);
    }

    @Test
    void knotsMustDecreaseBelowTheIdentityRange() {
        assertThrows(IllegalArgumentException.class, () -> new ScaleCalibration(128, new double[] {0.5, 0.75},
                new double[] {0, 0}));
        assertThrows(IllegalArgumentException.class, () -> new ScaleCalibration(128, new double[] {0.95},
                new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new ScaleCalibration(128, new double[] {0.5},
                new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> ScaleCalibration.checkFactors(new double[] {0.5, 0.5}));
    }

    /** Scores of downscaled images drifted by -3 towards "real": the knot's offset brings them back. */
    @Test
    void aKnotFittedOnDriftedScoresUndoesTheDrift() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 400;
        double[] z = new double[n];
        boolean[] y = new boolean[n];
        double temperature = 2.0;
        for (int i = 0; i < n; i++) {
            double calibrated = (r.nextDouble() - 0.5) * 8; // true log-odds
            y[i] = r.nextDouble() < 1 / (1 + Math.exp(-calibrated));
            z[i] = calibrated * temperature - 3; // what the model gives at this size: z/T is off by -1.5
        }
        ScaleCalibration sc = ScaleCalibration.fit(128, new double[] {0.5}, List.of(z), List.of(y), temperature, 1.0);
        // (z + offset) / T should recover the true log-odds: offset ~ +3
        assertEquals(3.0, sc.offsets()[0], 0.6);
    }

    /** With a stored threshold, a knot moves its copies' equal-cost cut exactly onto it (the clean rule). */
    @Test
    void aKnotPutsTheCopiesEqualCostCutOnTheStoredThreshold() {
        SplittableRandom r = new SplittableRandom(5);
        double[] z = new double[30];
        boolean[] y = new boolean[30];
        for (int i = 0; i < z.length; i++) {
            y[i] = i % 3 == 0;
            z[i] = (y[i] ? 0.5 : -2.5) + r.nextGaussian(); // downscaled: both classes drifted towards "real"
        }
        double thresholdLogOdds = 0.4;
        ScaleCalibration sc = ScaleCalibration.fit(128, new double[] {0.5}, List.of(z), List.of(y), 1.5, 1.0,
                thresholdLogOdds);
        double[] shifted = z.clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += sc.offsets()[0];
        }
        assertEquals(thresholdLogOdds, Calibration.balancedCut(shifted, y), 1e-6);
        assertTrue(sc.offsets()[0] > 1, "the drift towards real is undone: offset " + sc.offsets()[0]);
    }

    @Test
    void theShiftIsStationaryFiniteOnSeparableScoresAndPulledToZeroByThePenalty() {
        double[] z = {-4, -2, -1, 0.5, 1, 3, 2, -3};
        boolean[] y = {false, false, true, false, true, true, true, false};
        double alpha = 1 / 1.5;
        double l2 = 0.7;
        double beta = ScaleCalibration.fitShift(z, y, alpha, l2);
        double g = l2 * beta;
        for (int i = 0; i < z.length; i++) {
            g += 1 / (1 + Math.exp(-(alpha * z[i] + beta))) - (y[i] ? 1 : 0);
        }
        assertEquals(0, g, 1e-8);
        // all scores far on the real side although half are fakes: a finite shift towards fake
        double sep = ScaleCalibration.fitShift(new double[] {-30, -31, -29, -28}, new boolean[] {false, true, false,
                true}, 1.0, 0.01);
        assertTrue(Double.isFinite(sep) && sep > 25 && sep < 31, "shift " + sep);
        assertEquals(0, ScaleCalibration.fitShift(z, y, alpha, 1e9), 1e-6);
    }

    @Test
    void aKnotMovesTheCutToTheMiddleOfTheBestIntervalWhenTheLikelihoodShiftMissesIt() {
        // reals at -6..-4, fakes at -2..0: every cut in (-4, -2) separates them. With the stored cut at z = 0.5
        // the shift must lie in (2.5, 4.5); the likelihood shift 0 calls every fake real, so the middle, 3.5, is taken
        double[] z = {-6, -5, -4, -2, -1, 0};
        boolean[] y = {false, false, false, true, true, true};
        double shift = ScaleCalibration.thresholdConsistentShift(z, y, 0.5, 0.0);
        assertEquals(3.5, shift, 1e-12);
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = z[i] + shift;
        }
        assertEquals(1.0, BinaryMetrics.confusion(y, p, 0.5).balancedAccuracy(), 1e-12);
    }

    @Test
    void aLikelihoodShiftThatAlreadyTakesTheBestVerdictsIsKept() {
        double[] z = {-6, -5, -4, -2, -1, 0};
        boolean[] y = {false, false, false, true, true, true};
        assertEquals(2.6, ScaleCalibration.thresholdConsistentShift(z, y, 0.5, 2.6), 0);
        assertEquals(4.4, ScaleCalibration.thresholdConsistentShift(z, y, 0.5, 4.4), 0);
    }

    @Test
    void theBestIntervalNearestTheLikelihoodShiftIsChosenAndTiedScoresAreNeverSplit() {
        // cuts between -3 and -1 (J = 2/3 - 1/3) and between 1 and 3 (J = 1/3 - 0) tie: a shift preferring a low cut
        // gets the first interval's middle, one preferring a high cut the second's
        double[] z = {-5, -3, -3, -1, 1, 3};
        boolean[] y = {true, false, false, true, false, true};
        // sorted: -5 F, -3 R, -3 R, -1 F, 1 R, 3 F; cut at 0
        double low = ScaleCalibration.thresholdConsistentShift(z, y, 0, 10);
        double high = ScaleCalibration.thresholdConsistentShift(z, y, 0, -10);
        assertEquals(2.0, low, 1e-12);   // cut between -3 and -1: shift in (1, 3)
        assertEquals(-2.0, high, 1e-12); // cut between 1 and 3: shift in (-3, -1)
        assertEquals(0.7, ScaleCalibration.thresholdConsistentShift(new double[] {1, 2}, new boolean[] {true, true},
                0, 0.7), 0); // one class: nothing to balance
        // a real and a fake tied at 0 cannot be told apart by any cut: splitting them (J = 1) is not an option, so
        // the best is J = 1/2 on either side of the tie
        assertEquals(1.0, ScaleCalibration.thresholdConsistentShift(new double[] {-2, 0, 0, 2},
                new boolean[] {false, false, true, true}, 0, 10), 1e-12);
    }

    /**
     * The knot's verdicts at the stored threshold are close to the best any cut gets on these copies (within one
     * image per class of 30), without being placed by the boundary images as a Youden cut would be.
     */
    @Test
    void fittingWithTheStoredThresholdGivesNearlyTheBestVerdictsAtThatThreshold() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 60;
        double[] z = new double[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2 == 0;
            z[i] = (y[i] ? 1.5 : -1.5) + r.nextGaussian() - 4; // a drift of -4 at this size
        }
        double temperature = 1.3;
        double thresholdLogOdds = 0.8;
        ScaleCalibration plain = ScaleCalibration.fit(128, new double[] {0.5}, List.of(z), List.of(y), temperature,
                1.0);
        ScaleCalibration consistent = ScaleCalibration.fit(128, new double[] {0.5}, List.of(z), List.of(y),
                temperature, 1.0, thresholdLogOdds);
        double best = 0;
        for (double cut : z) { // the best balanced accuracy any cut reaches on these scores
            best = Math.max(best, BinaryMetrics.confusion(y, z, cut).balancedAccuracy());
        }
        double[] shifted = z.clone();
        for (int i = 0; i < n; i++) {
            shifted[i] += consistent.offsets()[0];
        }
        double atThreshold = BinaryMetrics.confusion(y, shifted, thresholdLogOdds).balancedAccuracy();
        assertTrue(atThreshold >= best - 1.0 / 30 - 1e-12, atThreshold + " vs best " + best);
        double unshifted = BinaryMetrics.confusion(y, z, thresholdLogOdds).balancedAccuracy();
        assertTrue(unshifted < 0.6, "without the knot the drifted copies are mostly called real: " + unshifted);
        assertEquals(plain, ScaleCalibration.fit(128, new double[] {0.5}, List.of(z), List.of(y), temperature, 1.0,
                Double.NaN));
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        String json = Json.MAPPER.writeValueAsString(SC);
        assertEquals(SC, Json.MAPPER.readValue(json, ScaleCalibration.class));
    }
}
