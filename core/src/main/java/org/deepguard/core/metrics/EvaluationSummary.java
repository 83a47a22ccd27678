package org.deepguard.core.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metric part of {@code metrics.json} as an ordered tree of plain maps (Jackson writes it as is). Undefined
 * values are written as null and explained under {@code undefined}, so the file is always valid JSON.
 */
public final class EvaluationSummary {
    public static final int BOOTSTRAP_RESAMPLES = 1000;
    public static final double CI_LEVEL = 0.95;

    private EvaluationSummary() {}

    /**
     * @param bundleThreshold the threshold stored in the model bundle
     * @param cliThreshold    the --threshold override, or null; when given, the flat metrics use it
     * @param bootstrapSeed   seed of the AUC/AP bootstrap; resamples <= 0 skips the intervals
     */
    public static Map<String, Object> compute(boolean[] isFake, double[] pFake, double bundleThreshold,
                                              Double cliThreshold, int resamples, long bootstrapSeed) {
        double threshold = cliThreshold != null ? cliThreshold : bundleThreshold;
        Metric.Context ctx = Metric.Context.of(isFake, pFake, threshold);
        Map<String, Double> scalars = Metric.all(ctx);
        long nFake = BinaryMetrics.count(isFake, true);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("n", isFake.length);
        out.put("n_real", isFake.length - nFake);
        out.put("n_fake", nFake);
        out.put("threshold", threshold);
        out.put("bundle_threshold", bundleThreshold);
        scalars.forEach((k, v) -> out.put(k, finite(v)));
        out.put("ece_bins", Metric.Context.ECE_BINS);
        out.put("per_class", perClass(ctx.confusion()));

        Map<String, Object> confusion = new LinkedHashMap<>();
        confusion.put("bundle", confusionJson(BinaryMetrics.confusion(isFake, pFake, bundleThreshold),
                bundleThreshold));
        if (cliThreshold != null) {
            confusion.put("cli", confusionJson(ctx.confusion(), cliThreshold));
        }
        out.put("confusion", confusion);

        if (resamples > 0) {
            Map<String, Object> ci = new LinkedHashMap<>();
            ci.put("auc", intervalJson(Bootstrap.interval(isFake, pFake, Bootstrap.Statistic.AUC, resamples,
                    CI_LEVEL, bootstrapSeed)));
            ci.put("ap", intervalJson(Bootstrap.interval(isFake, pFake, Bootstrap.Statistic.AP, resamples,
                    CI_LEVEL, bootstrapSeed)));
            out.put("ci", ci);
        }
        Map<String, String> undefined = Metric.undefinedReasons(ctx, scalars);
        if (!undefined.isEmpty()) {
            out.put("undefined", undefined);
        }
        return out;
    }

    /** Precision, recall, F1 and support of each class (scikit-learn's classification_report, zero_division=0). */
    public static Map<String, Object> perClass(BinaryMetrics.Confusion c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("real", classJson(c.tn(), c.fn(), c.fp()));
        out.put("fake", classJson(c.tp(), c.fp(), c.fn()));
        return out;
    }

    private static Map<String, Object> classJson(long hit, long falseAlarm, long miss) {
        double precision = hit + falseAlarm == 0 ? 0 : (double) hit / (hit + falseAlarm);
        double recall = hit + miss == 0 ? Double.NaN : (double) hit / (hit + miss);
        double f1 = Double.isNaN(recall) || precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", precision);
        m.put("recall", finite(recall));
        m.put("f1", f1);
        m.put("support", hit + miss);
        return m;
    }

    public static Map<String, Object> confusionJson(BinaryMetrics.Confusion c, double threshold) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threshold", threshold);
        m.put("tp", c.tp());
        m.put("fp", c.fp());
        m.put("tn", c.tn());
        m.put("fn", c.fn());
        m.put("accuracy", finite(c.accuracy()));
        return m;
    }

    public static Map<String, Object> intervalJson(Bootstrap.Interval iv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("estimate", finite(iv.estimate()));
        m.put("low", finite(iv.low()));
        m.put("high", finite(iv.high()));
        m.put("level", iv.level());
        m.put("method", "percentile bootstrap");
        m.put("resamples", iv.resamples());
        m.put("resamples_used", iv.used());
        m.put("seed", iv.seed());
        return m;
    }

    /** JSON has no NaN or infinity: undefined numbers become null. */
    public static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
