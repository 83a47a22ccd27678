package org.deepguard.core.metrics;

import org.deepguard.core.model.Scores;

/** Temperature scaling (Guo et al., 2017) for the binary log-odds the network produces. */
public final class Calibration {
    private Calibration() {}

    /**
     * The equal-cost cut of the log-odds: where a class-balanced logistic regression of the labels on {@code z}
     * (each class weighing half, L2 penalty 1/n on the standardised score, as the fusion's) crosses 0, i.e. where
     * fake and real are equally likely with the classes weighted equally. Balanced accuracy is what a cut there
     * aims at, and unlike the empirical Youden-optimal cut it is fitted on every validation score, not placed by the
     * one or two images at the class boundary, so it moves far less between small validation sets. NaN when both
     * classes are not present or the scores do not rise with the fake class (the caller falls back).
     */
    public static double balancedCut(double[] logOdds, boolean[] isFake) {
        long pos = BinaryMetrics.count(isFake, true);
        if (logOdds.length == 0 || pos == 0 || pos == isFake.length) {
            return Double.NaN;
        }
        double[][] x = new double[logOdds.length][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {logOdds[i]};
        }
        org.deepguard.core.spectral.LogisticRegression m = org.deepguard.core.spectral.LogisticRegression.fit(x,
                isFake, 1.0 / x.length, org.deepguard.core.spectral.LogisticRegression.ClassWeighting.BALANCED);
        double w = m.weights()[0];
        if (!(w > 0)) {
            return Double.NaN;
        }
        // w (z - mean) / std + bias = 0
        return m.mean()[0] - m.bias() * m.std()[0] / w;
    }

    /** Mean negative log-likelihood of sigmoid(z / T). */
    public static double nll(double[] logOdds, boolean[] isFake, double temperature) {
        double sum = 0;
        for (int i = 0; i < logOdds.length; i++) {
            double z = logOdds[i] / temperature;
            // log(1 + e^-|z|) + max(-y z, 0) form, stable for large |z|
            double signed = isFake[i] ? z : -z;
            sum += Math.log1p(Math.exp(-Math.abs(signed))) + Math.max(-signed, 0);
        }
        return sum / logOdds.length;
    }

    /**
     * The temperature in [0.05, 20] minimising validation NLL plus a standard-normal prior on log T (a MAP
     * estimate), by golden-section search over log T (the objective is unimodal in T for fixed logits). The prior
     * weighs like one image: it decides nothing on a large validation set, but on a small one that the scores
     * separate perfectly, where the NLL alone keeps falling as T goes to 0 and would make every probability 0 or 1,
     * it keeps T finite. Returns 1 when both classes are not present.
     */
    public static double fitTemperature(double[] logOdds, boolean[] isFake) {
        long pos = BinaryMetrics.count(isFake, true);
        if (logOdds.length == 0 || pos == 0 || pos == isFake.length) {
            return 1.0;
        }
        double lo = Math.log(0.05);
        double hi = Math.log(20);
        double phi = (Math.sqrt(5) - 1) / 2;
        double a = hi - phi * (hi - lo);
        double b = lo + phi * (hi - lo);
        double fa = objective(logOdds, isFake, a);
        double fb = objective(logOdds, isFake, b);
        for (int i = 0; i < 80; i++) {
            if (fa < fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - phi * (hi - lo);
                fa = objective(logOdds, isFake, a);
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + phi * (hi - lo);
                fb = objective(logOdds, isFake, b);
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    /** Summed NLL at T = e^logT plus the prior's (log T)^2 / 2. */
    private static double objective(double[] logOdds, boolean[] isFake, double logT) {
        return nll(logOdds, isFake, Math.exp(logT)) * logOdds.length + logT * logT / 2;
    }

    public static double[] probabilities(double[] logOdds, double temperature) {
        double[] p = new double[logOdds.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Scores.calibrated(logOdds[i], temperature);
        }
        return p;
    }
}
