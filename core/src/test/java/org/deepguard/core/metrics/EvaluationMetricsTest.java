package org.deepguard.core.metrics;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.ROC;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric pinned on tiny hand-made score sets; expected values worked out by hand below, and as
 * scikit-learn computes them (roc_auc_score, average_precision_score, log_loss, brier_score_loss, ...).
 */
class EvaluationMetricsTest {
    private static final double EPS = 1e-9;

    // A: scikit-learn's documentation example. y = [0,0,1,1], s = [0.1,0.4,0.35,0.8].
    // Descending: 0.8(F+) 0.4(R) 0.35(F+) 0.1(R); pos = neg = 2.
    // ROC points (fpr,tpr): (0,0) (0,.5) (.5,.5) (.5,1) (1,1) -> AUC = .5*.5 + .5*1 = 0.75.
    // PR: (R,P) at .8 (.5,1); .4 (.5,.5); .35 (1,2/3); .1 (1,.5) -> AP = .5*1 + .5*2/3 = 0.8333.
    private static final boolean[] A_Y = {false, false, true, true};
    private static final double[] A_S = {0.1, 0.4, 0.35, 0.8};

    // B: ties. reals 0.2, 0.5; fakes 0.5, 0.5, 0.9 (pos 3, neg 2).
    // Descending groups: {0.9: 1F} {0.5: 2F,1R} {0.2: 1R}; ROC (0,0) (0,1/3) (.5,1) (1,1).
    // AUC = .5*(1/3+1)/2 + .5*1 = 5/6 (Mann-Whitney: 2 + 2 + 2*.5 = 5 of 6 pairs).
    // PR: (1/3, 1) (1, 3/4) (1, 3/5) -> AP = 1/3*1 + 2/3*3/4 = 5/6.
    private static final boolean[] B_Y = {false, true, false, true, true};
    private static final double[] B_S = {0.5, 0.5, 0.2, 0.9, 0.5};

    @Test
    void rankingMetricsWithoutTies() {
        assertEquals(0.75, BinaryMetrics.rocAuc(A_Y, A_S), EPS);
        assertEquals(5.0 / 6, BinaryMetrics.averagePrecision(A_Y, A_S), EPS);
        // FPR - FNR along the curve: -1, -.5, 0 -> the crossing is exactly the point (.5, .5).
        assertEquals(0.5, BinaryMetrics.equalErrorRate(A_Y, A_S), EPS);
        // Only points with FPR 0 qualify; the best of them has TPR .5.
        assertEquals(0.5, BinaryMetrics.tprAtFpr(A_Y, A_S, 0.01), EPS);
        assertEquals(0.5, BinaryMetrics.tprAtFpr(A_Y, A_S, 0.05), EPS);
    }

    @Test
    void rankingMetricsWithTies() {
        assertEquals(5.0 / 6, BinaryMetrics.rocAuc(B_Y, B_S), EPS);
        assertEquals(5.0 / 6, BinaryMetrics.averagePrecision(B_Y, B_S), EPS);
        // FPR - FNR: (0,1/3) -> -2/3, (.5,1) -> +.5; t = (2/3)/(7/6) = 4/7; EER = 4/7 * .5 = 2/7.
        assertEquals(2.0 / 7, BinaryMetrics.equalErrorRate(B_Y, B_S), EPS);
        assertEquals(1.0 / 3, BinaryMetrics.tprAtFpr(B_Y, B_S, 0.01), EPS);
        // The tied group is one ROC step: the ROC has 4 points, not 6.
        assertEquals(4, BinaryMetrics.roc(B_Y, B_S).x().length);
    }

