package org.deepguard.core.spectral;

import org.deepguard.core.metrics.Calibration;

/**
 * Late fusion of two detectors' log-odds: z = a z_network + b z_spectral + c, itself a logistic regression, so z is
 * again a log-odds. Stored with raw-score coefficients (no standardisation) so the weights read directly as "how
 * much each detector counts". Fit it on scores the two detectors gave to images neither was trained on (held-out
 * or out-of-fold), or it learns to trust whichever overfitted more.
 */
public record ScoreFusion(double a, double b, double c) {
    /**
     * Small penalty (on standardised scores): enough to keep the fit finite when the scores separate the classes
     * perfectly, small enough to leave a clear winner's weight alone.
     */
    public static final double L2 = 1e-3;

    public ScoreFusion {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("score fusion coefficients must be finite, got " + a + ", " + b + ", "
                    + c);
        }
    }

    /**
     * The mean of the two detectors' temperature-calibrated log-odds: z = (z_net / T_net + z_spec / T_spec) / 2,
     * each temperature fitted on its own (one bounded parameter each). Preferred over {@link #fit} on small
     * validation splits: a three-weight regression there chases whichever detector separated those few images
     * perfectly (measured on the grouped dev-set folds: weights and intercept ran off, temperature hit its bound),
     * while equal weights of calibrated scores are the robust combination of forecasts (a detector that is
     * confidently wrong on validation gets a larger temperature, so less weight).
     */
    public static ScoreFusion calibratedMean(double[] zNetwork, double[] zSpectral, boolean[] isFake) {
        if (zNetwork.length != zSpectral.length || zNetwork.length != isFake.length) {
            throw new IllegalArgumentException("score fusion needs equally many scores and labels, got "
                    + zNetwork.length + ", " + zSpectral.length + ", " + isFake.length);
        }
        double tNet = Calibration.fitTemperature(zNetwork, isFake);
        double tSpec = Calibration.fitTemperature(zSpectral, isFake);
        return new ScoreFusion(0.5 / tNet, 0.5 / tSpec, 0);
    }

    /**
     * Fits by L2-regularised logistic regression without class weighting, so the fused score stays calibrated
     * log-odds on data with the fitting set's prevalence.
     */
    public static ScoreFusion fit(double[] zNetwork, double[] zSpectral, boolean[] isFake) {
        if (zNetwork.length != zSpectral.length || zNetwork.length != isFake.length) {
            throw new IllegalArgumentException("score fusion needs equally many scores and labels, got "
                    + zNetwork.length + ", " + zSpectral.length + ", " + isFake.length);
        }
        double[][] x = new double[zNetwork.length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {zNetwork[i], zSpectral[i]};
        }
        LogisticRegression m = LogisticRegression.fit(x, isFake, L2, LogisticRegression.ClassWeighting.NONE);
        double[] w = m.weights();
        double[] mu = m.mean();
        double[] sd = m.std();
        double a = w[0] / sd[0];
        double b = w[1] / sd[1];
        return new ScoreFusion(a, b, m.bias() - a * mu[0] - b * mu[1]);
    }

    public double fuse(double zNetwork, double zSpectral) {
        return a * zNetwork + b * zSpectral + c;
    }
}
