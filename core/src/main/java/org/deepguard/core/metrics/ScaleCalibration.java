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
 * {@code slope(r) * z + offset(r)} before the bundle's temperature, threshold and band. The parameters are
 * interpolated linearly in log r between the fitted knots, equal the identity from {@value #IDENTITY_FROM} up (no
 * change for inputs at or above the training size) and are held at the smallest knot below it.
 *
 * @param referenceSide the training images' typical short side, in pixels
 * @param scales        the knots' downscale factors, strictly decreasing, each in (0, {@value #IDENTITY_FROM})
 * @param slopes        per knot, the factor on z
 * @param offsets       per knot, the term added
 */
public record ScaleCalibration(int referenceSide, double[] scales, double[] slopes, double[] offsets) {
    /** Relative sizes at or above this are scored as they are. */
    public static final double IDENTITY_FROM = 0.9;

    public ScaleCalibration {
        if (referenceSide < 1 || scales.length == 0 || scales.length != slopes.length
                || scales.length != offsets.length) {
            throw new IllegalArgumentException("a scale calibration needs a reference side and equally many scales, "
                    + "slopes and offsets");
        }
        for (int k = 0; k < scales.length; k++) {
            if (!(scales[k] > 0 && scales[k] < IDENTITY_FROM) || (k > 0 && !(scales[k] < scales[k - 1]))) {
                throw new IllegalArgumentException("scale calibration knots must decrease within (0, "
                        + IDENTITY_FROM + "), got " + Arrays.toString(scales));
            }
            if (!Double.isFinite(slopes[k]) || !Double.isFinite(offsets[k])) {
                throw new IllegalArgumentException("scale calibration parameters must be finite");
            }
        }
        scales = scales.clone();
        slopes = slopes.clone();
        offsets = offsets.clone();
    }

    /** Relative size of an input with this short side; 0 or less (size unknown) counts as full size. */
    public double relativeSize(int shortSide) {
        return shortSide <= 0 ? 1.0 : shortSide / (double) referenceSide;
    }

    /** {slope, offset} for an input with this short side. */
    public double[] parameters(int shortSide) {
        double r = relativeSize(shortSide);
        if (r >= IDENTITY_FROM) {
            return new double[] {1, 0};
        }
        double upperScale = IDENTITY_FROM;
        double upperSlope = 1;
        double upperOffset = 0;
        for (int k = 0; k < scales.length; k++) {
            if (r >= scales[k]) {
                double t = (Math.log(upperScale) - Math.log(r)) / (Math.log(upperScale) - Math.log(scales[k]));
                return new double[] {upperSlope + t * (slopes[k] - upperSlope),
                        upperOffset + t * (offsets[k] - upperOffset)};
            }
            upperScale = scales[k];
            upperSlope = slopes[k];
            upperOffset = offsets[k];
        }
        return new double[] {upperSlope, upperOffset};
    }

    /** The log-odds of an input with this short side, on the scale the temperature and threshold were fitted on. */
    public double adjust(double logOdds, int shortSide) {
        double[] p = parameters(shortSide);
        return p[0] * logOdds + p[1];
    }

    /**
     * Fits one knot per scale. For knot k, {@code logOdds.get(k)} are the (fused, uncalibrated) log-odds of
     * validation images downscaled by {@code scales[k]} and {@code isFake.get(k)} their labels. Each knot is a
     * two-parameter logistic regression of the labels on z (calibrated log-odds alpha z + beta), penalised by
     * {@code l2 / 2 * ((alpha - 1/T)^2 + beta^2)}: without evidence it stays what the clean calibration says, and a
     * few perfectly separated validation images cannot send it to infinity. Stored in z units: slope = T alpha,
     * offset = T beta, so that (slope z + offset) / T = alpha z + beta.
     */
    public static ScaleCalibration fit(int referenceSide, double[] scales, List<double[]> logOdds,
                                       List<boolean[]> isFake, double temperature, double l2) {
        if (logOdds.size() != scales.length || isFake.size() != scales.length) {
            throw new IllegalArgumentException("one set of scores and labels per scale");
        }
        double[] slopes = new double[scales.length];
        double[] offsets = new double[scales.length];
        for (int k = 0; k < scales.length; k++) {
            double[] ab = fitKnot(logOdds.get(k), isFake.get(k), 1.0 / temperature, l2);
            slopes[k] = temperature * ab[0];
            offsets[k] = temperature * ab[1];
        }
        return new ScaleCalibration(referenceSide, scales, slopes, offsets);
    }

    /** Penalised logistic regression y ~ sigmoid(alpha z + beta) by Newton's method; returns {alpha, beta}. */
    static double[] fitKnot(double[] z, boolean[] y, double alphaPrior, double l2) {
        if (z.length != y.length) {
            throw new IllegalArgumentException("equally many scores and labels needed");
        }
        double alpha = alphaPrior;
        double beta = 0;
        for (int iter = 0; iter < 100; iter++) {
            double gA = l2 * (alpha - alphaPrior);
            double gB = l2 * beta;
            double hAA = l2;
            double hAB = 0;
            double hBB = l2;
            for (int i = 0; i < z.length; i++) {
                double p = 1 / (1 + Math.exp(-(alpha * z[i] + beta)));
                double r = p - (y[i] ? 1 : 0);
                double w = p * (1 - p);
                gA += r * z[i];
                gB += r;
                hAA += w * z[i] * z[i];
                hAB += w * z[i];
                hBB += w;
            }
            double det = hAA * hBB - hAB * hAB;
            if (!(det > 0)) {
                break;
            }
            double dA = (hBB * gA - hAB * gB) / det;
            double dB = (hAA * gB - hAB * gA) / det;
            alpha -= dA;
            beta -= dB;
            if (Math.abs(dA) + Math.abs(dB) < 1e-10) {
                break;
            }
        }
        return new double[] {alpha, beta};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaleCalibration s && s.referenceSide == referenceSide
                && Arrays.equals(s.scales, scales) && Arrays.equals(s.slopes, slopes)
                && Arrays.equals(s.offsets, offsets);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * referenceSide + Arrays.hashCode(scales)) + Arrays.hashCode(slopes))
                + Arrays.hashCode(offsets);
    }

    @Override
    public String toString() {
        return "ScaleCalibration[referenceSide=" + referenceSide + ", scales=" + Arrays.toString(scales)
                + ", slopes=" + Arrays.toString(slopes) + ", offsets=" + Arrays.toString(offsets) + "]";
    }
}
