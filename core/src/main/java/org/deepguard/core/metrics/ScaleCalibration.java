package org.deepguard.core.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * Calibration of the fused log-odds for inputs smaller than the images the model was trained on.
 *
 * <p>A photo that arrives downscaled (a messenger's thumbnail, a 64 px crop of a 128 px training set) keeps much of
 * its ranking but its scores drift as a whole: on the dev folds downscaling by 0.5 moved most fakes below the stored
 * threshold (balanced accuracy 0.71 against 0.85 clean) at an unchanged AUC. The input's size is a fact of the input,
 * like a JPEG's quantisation tables, so it may select a calibration, never act as a class cue: each knot is fitted on
 * validation images of BOTH classes downscaled by the same factor, so size carries no label information.
 *
 * <p>For an input whose short side is {@code r} times {@link #referenceSide()}, the image log-odds z become
 * {@code z + offset(r)} before the bundle's temperature, threshold and band: a shift, not an affine map, because a
 * fitted slope was measured to overfit (see {@link #fit}). The offset is interpolated linearly in log r between the
 * fitted knots, is 0 from {@value #IDENTITY_FROM} up (no change for inputs at or above the training size) and is
 * held at the smallest knot below it.
 *
 * @param referenceSide the training images' typical short side, in pixels
 * @param scales        the knots' downscale factors, strictly decreasing, each in (0, {@value #IDENTITY_FROM})
 * @param offsets       per knot, the term added to z
 */
public record ScaleCalibration(int referenceSide, double[] scales, double[] offsets) {
    /** Relative sizes at or above this are scored as they are. */
    public static final double IDENTITY_FROM = 0.9;

    public ScaleCalibration {
        if (referenceSide < 1 || scales.length == 0 || scales.length != offsets.length) {
            throw new IllegalArgumentException("a scale calibration needs a reference side and equally many scales "
                    + "and offsets");
        }
        checkFactors(scales);
        for (double o : offsets) {
            if (!Double.isFinite(o)) {
                throw new IllegalArgumentException("scale calibration offsets must be finite");
            }
        }
        scales = scales.clone();
        offsets = offsets.clone();
    }

    /** The one rule for knot factors (bundle, training configuration and CLI alike): decreasing, within (0, 0.9). */
    public static void checkFactors(double[] factors) {
        for (int k = 0; k < factors.length; k++) {
            if (!(factors[k] > 0 && factors[k] < IDENTITY_FROM) || (k > 0 && !(factors[k] < factors[k - 1]))) {
                throw new IllegalArgumentException("scale calibration factors must decrease within (0, "
                        + IDENTITY_FROM + "), got " + Arrays.toString(factors));
            }
        }
    }

    /** The offset for an input with this short side; 0 or less (size unknown) counts as full size. */
    public double offset(int shortSide) {
        double r = shortSide <= 0 ? 1.0 : shortSide / (double) referenceSide;
        if (r >= IDENTITY_FROM) {
            return 0;
        }
        double upperScale = IDENTITY_FROM;
        double upperOffset = 0;
        for (int k = 0; k < scales.length; k++) {
            if (r >= scales[k]) {
                double t = (Math.log(upperScale) - Math.log(r)) / (Math.log(upperScale) - Math.log(scales[k]));
                return upperOffset + t * (offsets[k] - upperOffset);
            }
            upperScale = scales[k];
            upperOffset = offsets[k];
        }
        return upperOffset;
    }

    /** The log-odds of an input with this short side, on the scale the temperature and threshold were fitted on. */
    public double adjust(double logOdds, int shortSide) {
        return logOdds + offset(shortSide);
    }

    /**
     * Fits one knot per scale. For knot k, {@code logOdds.get(k)} are the (fused, uncalibrated) log-odds of
     * validation images downscaled by {@code scales[k]} and {@code isFake.get(k)} their labels. Each knot is a shift
     * of the calibrated log-odds: z/T + beta, beta from a logistic regression of the labels with the clean
     * temperature's slope held fixed and penalised by {@code l2 / 2 * beta^2}; stored in z units (offset T beta).
     * The slope is held because fitting it too was measured to overfit: on a dev fold the 0.5 knot's validation
     * copies separated almost perfectly and the fitted slope went to 94, which made the test images' probabilities
     * extreme (ECE under downscale 0.5 rose from 0.29 to 0.35, balanced accuracy fell).
     */
    public static ScaleCalibration fit(int referenceSide, double[] scales, List<double[]> logOdds,
                                       List<boolean[]> isFake, double temperature, double l2) {
        return fit(referenceSide, scales, logOdds, isFake, temperature, l2, Double.NaN);
    }

    /**
     * As {@link #fit(int, double[], List, List, double, double)}, then each knot is made consistent with the stored
     * threshold: the clean threshold is the equal-cost cut of the clean validation scores ({@link
     * Calibration#balancedCut}), so a knot shifts its downscaled copies until their equal-cost cut lands on it (where
     * that cut is undefined, the Youden rule of {@link #thresholdConsistentShift}). The likelihood shift alone
     * calibrates around p = 0.5, while verdicts are taken at the stored threshold, which sits elsewhere; on the dev
     * folds that left downscaled fakes just under it.
     *
     * @param thresholdLogOdds the stored threshold on the log-odds scale ({@code T logit(threshold)}); NaN keeps the
     *                         likelihood shift
     */
    public static ScaleCalibration fit(int referenceSide, double[] scales, List<double[]> logOdds,
                                       List<boolean[]> isFake, double temperature, double l2,
                                       double thresholdLogOdds) {
        return fit(referenceSide, scales, logOdds, isFake, temperature, l2, thresholdLogOdds, true);
    }

    /**
     * As above; {@code equalCostCut} false applies Youden's rule to the copies instead ({@link
     * #thresholdConsistentShift}), for a threshold that was itself the Youden-optimal cut (`--threshold-rule
     * youden`).
     */
    public static ScaleCalibration fit(int referenceSide, double[] scales, List<double[]> logOdds,
                                       List<boolean[]> isFake, double temperature, double l2,
                                       double thresholdLogOdds, boolean equalCostCut) {
        if (logOdds.size() != scales.length || isFake.size() != scales.length) {
            throw new IllegalArgumentException("one set of scores and labels per scale");
        }
        double[] offsets = new double[scales.length];
        for (int k = 0; k < scales.length; k++) {
            offsets[k] = temperature * fitShift(logOdds.get(k), isFake.get(k), 1.0 / temperature, l2);
            if (Double.isFinite(thresholdLogOdds)) {
                // the stored threshold is the equal-cost cut of the clean validation scores: the knot moves the
                // copies' own equal-cost cut onto it (Youden's rule where that cut is undefined)
                double cut = equalCostCut ? Calibration.balancedCut(logOdds.get(k), isFake.get(k)) : Double.NaN;
                offsets[k] = Double.isNaN(cut)
                        ? thresholdConsistentShift(logOdds.get(k), isFake.get(k), thresholdLogOdds, offsets[k])
                        : thresholdLogOdds - cut;
            }
        }
        return new ScaleCalibration(referenceSide, scales, offsets);
    }

    /**
     * The shift that puts the cut {@code z + shift >= cut} where balanced accuracy (Youden's J) on these scores is
     * highest. Every shift between two neighbouring distinct scores gives the same verdicts, so the optimum is a set
     * of intervals: {@code preferred} is kept when it lies inside one of them (the likelihood fit already takes the
     * best verdicts), else the middle of the optimal interval nearest to it, not its edge, so that the cut does not
     * sit on a validation score. With one class only there is nothing to balance and {@code preferred} is returned.
     */
    static double thresholdConsistentShift(double[] z, boolean[] y, double cut, double preferred) {
        if (z.length != y.length) {
            throw new IllegalArgumentException("equally many scores and labels needed");
        }
        int fakes = 0;
        for (boolean b : y) {
            fakes += b ? 1 : 0;
        }
        int reals = z.length - fakes;
        if (fakes == 0 || reals == 0) {
            return preferred;
        }
        Integer[] order = new Integer[z.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(z[a], z[b]));
        // Cut between sorted scores i-1 and i (i = 1..n-1, ties skipped): everything from i up is called fake.
        // J = TPR - FPR = (fakes at or above) / fakes - (reals at or above) / reals.
        double best = Double.NEGATIVE_INFINITY;
        List<double[]> optimal = new java.util.ArrayList<>(); // shift intervals (lo, hi)
        int fakesBelow = 0;
        int realsBelow = 0;
        for (int i = 1; i < order.length; i++) {
            if (y[order[i - 1]]) {
                fakesBelow++;
            } else {
                realsBelow++;
            }
            double lower = z[order[i - 1]];
            double upper = z[order[i]];
            if (!(upper > lower)) {
                continue;
            }
            double j = (fakes - fakesBelow) / (double) fakes - (reals - realsBelow) / (double) reals;
            // the cut (lower, upper) in z is the shift (cut - upper, cut - lower)
            double[] interval = {cut - upper, cut - lower};
            if (j > best + 1e-12) {
                best = j;
                optimal.clear();
                optimal.add(interval);
            } else if (Math.abs(j - best) <= 1e-12) {
                optimal.add(interval);
            }
        }
        if (optimal.isEmpty()) {
            return preferred;
        }
        double chosen = preferred;
        double distance = Double.POSITIVE_INFINITY;
        for (double[] iv : optimal) {
            if (preferred > iv[0] && preferred < iv[1]) {
                return preferred;
            }
            double mid = (iv[0] + iv[1]) / 2;
            double d = Math.min(Math.abs(preferred - iv[0]), Math.abs(preferred - iv[1]));
            if (d < distance) {
                distance = d;
                chosen = mid;
            }
        }
        return chosen;
    }

    /**
     * The penalised shift beta of y ~ sigmoid(alpha z + beta) with alpha fixed: the minimiser of the summed log-loss
     * plus {@code l2 / 2 * beta^2} (convex; damped Newton).
     */
    static double fitShift(double[] z, boolean[] y, double alpha, double l2) {
        if (z.length != y.length) {
            throw new IllegalArgumentException("equally many scores and labels needed");
        }
        if (!(l2 > 0)) {
            throw new IllegalArgumentException("the shift needs a positive penalty");
        }
        double beta = 0;
        double f = shiftObjective(z, y, alpha, beta, l2);
        for (int iter = 0; iter < 200; iter++) {
            double g = l2 * beta;
            double h = l2;
            for (int i = 0; i < z.length; i++) {
                double p = sigmoid(alpha * z[i] + beta);
                g += p - (y[i] ? 1 : 0);
                h += p * (1 - p);
            }
            double step = g / h;
            double next = beta - step;
            double fNext = shiftObjective(z, y, alpha, next, l2);
            while (fNext > f && Math.abs(step) > 1e-12) { // halve until the objective does not rise
                step /= 2;
                next = beta - step;
                fNext = shiftObjective(z, y, alpha, next, l2);
            }
            beta = next;
            f = fNext;
            if (Math.abs(step) < 1e-12) {
                break;
            }
        }
        return beta;
    }

    private static double shiftObjective(double[] z, boolean[] y, double alpha, double beta, double l2) {
        double f = l2 / 2 * beta * beta;
        for (int i = 0; i < z.length; i++) {
            double t = alpha * z[i] + beta;
            // -log sigmoid(t) for fakes, -log(1 - sigmoid(t)) for reals, computed stably
            double m = y[i] ? -t : t;
            f += m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
        }
        return f;
    }

    private static double sigmoid(double t) {
        return 1 / (1 + Math.exp(-t));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaleCalibration s && s.referenceSide == referenceSide
                && Arrays.equals(s.scales, scales) && Arrays.equals(s.offsets, offsets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * referenceSide + Arrays.hashCode(scales)) + Arrays.hashCode(offsets);
    }

    @Override
    public String toString() {
        return "ScaleCalibration[referenceSide=" + referenceSide + ", scales=" + Arrays.toString(scales)
                + ", offsets=" + Arrays.toString(offsets) + "]";
    }
}
