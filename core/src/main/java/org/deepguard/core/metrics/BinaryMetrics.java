package org.deepguard.core.metrics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Binary classification metrics as pure functions over (isFake[], score[]), defined as scikit-learn defines them.
 * Fake is the positive class. Functions that are undefined for a single-class input return NaN.
 */
public final class BinaryMetrics {
    private BinaryMetrics() {}

    /** Confusion counts at a threshold: predicted fake when score >= threshold. */
    public record Confusion(long tp, long fp, long tn, long fn) {
        public long total() {
            return tp + fp + tn + fn;
        }

        public double accuracy() {
            return total() == 0 ? Double.NaN : (double) (tp + tn) / total();
        }

        /** Precision of the fake class; 0 when nothing is predicted fake (scikit-learn's zero_division=0). */
        public double precision() {
            return tp + fp == 0 ? 0.0 : (double) tp / (tp + fp);
        }

        /** Recall (true-positive rate) of the fake class; NaN without fakes. */
        public double recall() {
            return tp + fn == 0 ? Double.NaN : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return Double.isNaN(r) || p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }

        /** True-negative rate: recall of the real class. */
        public double specificity() {
            return tn + fp == 0 ? Double.NaN : (double) tn / (tn + fp);
        }

        public double balancedAccuracy() {
            return (recall() + specificity()) / 2;
        }
    }

