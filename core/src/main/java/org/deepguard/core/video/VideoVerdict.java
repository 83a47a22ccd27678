package org.deepguard.core.video;

import org.deepguard.core.model.Prediction;

/**
 * The verdict on one video.
 *
 * @param aggregation the rule that produced it
 * @param score       the rule's raw value: aggregated log-odds, or the fraction of fake frames
 * @param pFake       calibrated probability of fake (the fraction itself for {@code fraction-above})
 * @param threshold   the per-frame / per-video decision threshold applied
 * @param verdict     the label
 * @param frames      frames aggregated
 */
public record VideoVerdict(Aggregation aggregation, double score, double pFake, double threshold,
                           Prediction.Verdict verdict, int frames) {
}
