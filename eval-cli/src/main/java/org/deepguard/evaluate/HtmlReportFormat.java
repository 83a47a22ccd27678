package org.deepguard.evaluate;

import java.util.Locale;
import java.util.Map;

/** Number formatting for the report's tables. */
final class HtmlReportFormat {
    private HtmlReportFormat() {}

    static String num(Object v) {
        if (v instanceof Integer || v instanceof Long) {
            return v.toString();
        }
        if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
            return String.format(Locale.ROOT, "%.4f", n.doubleValue());
        }
        return v == null ? "n/a" : v.toString();
    }

    /** " [low, high]" for a metric with a bootstrap interval, else "". */
    static String ci(Map<String, Object> ci, String key) {
        if (ci != null && ci.get(key) instanceof Map<?, ?> iv && iv.get("low") != null) {
            return " [" + num(iv.get("low")) + ", " + num(iv.get("high")) + "]";
        }
        return "";
    }
}
