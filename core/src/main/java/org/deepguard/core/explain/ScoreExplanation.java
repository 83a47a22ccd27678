package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a person needs about one image's score, computed once for the page, video frames and the report: the
 * whole-score map (occlusion by default: what in the image moves the score {@code detect} reports), the score's
 * split into the network's share and the cue's feature groups ({@link ScoreBreakdown}), and how faithful the map
 * is to that score ({@link Faithfulness}, deletion and insertion). Cost: the map's evaluations (50 for 7 x 7
 * occlusion) plus {@link Faithfulness#EVALUATIONS} (22) when asked for, plus one network pass for the breakdown.
 *
 * @param prediction   the image's verdict, as {@code detect} reports it
 * @param targetClass  the class explained (the verdict's side of the threshold)
 * @param map          the whole-score map
 * @param breakdown    the score's shares
 * @param faithfulness of {@code map} on the whole score, or null when not measured
 */
public record ScoreExplanation(Prediction prediction, int targetClass, ScoreMaps.Result map, ScoreBreakdown breakdown,
                               Faithfulness faithfulness) {

    /** Explains {@code rgb} with occlusion (or RISE when {@code rise}) under {@code options}. */
    public static ScoreExplanation of(Detector detector, BufferedImage rgb, boolean rise, ScoreMaps.Options options,
                                      boolean measureFaithfulness) {
        Prediction p = detector.predictPrepared(java.util.List.of(detector.prepare(rgb))).get(0);
        int target = p.pFake() >= p.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL;
        ImageScorer scorer = ImageScorer.of(detector);
        ScoreMaps.Result m = rise ? ScoreMaps.rise(scorer, rgb, target, options)
                : ScoreMaps.occlusion(scorer, rgb, target, options);
        Faithfulness f = measureFaithfulness ? Faithfulness.measure(scorer, rgb, m.heat(), options.baseline()) : null;
        return new ScoreExplanation(p, target, m, ScoreBreakdown.of(detector, rgb), f);
    }

    /** Cost of {@link #of} in whole-image score evaluations. */
    public int evaluations() {
        return map.evaluations() + (faithfulness == null ? 0 : Faithfulness.EVALUATIONS);
    }

    /** The JSON form (numbers only; callers add the pictures). */
    public Map<String, Object> toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("class", targetClass == HybridNetwork.FAKE ? "fake" : "real");
        o.put("method", map.method());
        o.put("scope", map.describe() + ": the score detect reports (all patches, all ensemble members, the fused "
                + "cue)");
        o.put("evaluations", evaluations());
        o.put("map_max_log_odds", map.signed().max());
        o.put("contributions", breakdown.toJson());
        if (faithfulness != null) {
            o.put("faithfulness", faithfulness.toJson("whole score", "pixels replaced by the "
                    + map.baseline().name().toLowerCase(Locale.ROOT) + " image, hottest first; insertion restores "
                    + "them hottest first from it"));
        }
        return o;
    }
}
