package org.deepguard.core.video;

import org.deepguard.core.model.Prediction;
import org.deepguard.core.model.Scores;

import java.util.Arrays;
import java.util.Locale;

/**
 * Turns per-frame log-odds into one verdict per video.
 * <ul>
 *   <li>{@code mean-logit} (default): score = mean of the frame log-odds z; p_fake = sigmoid(score / T) with the
 *       bundle's temperature T, judged like an image (threshold, uncertainty band). A still video scores as its
 *       image.</li>
 *   <li>{@code topk-mean}: score = mean of the k largest z (all frames when fewer than k); then as above. Catches a
 *       fake that shows in a few frames only.</li>
 *   <li>{@code fraction-above}: score = p_fake = fraction of frames whose calibrated p_fake &gt;= threshold; fake
 *       when that fraction is &gt;= {@code minFraction}. No uncertainty band.</li>
 * </ul>
 *
 * @param rule        which rule
 * @param k           frames averaged by {@code topk-mean}
 * @param minFraction share of fake frames that makes a video fake under {@code fraction-above}
 */
public record Aggregation(Rule rule, int k, double minFraction) {
    public static final int DEFAULT_K = 5;
    public static final double DEFAULT_MIN_FRACTION = 0.5;

    public enum Rule {
        MEAN_LOGIT, TOPK_MEAN, FRACTION_ABOVE;

        /** The name used on the command line and in JSON, e.g. "topk-mean". */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Rule fromId(String id) {
            for (Rule r : values()) {
                if (r.id().equalsIgnoreCase(id.strip())) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown aggregation rule '" + id
                    + "' (expected mean-logit, topk-mean or fraction-above)");
        }
    }

    public Aggregation {
        if (rule == null) {
            throw new IllegalArgumentException("rule is required");
        }
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
        }
        if (!(minFraction >= 0 && minFraction <= 1)) {
            throw new IllegalArgumentException("min fraction must lie in [0, 1], got " + minFraction);
        }
    }

    public static Aggregation meanLogit() {
        return new Aggregation(Rule.MEAN_LOGIT, DEFAULT_K, DEFAULT_MIN_FRACTION);
    }

    /**
     * The verdict for a video whose frames have the given raw log-odds.
     *
     * @param logOdds       uncalibrated frame log-odds (at least one)
     * @param temperature   the bundle's calibration temperature
     * @param threshold     decision threshold on calibrated p_fake
     * @param uncertainBand the bundle's uncertainty band (0 for none)
     */
    public VideoVerdict apply(double[] logOdds, double temperature, double threshold, double uncertainBand) {
        if (logOdds.length == 0) {
            throw new IllegalArgumentException("no frames to aggregate");
        }
        return switch (rule) {
            case MEAN_LOGIT -> logitVerdict(mean(logOdds), logOdds.length, temperature, threshold, uncertainBand);
            case TOPK_MEAN -> {
                double[] sorted = logOdds.clone();
                Arrays.sort(sorted);
                int n = Math.min(k, sorted.length);
                double[] top = Arrays.copyOfRange(sorted, sorted.length - n, sorted.length);
                yield logitVerdict(mean(top), logOdds.length, temperature, threshold, uncertainBand);
            }
            case FRACTION_ABOVE -> {
                int above = 0;
                for (double z : logOdds) {
                    if (Scores.calibrated(z, temperature) >= threshold) {
                        above++;
                    }
                }
                double fraction = (double) above / logOdds.length;
                Prediction.Verdict v = fraction >= minFraction ? Prediction.Verdict.FAKE : Prediction.Verdict.REAL;
                yield new VideoVerdict(this, fraction, fraction, threshold, v, logOdds.length);
            }
        };
    }

    private VideoVerdict logitVerdict(double score, int frames, double temperature, double threshold, double band) {
        Prediction p = Prediction.of(score, temperature, threshold, band);
        return new VideoVerdict(this, score, p.pFake(), threshold, p.verdict(), frames);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** For output: "mean-logit", "topk-mean(k=5)", "fraction-above(min=0.5)". */
    public String describe() {
        return switch (rule) {
            case MEAN_LOGIT -> rule.id();
            case TOPK_MEAN -> rule.id() + "(k=" + k + ")";
            case FRACTION_ABOVE -> rule.id() + "(min=" + minFraction + ")";
        };
    }
}