    @Test
    void thresholdMetricsAndPerClass() {
        // At 0.5 only 0.8 is called fake: tp 1, fp 0, tn 2, fn 1.
        Metric.Context c = Metric.Context.of(A_Y, A_S, 0.5);
        Map<String, Double> m = Metric.all(c);
        assertEquals(0.75, m.get("accuracy"), EPS);
        assertEquals(1.0, m.get("precision"), EPS);
        assertEquals(0.5, m.get("recall"), EPS);
        assertEquals(2.0 / 3, m.get("f1"), EPS); // 2 * 1 * .5 / 1.5
        assertEquals(1.0, m.get("specificity"), EPS);
        assertEquals(0.75, m.get("balanced_accuracy"), EPS); // (.5 + 1) / 2
        Map<String, Object> perClass = EvaluationSummary.perClass(c.confusion());
        @SuppressWarnings("unchecked") Map<String, Object> real = (Map<String, Object>) perClass.get("real");
        assertEquals(2.0 / 3, (double) real.get("precision"), EPS); // tn / (tn + fn) = 2/3
        assertEquals(1.0, (double) real.get("recall"), EPS);
        assertEquals(0.8, (double) real.get("f1"), EPS); // 2 * 2/3 * 1 / (5/3)
        assertEquals(2L, real.get("support"));

        // B at 0.5 (ties at the threshold count as fake): tp 3, fp 1, tn 1, fn 0.
        Map<String, Double> b = Metric.all(Metric.Context.of(B_Y, B_S, 0.5));
        assertEquals(0.8, b.get("accuracy"), EPS);
        assertEquals(0.75, b.get("precision"), EPS);
        assertEquals(1.0, b.get("recall"), EPS);
        assertEquals(6.0 / 7, b.get("f1"), EPS); // 2 * .75 / 1.75
        assertEquals(0.75, b.get("balanced_accuracy"), EPS); // (1 + .5) / 2
    }

    @Test
    void probabilisticMetrics() {
        // log loss = -(ln .9 + ln .6 + ln .35 + ln .8) / 4
        double expectedLogLoss = -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4;
        assertEquals(0.4722879, expectedLogLoss, 1e-7);
        assertEquals(expectedLogLoss, BinaryMetrics.logLoss(A_Y, A_S), EPS);
        // Brier = (.01 + .16 + .4225 + .04) / 4
        assertEquals(0.158125, BinaryMetrics.brier(A_Y, A_S), EPS);
        // 10 bins, one item each: |0-.1| + |0-.4| + |1-.35| + |1-.8| = 1.35, / 4
        assertEquals(0.3375, BinaryMetrics.expectedCalibrationError(A_Y, A_S, 10), EPS);
        // p = 0 and p = 1 are clipped to 1e-15, not infinite.
        assertEquals(-Math.log(1e-15) / 2, BinaryMetrics.logLoss(new boolean[] {true, false}, new double[] {0, 0}),
                1e-6);
        List<BinaryMetrics.ReliabilityBin> bins = BinaryMetrics.reliability(A_Y, A_S, 10);
        assertEquals(10, bins.size());
        assertEquals(1, bins.get(3).count());
        assertEquals(0.35, bins.get(3).meanPFake(), EPS);
        assertEquals(1.0, bins.get(3).fractionFake(), EPS);
        assertEquals(0, bins.get(0).count());
        assertTrue(Double.isNaN(bins.get(0).meanPFake()));
    }

    @Test
    void singleClassGivesNanWithReasonNotACrash() {
        boolean[] y = {true, true, true};
        double[] s = {0.2, 0.7, 0.9};
        Map<String, Object> summary = EvaluationSummary.compute(y, s, 0.5, null, 50, 1);
        assertNull(summary.get("auc"));
        assertEquals(1.0, (double) summary.get("ap"), EPS);
        assertNull(summary.get("eer"));
        @SuppressWarnings("unchecked") Map<String, String> why = (Map<String, String>) summary.get("undefined");
        assertTrue(why.get("auc").contains("no real images"), why.toString());
        assertEquals(2.0 / 3, (double) summary.get("accuracy"), EPS);
        @SuppressWarnings("unchecked") Map<String, Object> ci = (Map<String, Object>) summary.get("ci");
        @SuppressWarnings("unchecked") Map<String, Object> auc = (Map<String, Object>) ci.get("auc");
        assertNull(auc.get("low"));
        assertEquals(0, auc.get("resamples_used"));

        boolean[] reals = {false, false};
        assertTrue(Double.isNaN(BinaryMetrics.averagePrecision(reals, new double[] {0.1, 0.2})));
        assertTrue(BinaryMetrics.singleClassReason(reals).contains("no fake images"));
    }

    @Test
    void summaryHasBothConfusionMatricesAndUsesTheCliThreshold() {
        Map<String, Object> s = EvaluationSummary.compute(A_Y, A_S, 0.5, 0.3, 0, 1);
        assertEquals(0.3, (double) s.get("threshold"), EPS);
        // At 0.3: .4 .35 .8 are fake -> tp 2, fp 1, tn 1, fn 0 -> accuracy .75, precision 2/3.
        assertEquals(2.0 / 3, (double) s.get("precision"), EPS);
        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> cm =
                (Map<String, Map<String, Object>>) s.get("confusion");
        assertEquals(1L, cm.get("bundle").get("tp"));
        assertEquals(2L, cm.get("cli").get("tp"));
        assertEquals(1L, cm.get("cli").get("fp"));
    }

