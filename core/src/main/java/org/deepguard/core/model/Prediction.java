package org.deepguard.core.model;

/**
 * The verdict on one input.
 *
 * @param pFake     calibrated probability that the image is fake
 * @param logOdds   uncalibrated log(p_fake / p_real) from the network
 * @param threshold decision threshold that was applied
 * @param verdict   the label, or UNCERTAIN inside the bundle's uncertainty band
 */
public record Prediction(double pFake, double logOdds, double threshold, Verdict verdict) {
    public enum Verdict {
        REAL, FAKE, UNCERTAIN;

        public String label() {
            return name().toLowerCase();
        }
    }

    public static Prediction of(double logOdds, double temperature, double threshold, double uncertainBand) {
        double p = Scores.calibrated(logOdds, temperature);
        Verdict v;
        if (uncertainBand > 0 && Math.abs(p - threshold) < uncertainBand) {
            v = Verdict.UNCERTAIN;
        } else {
            v = p >= threshold ? Verdict.FAKE : Verdict.REAL;
        }
        return new Prediction(p, logOdds, threshold, v);
    }
}
