package org.deepguard.core.metrics;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded percentile-bootstrap confidence intervals for AUC and AP. A resample is drawn as per-item multiplicities
 * over one fixed descending-score order, so each replicate costs O(n) instead of a fresh sort. Replicates that hold
 * only one class are skipped and counted (AUC and AP are undefined on them).
 */
public final class Bootstrap {
    private Bootstrap() {}

    public enum Statistic { AUC, AP }

    /**
     * @param estimate  the statistic on the full set
     * @param low       lower percentile bound (numpy's default linear interpolation)
     * @param high      upper bound
     * @param level     e.g. 0.95
     * @param resamples replicates drawn
     * @param used      replicates with both classes (the ones the bounds come from)
     * @param seed      random seed: same inputs and seed give the same interval
     */
    public record Interval(double estimate, double low, double high, double level, int resamples, int used,
                           long seed) {}

    public static Interval interval(boolean[] isFake, double[] score, Statistic stat, int resamples, double level,
                                    long seed) {
        int n = isFake.length;
        int[] order = BinaryMetrics.descending(score);
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        double estimate = weighted(stat, isFake, score, order, ones);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] values = new double[resamples];
        int used = 0;
        int[] w = new int[n];
        for (int r = 0; r < resamples; r++) {
            Arrays.fill(w, 0);
            for (int i = 0; i < n; i++) {
                w[rnd.nextInt(n)]++;
            }
            double v = weighted(stat, isFake, score, order, w);
            if (!Double.isNaN(v)) {
                values[used++] = v;
            }
        }
        if (used == 0) {
            return new Interval(estimate, Double.NaN, Double.NaN, level, resamples, 0, seed);
        }
        double[] sorted = Arrays.copyOf(values, used);
        Arrays.sort(sorted);
        double alpha = (1 - level) / 2;
        return new Interval(estimate, percentile(sorted, alpha), percentile(sorted, 1 - alpha), level, resamples,
                used, seed);
    }

    /** Linear-interpolated percentile of sorted values, q in [0,1] (numpy.percentile's default method). */
    static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** AUC or AP with integer item weights, walking the precomputed descending order; ties form one step. */
    static double weighted(Statistic stat, boolean[] isFake, double[] score, int[] order, int[] w) {
        long pos = 0, neg = 0;
        for (int i = 0; i < isFake.length; i++) {
            if (isFake[i]) pos += w[i]; else neg += w[i];
        }
        if (pos == 0 || (stat == Statistic.AUC && neg == 0)) {
            return Double.NaN;
        }
        long tp = 0, fp = 0, prevTp = 0, prevFp = 0;
        double area = 0;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            if (isFake[i]) tp += w[i]; else fp += w[i];
            boolean lastOfTie = k == order.length - 1 || score[order[k + 1]] != score[i];
            if (lastOfTie && (tp != prevTp || fp != prevFp)) {
                if (stat == Statistic.AUC) {
                    area += (double) (fp - prevFp) / neg * (tp + prevTp) / (2.0 * pos);
                } else {
                    area += (double) (tp - prevTp) / pos * tp / (tp + fp);
                }
                prevTp = tp;
                prevFp = fp;
            }
        }
        return Math.min(1.0, area); // summed fractions can overshoot 1 by an ulp
    }
}
