package org.deepguard.core.spectral;


/**
 * Late fusion of two detectors' log-odds: z = a z_network + b z_spectral + c, itself a logistic regression, so z is
 * again a log-odds. Stored with raw-score coefficients (no standardisation) so the weights read directly as "how
 * much each detector counts". Fit it on scores the two detectors gave to images neither was trained on (held-out
 * or out-of-fold), or it learns to trust whichever overfitted more.
 *
 * <p>Optional cue cap ({@code cueCap} C > 0, `train --cue-cap C`): the hand-crafted cue's share b z_spectral is
 * replaced by C tanh(b z_spectral / C), so the cue moves the fused log-odds by at most C either way (and by about
 * b z_spectral while that is well below C): z = a z_network + C tanh(b z_spectral / C) + c. The hand-crafted cue is
 * what a white-box attacker flips first (its log-odds are large and move far for a small pixel change); with a cap
 * below the network's margin, a verdict cannot flip on the cue alone, the network has to agree. tanh rather than a
 * hard clip keeps the score differentiable, so gradient attacks still see the cue (no gradient masking). 0 (the
 * default, and what a bundle written before the cap reads as) means no cap.
 */
public record ScoreFusion(double a, double b, double c, double cueCap) {
    public ScoreFusion {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("score fusion coefficients must be finite, got " + a + ", " + b + ", "
                    + c);
        }
        if (!(cueCap >= 0) || Double.isInfinite(cueCap)) {
            throw new IllegalArgumentException("the cue cap must be a finite log-odds >= 0 (0: none), got " + cueCap);
        }
    }

    /** Without a cue cap. */
    public ScoreFusion(double a, double b, double c) {
        this(a, b, c, 0);
    }

    /** How the two weights are chosen ({@link #fit(double[], double[], boolean[], Rule)}). */
    public enum Rule {
        /**
         * The cue counts at most as much as the network per standard deviation of their validation scores; the
         * default since session 7.
         */
        BOUNDED("bounded"),
        /** Both weights as the validation images say; the rule before. */
        FITTED("fitted");

        private final String code;

        Rule(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Rule parse(String s) {
            for (Rule r : values()) {
                if (r.code.equalsIgnoreCase(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("fusion rule must be bounded or fitted, got '" + s + "'");
        }
    }

    /** {@link Rule#FITTED}: both weights as the validation images say. */
    public static ScoreFusion fit(double[] zNetwork, double[] zSpectral, boolean[] isFake) {
        return fit(zNetwork, zSpectral, isFake, Rule.FITTED);
    }

    /**
     * Fits by L2-regularised logistic regression without class weighting, so the fused score stays calibrated
     * log-odds on data with the fitting set's prevalence. The penalty on the standardised scores is 1/n,
     * scikit-learn's default (C = 1): it keeps the weights finite when a few validation images separate perfectly
     * (a penalty of 1e-3 let them run off on the grouped dev-set folds), and fades as the set grows.
     *
     * <p>With {@link Rule#BOUNDED}, when that fit gives the cue a larger weight per standard deviation than a
     * network that itself counts (weight above 0), the two are tied instead: z = k (z_net / sd_net + z_cue / sd_cue)
     * + c', with k and c' fitted as before. Why: the validation images come from the generators training saw, and
     * there the cue (a 64-number spectral summary fitted to those generators' spectra) separates them by a wide
     * margin; on up-sampling it was not fitted to, it can fall to chance while the network holds (session 7: trained
     * on 4x fakes, tested on 2x, cue alone 0.60, network alone 0.99). So the validation margin overstates the cue's
     * reach, and the rule lets it count as much as the network, not more.
     */
    public static ScoreFusion fit(double[] zNetwork, double[] zSpectral, boolean[] isFake, Rule rule) {
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
        if (rule == Rule.BOUNDED && w[0] > 0 && w[1] > w[0]) {
            double[][] tied = new double[x.length][];
            for (int i = 0; i < x.length; i++) {
                tied[i] = new double[] {x[i][0] / sd[0] + x[i][1] / sd[1]};
            }
            LogisticRegression t = LogisticRegression.fit(tied, isFake, 1.0 / x.length,
                    LogisticRegression.ClassWeighting.NONE);
            double k = t.weights()[0] / t.std()[0];
            return new ScoreFusion(k / sd[0], k / sd[1], t.bias() - k * t.mean()[0]);
        }
        double a = w[0] / sd[0];
        double b = w[1] / sd[1];
        return new ScoreFusion(a, b, m.bias() - a * mu[0] - b * mu[1]);
    }

    /** The same weights with the cue's share capped at {@code c} (0: no cap). */
    public ScoreFusion withCueCap(double cap) {
        return new ScoreFusion(a, b, c, cap);
    }

    /** The cue's share of the fused log-odds: b z without a cap, C tanh(b z / C) with one. */
    public double cueShare(double zSpectral) {
        double share = b * zSpectral;
        return cueCap > 0 ? cueCap * Math.tanh(share / cueCap) : share;
    }

    /** d cueShare / dz: b (1 - tanh^2(b z / C)) with a cap, b without. */
    public double cueSlope(double zSpectral) {
        return b * capSlope(zSpectral);
    }

    /** The cap's own slope at this cue log-odds: 1 - tanh^2(b z / C) with a cap, 1 without. */
    public double capSlope(double zSpectral) {
        if (!(cueCap > 0)) {
            return 1;
        }
        double t = Math.tanh(b * zSpectral / cueCap);
        return 1 - t * t;
    }

    public double fuse(double zNetwork, double zSpectral) {
        return a * zNetwork + cueShare(zSpectral) + c;
    }
}
