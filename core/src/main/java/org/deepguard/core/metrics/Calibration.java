package org.deepguard.core.metrics;

import org.deepguard.core.model.Scores;

/** Temperature scaling (Guo et al., 2017) for the binary log-odds the network produces. */
public final class Calibration {
    private Calibration() {}

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
     * The temperature in [0.05, 20] minimising validation NLL, by golden-section search over log T (the NLL is
     * unimodal in T for fixed logits). Returns 1 when both classes are not present.
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
        double fa = nll(logOdds, isFake, Math.exp(a));
        double fb = nll(logOdds, isFake, Math.exp(b));
        for (int i = 0; i < 80; i++) {
            if (fa < fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - phi * (hi - lo);
                fa = nll(logOdds, isFake, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + phi * (hi - lo);
                fb = nll(logOdds, isFake, Math.exp(b));
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    public static double[] probabilities(double[] logOdds, double temperature) {
        double[] p = new double[logOdds.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Scores.calibrated(logOdds[i], temperature);
        }
        return p;
    }
}
