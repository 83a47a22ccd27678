package org.deepguard.core.video;

import org.deepguard.core.model.Prediction.Verdict;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AggregationTest {
    static final double[] Z = {-2, 0, 1, 3};
    static final double T = 2;

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void meanLogitCalibratesTheMeanWithTheTemperature() {
        VideoVerdict v = Aggregation.meanLogit().apply(Z, T, 0.5, 0);
        assertEquals(0.5, v.score(), 1e-12);
        assertEquals(sigmoid(0.25), v.pFake(), 1e-12);
        assertEquals(Verdict.FAKE, v.verdict());
        assertEquals(4, v.frames());
        assertEquals(Verdict.REAL, Aggregation.meanLogit().apply(Z, T, 0.6, 0).verdict());
    }

    @Test
    void topKMeanAveragesTheLargestLogits() {
        VideoVerdict v = new Aggregation(Aggregation.Rule.TOPK_MEAN, 2, 0.5).apply(Z, T, 0.5, 0);
        assertEquals(2.0, v.score(), 1e-12);
        assertEquals(sigmoid(1.0), v.pFake(), 1e-12);
        // k above the frame count: all frames, i.e. the mean.
        assertEquals(0.5, new Aggregation(Aggregation.Rule.TOPK_MEAN, 10, 0.5).apply(Z, T, 0.5, 0).score(), 1e-12);
        assertEquals(3.0, new Aggregation(Aggregation.Rule.TOPK_MEAN, 1, 0.5).apply(Z, T, 0.5, 0).score(), 1e-12);
    }

    @Test
    void fractionAboveCountsFramesAtOrAboveTheThreshold() {
        // Calibrated frame p: 0.269, 0.5 (counts: >=), 0.622, 0.818.
        Aggregation half = new Aggregation(Aggregation.Rule.FRACTION_ABOVE, 5, 0.5);
        VideoVerdict v = half.apply(Z, T, 0.5, 0);
        assertEquals(0.75, v.pFake(), 1e-12);
        assertEquals(Verdict.FAKE, v.verdict());
        assertEquals(Verdict.REAL, new Aggregation(Aggregation.Rule.FRACTION_ABOVE, 5, 0.8).apply(Z, T, 0.5, 0)
                .verdict());
        assertEquals(0.25, half.apply(Z, T, 0.7, 0).pFake(), 1e-12);
        assertEquals(Verdict.REAL, half.apply(Z, T, 0.7, 0).verdict());
    }

    @Test
    void uncertaintyBandAndOneFrameBehaveLikeAnImage() {
        VideoVerdict one = Aggregation.meanLogit().apply(new double[] {0.2}, 1, 0.5, 0.1);
        assertEquals(sigmoid(0.2), one.pFake(), 1e-12);
        assertEquals(Verdict.UNCERTAIN, one.verdict());
    }

    @Test
    void rulesParseFromTheirIdsAndRejectNonsense() {
        assertEquals(Aggregation.Rule.TOPK_MEAN, Aggregation.Rule.fromId("topk-mean"));
        assertEquals("fraction-above", Aggregation.Rule.FRACTION_ABOVE.id());
        assertThrows(IllegalArgumentException.class, () -> Aggregation.Rule.fromId("median"));
        assertThrows(IllegalArgumentException.class, () -> Aggregation.meanLogit().apply(new double[0], 1, 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Aggregation(Aggregation.Rule.TOPK_MEAN, 0, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new Aggregation(Aggregation.Rule.FRACTION_ABOVE, 1, 1.5));
    }
}
