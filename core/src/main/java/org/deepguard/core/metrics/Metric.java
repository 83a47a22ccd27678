package org.deepguard.core.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The scalar metrics of an evaluation, each named once: the names are the keys of {@code metrics.json} and of
 * {@code --fail-under}. Threshold-dependent metrics use the context's threshold (predicted fake when
 * p_fake >= threshold). Fake is the positive class.
 */
public enum Metric {
    ACCURACY("accuracy", true, c -> c.confusion().accuracy()),
    BALANCED_ACCURACY("balanced_accuracy", true, c -> c.confusion().balancedAccuracy()),
    PRECISION("precision", true, c -> c.confusion().precision()),
    RECALL("recall", true, c -> c.confusion().recall()),
    F1("f1", true, c -> c.confusion().f1()),
    SPECIFICITY("specificity", true, c -> c.confusion().specificity()),
    AUC("auc", true, c -> BinaryMetrics.rocAuc(c.isFake(), c.pFake())),
    AP("ap", true, c -> BinaryMetrics.averagePrecision(c.isFake(), c.pFake())),
    EER("eer", false, c -> BinaryMetrics.equalErrorRate(c.isFake(), c.pFake())),
    TPR_AT_FPR_1("tpr_at_fpr_1pct", true, c -> BinaryMetrics.tprAtFpr(c.isFake(), c.pFake(), 0.01)),
    TPR_AT_FPR_5("tpr_at_fpr_5pct", true, c -> BinaryMetrics.tprAtFpr(c.isFake(), c.pFake(), 0.05)),
    LOG_LOSS("log_loss", false, c -> BinaryMetrics.logLoss(c.isFake(), c.pFake())),
    BRIER("brier", false, c -> BinaryMetrics.brier(c.isFake(), c.pFake())),
    ECE("ece", false, c -> BinaryMetrics.expectedCalibrationError(c.isFake(), c.pFake(), Context.ECE_BINS));

    private final String key;
    private final boolean higherIsBetter;
    private final ToDoubleFunction<Context> fn;

    Metric(String key, boolean higherIsBetter, ToDoubleFunction<Context> fn) {
        this.key = key;
        this.higherIsBetter = higherIsBetter;
        this.fn = fn;
    }

    public String key() {
        return key;
    }

    /** Direction for quality gates: --fail-under fails below the bound, or above it for error-like metrics. */
    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    public double compute(Context c) {
        return fn.applyAsDouble(c);
    }

    public static Metric byKey(String key) {
        for (Metric m : values()) {
            if (m.key.equals(key)) {
                return m;
            }
        }
        return null;
    }

    /** Labels, calibrated scores and the decision threshold; the confusion counts are computed once. */
    public record Context(boolean[] isFake, double[] pFake, double threshold, BinaryMetrics.Confusion confusion) {
        public static final int ECE_BINS = 10;

        public static Context of(boolean[] isFake, double[] pFake, double threshold) {
            return new Context(isFake, pFake, threshold, BinaryMetrics.confusion(isFake, pFake, threshold));
        }
    }

    /** Every metric by key, in declaration order. NaN where undefined (see {@link #undefinedReasons}). */
    public static Map<String, Double> all(Context c) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Metric m : values()) {
            out.put(m.key, m.compute(c));
        }
        return out;
    }

    /** For each NaN in {@code values}, the reason it is undefined. */
    public static Map<String, String> undefinedReasons(Context c, Map<String, Double> values) {
        Map<String, String> out = new LinkedHashMap<>();
        String single = BinaryMetrics.singleClassReason(c.isFake());
        values.forEach((k, v) -> {
            if (v != null && Double.isNaN(v)) {
                out.put(k, single != null ? single : "undefined for this input");
            }
        });
        return out;
    }
}
