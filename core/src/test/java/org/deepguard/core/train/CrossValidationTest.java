package org.deepguard.core.train;

import org.deepguard.core.data.Folds;
import org.deepguard.core.model.NetworkConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CrossValidationTest {
    @Test
    void sampleStandardDeviationUsesNMinusOne() {
        assertEquals(2.5, CrossValidation.mean(new double[] {1, 2, 3, 4}), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), CrossValidation.sampleStd(new double[] {1, 2, 3, 4}), 1e-12);
        assertTrue(Double.isNaN(CrossValidation.sampleStd(new double[] {0.7})));
        assertTrue(Double.isNaN(CrossValidation.mean(new double[0])));
    }

    private static CrossValidation.FoldResult result(int fold, Double auc, double seconds) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("auc", auc);
        m.put("ece", 0.1 * (fold + 1));
        return new CrossValidation.FoldResult(fold, "", Map.of(), seconds, false, 10, 0, m);
    }

    @Test
    void summaryIgnoresUndefinedValuesAndKeepsMetricOrder() {
        CrossValidation cv = new CrossValidation(TrainingConfig.defaults(NetworkConfig.defaults(32, 1)), null,
                CrossValidation.shortcutBaselines());
        CrossValidation.Summary s = cv.summarise("p", Folds.By.GROUP,
                List.of(result(0, 0.8, 10), result(1, null, 20), result(2, 0.6, 30)));
        assertEquals(List.of("auc", "ece", "train_seconds"), List.copyOf(s.mean().keySet()));
        assertEquals(0.7, s.mean().get("auc"), 1e-12);
        assertEquals(Math.sqrt(0.02), s.std().get("auc"), 1e-12);
        assertEquals(0.2, s.mean().get("ece"), 1e-12);
        assertEquals(0.1, s.std().get("ece"), 1e-12);
        assertEquals(60, s.trainSecondsTotal(), 1e-12);
        assertEquals(3, s.folds());
        assertEquals("group", s.by());
        CrossValidation.Summary one = cv.summarise("p", Folds.By.GROUP, List.of(result(0, 0.8, 10)));
        assertNull(one.std().get("auc"), "one fold has no spread");
    }
}
