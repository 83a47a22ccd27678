package org.deepguard.core.spectral;


/**
 * Late fusion of two detectors' log-odds: z = a z_network + b z_spectral + c, itself a logistic regression, so z is
 * again a log-odds. Stored with raw-score coefficients (no standardisation) so the weights read directly as "how
 * much each detector counts". Fit it on scores the two detectors gave to images neither was trained on (held-out
 * or out-of-fold), or it learns to trust whichever overfitted more.
 */
public record ScoreFusion(double a, double b, double c) {
    public ScoreFusion {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("score fusion coefficients must be finite, got " + a + ", " + b + ", "
                    + c);
        }
    }

    /**
     * Fits by L2-regularised logistic regression without class weighting, so the fused score stays calibrated
     * log-odds on data with the fitting set's prevalence. The penalty on the standardised scores is 1/n,
     * scikit-learn's default (C = 1): it keeps the weights finite when a few validation images separate perfectly
     * (a penalty of 1e-3 let them run off on the grouped dev-set folds), and fades as the set grows.
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
        LogisticRegression m = LogisticRegression.fit(x, isFake, 1.0 / x.length,
                LogisticRegression.ClassWeighting.NONE);
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