    public static Confusion confusion(boolean[] isFake, double[] score, double threshold) {
        check(isFake, score);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < score.length; i++) {
            boolean predFake = score[i] >= threshold;
            if (isFake[i]) {
                if (predFake) tp++; else fn++;
            } else {
                if (predFake) fp++; else tn++;
            }
        }
        return new Confusion(tp, fp, tn, fn);
    }

    /**
     * ROC curve with one point per distinct score (ties collapsed), starting at (0,0), as sklearn's roc_curve with
     * drop_intermediate=false. x = false-positive rate, y = true-positive rate.
     */
    public static Curve roc(boolean[] isFake, double[] score) {
        check(isFake, score);
        int[] order = descending(score);
        long pos = count(isFake, true);
        long neg = isFake.length - pos;
        double[] fpr = new double[score.length + 1];
        double[] tpr = new double[score.length + 1];
        double[] thr = new double[score.length + 1];
        thr[0] = Double.POSITIVE_INFINITY;
        int k = 1;
        long tp = 0, fp = 0;
        for (int i = 0; i < order.length; i++) {
            if (isFake[order[i]]) tp++; else fp++;
            boolean lastOfTie = i == order.length - 1 || score[order[i + 1]] != score[order[i]];
            if (lastOfTie) {
                fpr[k] = neg == 0 ? Double.NaN : (double) fp / neg;
                tpr[k] = pos == 0 ? Double.NaN : (double) tp / pos;
                thr[k] = score[order[i]];
                k++;
            }
        }
        return new Curve(Arrays.copyOf(fpr, k), Arrays.copyOf(tpr, k), Arrays.copyOf(thr, k));
    }

    /** Area under the ROC curve (trapezoidal over tie-collapsed points, = Mann-Whitney U with ties as 1/2). */
    public static double rocAuc(boolean[] isFake, double[] score) {
        long pos = count(isFake, true);
        if (pos == 0 || pos == isFake.length) {
            return Double.NaN;
        }
        Curve c = roc(isFake, score);
        double area = 0;
        for (int i = 1; i < c.x().length; i++) {
            area += (c.x()[i] - c.x()[i - 1]) * (c.y()[i] + c.y()[i - 1]) / 2;
        }
        return area;
    }

    /**
     * Precision-recall curve over distinct thresholds, from the highest score down (x = recall, y = precision),
     * ending at recall 1; as sklearn's precision_recall_curve but ordered by decreasing threshold.
     */
    public static Curve precisionRecall(boolean[] isFake, double[] score) {
        check(isFake, score);
        int[] order = descending(score);
        long pos = count(isFake, true);
        double[] rec = new double[score.length];
        double[] prec = new double[score.length];
        double[] thr = new double[score.length];
        int k = 0;
        long tp = 0, fp = 0;
        for (int i = 0; i < order.length; i++) {
            if (isFake[order[i]]) tp++; else fp++;
            boolean lastOfTie = i == order.length - 1 || score[order[i + 1]] != score[order[i]];
            if (lastOfTie) {
                rec[k] = pos == 0 ? Double.NaN : (double) tp / pos;
                prec[k] = (double) tp / (tp + fp);
                thr[k] = score[order[i]];
                k++;
            }
        }
        return new Curve(Arrays.copyOf(rec, k), Arrays.copyOf(prec, k), Arrays.copyOf(thr, k));
    }

    /** Average precision: sum over thresholds of (R_n - R_{n-1}) * P_n (sklearn's average_precision_score). */
    public static double averagePrecision(boolean[] isFake, double[] score) {
        if (count(isFake, true) == 0) {
            return Double.NaN;
        }
        Curve pr = precisionRecall(isFake, score);
        double ap = 0;
        double prevRecall = 0;
        for (int i = 0; i < pr.x().length; i++) {
            ap += (pr.x()[i] - prevRecall) * pr.y()[i];
            prevRecall = pr.x()[i];
        }
        return ap;
    }

    /** Mean negative log-likelihood of the true class, probabilities clipped to [1e-15, 1 - 1e-15]. */
    public static double logLoss(boolean[] isFake, double[] pFake) {
        check(isFake, pFake);
        double sum = 0;
        for (int i = 0; i < pFake.length; i++) {
            double p = Math.min(Math.max(pFake[i], 1e-15), 1 - 1e-15);
            sum -= isFake[i] ? Math.log(p) : Math.log(1 - p);
        }
        return sum / pFake.length;
    }

    public static double brier(boolean[] isFake, double[] pFake) {
        check(isFake, pFake);
        double sum = 0;
        for (int i = 0; i < pFake.length; i++) {
            double d = pFake[i] - (isFake[i] ? 1 : 0);
            sum += d * d;
        }
        return sum / pFake.length;
    }

    /**
     * Expected calibration error with {@code bins} equal-width bins over p_fake in [0,1]: sum over bins of
     * |bin| / n * |mean(isFake) - mean(p_fake)|.
     */
    public static double expectedCalibrationError(boolean[] isFake, double[] pFake, int bins) {
        check(isFake, pFake);
        double[] sumP = new double[bins];
        double[] sumY = new double[bins];
        int[] n = new int[bins];
        for (int i = 0; i < pFake.length; i++) {
            int b = Math.min((int) (pFake[i] * bins), bins - 1);
            b = Math.max(b, 0);
            sumP[b] += pFake[i];
            sumY[b] += isFake[i] ? 1 : 0;
            n[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (n[b] > 0) {
                ece += (double) n[b] / pFake.length * Math.abs(sumY[b] / n[b] - sumP[b] / n[b]);
            }
        }
        return ece;
    }

    /** Threshold maximising Youden's J = TPR - FPR; ties go to the higher threshold. NaN for one class. */
    public static double youdenThreshold(boolean[] isFake, double[] score) {
        long pos = count(isFake, true);
        if (pos == 0 || pos == isFake.length) {
            return Double.NaN;
        }
        Curve c = roc(isFake, score);
        double best = Double.NEGATIVE_INFINITY;
        int at = 1;
        for (int i = 1; i < c.x().length; i++) {
            double j = c.y()[i] - c.x()[i];
            if (j > best + 1e-12) { // ties (up to rounding) keep the stricter threshold
                best = j;
                at = i;
            }
        }
        // Midway into the gap below the lowest accepted score, not on it: a separable validation set otherwise puts
        // the threshold on its least-fake fake and calls the next, slightly weaker fake real.
        double accepted = c.thresholds()[at];
        return at + 1 < c.thresholds().length ? (accepted + c.thresholds()[at + 1]) / 2 : accepted;
    }

    /**
     * Equal error rate: the rate where the false-positive rate equals the false-negative rate (1 - TPR), linearly
     * interpolated between the two ROC points that bracket the crossing. NaN for one class.
     */
    public static double equalErrorRate(boolean[] isFake, double[] score) {
        long pos = count(isFake, true);
        if (pos == 0 || pos == isFake.length) {
            return Double.NaN;
        }
        Curve c = roc(isFake, score);
        double prevD = c.x()[0] - (1 - c.y()[0]);
        for (int i = 1; i < c.x().length; i++) {
            double d = c.x()[i] - (1 - c.y()[i]); // FPR - FNR rises from -1 to +1 along the curve
            if (d >= 0) {
                double t = d == prevD ? 0 : -prevD / (d - prevD);
                return c.x()[i - 1] + t * (c.x()[i] - c.x()[i - 1]);
            }
            prevD = d;
        }
        return Double.NaN; // unreachable: the last ROC point has FPR 1, FNR 0
    }

    /**
     * Highest true-positive rate reachable by a threshold whose false-positive rate is at most {@code maxFpr}
     * (a step read of the ROC curve, no interpolation, so it never flatters). NaN for one class.
     */
    public static double tprAtFpr(boolean[] isFake, double[] score, double maxFpr) {
        long pos = count(isFake, true);
        if (pos == 0 || pos == isFake.length) {
            return Double.NaN;
        }
        Curve c = roc(isFake, score);
        double best = 0;
        for (int i = 0; i < c.x().length; i++) {
            if (c.x()[i] <= maxFpr + 1e-12) {
                best = Math.max(best, c.y()[i]);
            }
        }
        return best;
    }

    /** One bin of a reliability diagram: predictions with p_fake in [lo, hi) (the last bin includes 1). */
    public record ReliabilityBin(double lo, double hi, int count, double meanPFake, double fractionFake) {}

    /** Equal-width reliability bins over [0,1], the same binning {@link #expectedCalibrationError} uses. */
    public static java.util.List<ReliabilityBin> reliability(boolean[] isFake, double[] pFake, int bins) {
        check(isFake, pFake);
        double[] sumP = new double[bins];
        double[] sumY = new double[bins];
        int[] n = new int[bins];
        for (int i = 0; i < pFake.length; i++) {
            int b = Math.max(0, Math.min((int) (pFake[i] * bins), bins - 1));
            sumP[b] += pFake[i];
            sumY[b] += isFake[i] ? 1 : 0;
            n[b]++;
        }
        java.util.List<ReliabilityBin> out = new java.util.ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            out.add(new ReliabilityBin((double) b / bins, (double) (b + 1) / bins, n[b],
                    n[b] == 0 ? Double.NaN : sumP[b] / n[b], n[b] == 0 ? Double.NaN : sumY[b] / n[b]));
        }
        return out;
    }

    /** Why a ranking metric is undefined for this input, or null when it is defined. */
    public static String singleClassReason(boolean[] isFake) {
        long pos = count(isFake, true);
        if (pos == 0) {
            return "undefined: no fake images in the evaluated set (" + isFake.length + " real)";
        }
        if (pos == isFake.length) {
            return "undefined: no real images in the evaluated set (" + isFake.length + " fake)";
        }
        return null;
    }

    static long count(boolean[] values, boolean target) {
        long n = 0;
        for (boolean v : values) {
            if (v == target) n++;
        }
        return n;
    }

    static int[] descending(double[] score) {
        return IntStream.range(0, score.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> score[i]).reversed())
                .mapToInt(Integer::intValue).toArray();
    }

    private static void check(boolean[] isFake, double[] score) {
        if (isFake.length != score.length) {
            throw new IllegalArgumentException("labels (" + isFake.length + ") and scores (" + score.length
                    + ") differ in length");
        }
        if (isFake.length == 0) {
            throw new IllegalArgumentException("no predictions to evaluate");
        }
        for (double s : score) {
            if (Double.isNaN(s)) {
                throw new IllegalArgumentException("a score is NaN");
            }
        }
    }
}