    @Test
    void bootstrapIsSeededAndAgreesWithTheExactStatistic() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 200;
        boolean[] y = new boolean[n];
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2 == 0;
            s[i] = Math.round((r.nextDouble() + (y[i] ? 0.4 : 0)) * 20) / 20.0; // coarse: many ties
        }
        Bootstrap.Interval a = Bootstrap.interval(y, s, Bootstrap.Statistic.AUC, 300, 0.95, 42);
        Bootstrap.Interval b = Bootstrap.interval(y, s, Bootstrap.Statistic.AUC, 300, 0.95, 42);
        assertEquals(a, b);
        assertEquals(BinaryMetrics.rocAuc(y, s), a.estimate(), 1e-12);
        assertTrue(a.low() < a.estimate() && a.estimate() < a.high(), a.toString());
        assertEquals(300, a.used());
        Bootstrap.Interval ap = Bootstrap.interval(y, s, Bootstrap.Statistic.AP, 300, 0.95, 42);
        assertEquals(BinaryMetrics.averagePrecision(y, s), ap.estimate(), 1e-12);
        assertTrue(ap.low() < ap.estimate() && ap.estimate() < ap.high(), ap.toString());
    }

    @Test
    void percentileInterpolatesLikeNumpy() {
        // numpy.percentile([1,2,3,4], 25) = 1.75; 97.5 -> 3.925
        double[] v = {1, 2, 3, 4};
        assertEquals(1.75, Bootstrap.percentile(v, 0.25), EPS);
        assertEquals(3.925, Bootstrap.percentile(v, 0.975), EPS);
    }

    @Test
    void aucAgreesWithDl4jExactRocWithoutTiesAndWithPairCountingWithTies() {
        SplittableRandom r = new SplittableRandom(9);
        int n = 60;
        boolean[] y = new boolean[n];
        double[] s = new double[n];
        double[] coarse = new double[n];
        double[] labels = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextBoolean();
            s[i] = r.nextDouble() * 0.7 + (y[i] ? 0.3 : 0);
            coarse[i] = Math.round(s[i] * 10) / 10.0;
            labels[i] = y[i] ? 1 : 0;
        }
        ROC roc = new ROC(0); // exact mode
        roc.eval(Nd4j.create(labels, new long[] {n, 1}), Nd4j.create(s, new long[] {n, 1}));
        assertEquals(roc.calculateAUC(), BinaryMetrics.rocAuc(y, s), 1e-6);
        // With ties DL4J's exact ROC walks tied scores one by one (order-dependent), so the oracle here is the
        // Mann-Whitney pair count with ties as 1/2, which is what scikit-learn's roc_auc_score equals.
        assertEquals(pairCountAuc(y, coarse), BinaryMetrics.rocAuc(y, coarse), 1e-12);
    }

    @Test
    void thresholdMetricsAgreeWithDl4jEvaluationBinaryAwayFromTheThreshold() {
        // DL4J calls "fake" when p > 0.5, we (like Prediction) when p >= threshold: equal when no score is 0.5.
        boolean[] y = {false, true, false, true, true, false, true};
        double[] s = {0.2, 0.7, 0.6, 0.4, 0.9, 0.1, 0.55};
        double[] labels = new double[y.length];
        for (int i = 0; i < y.length; i++) labels[i] = y[i] ? 1 : 0;
        org.nd4j.evaluation.classification.EvaluationBinary eb = new org.nd4j.evaluation.classification.EvaluationBinary();
        eb.eval(Nd4j.create(labels, new long[] {y.length, 1}), Nd4j.create(s, new long[] {y.length, 1}));
        Map<String, Double> m = Metric.all(Metric.Context.of(y, s, 0.5));
        // Hand: fake at .7 .6 .9 .55 -> tp 3 (.7 .9 .55), fp 1 (.6), fn 1 (.4), tn 2 -> acc 5/7, P .75, R .75.
        assertEquals(5.0 / 7, m.get("accuracy"), EPS);
        assertEquals(eb.accuracy(0), m.get("accuracy"), 1e-9);
        assertEquals(eb.precision(0), m.get("precision"), 1e-9);
        assertEquals(eb.recall(0), m.get("recall"), 1e-9);
        assertEquals(eb.f1(0), m.get("f1"), 1e-9);
    }

    private static double pairCountAuc(boolean[] y, double[] s) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < y.length; i++) {
            for (int j = 0; j < y.length; j++) {
                if (y[i] && !y[j]) {
                    pairs++;
                    wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
        }
        return wins / pairs;
    }
}
