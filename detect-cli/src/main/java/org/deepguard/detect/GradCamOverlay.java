package org.deepguard.detect;

import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.explain.ScoreExplanation;
import org.deepguard.core.explain.ScoreMaps;
import org.deepguard.core.model.Detector;
import org.deepguard.core.image.ImageScaling;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * The page's heatmap: Grad-CAM++ from core's explanation engine on its default layer, for the class the page shows
 * (fake when p_fake reaches the threshold, real otherwise), blended over what the network saw: for a patch-voting
 * model (the `train` default) every inference patch is explained and the maps are stitched over the whole image, as
 * `gradcam` does; otherwise the single preprocessed view. Mosaics are drawn at most {@link #MAX_SIDE} pixels on
 * their longest side (display size; the patches themselves are explained at native resolution). Grad-CAM++ maps
 * of an ensemble average every member. Beside it, {@link #explain} gives the page the whole score's explanation.
 */
final class GradCamOverlay implements DetectServer.OverlayRenderer {
    /** Opacity of the colour layer: enough to read the heat, little enough to see the face under it. */
    static final double ALPHA = 0.45;
    /** Longest side of a returned overlay: a page shows it, and a data URI of a 12-megapixel PNG would not help. */
    static final int MAX_SIDE = 768;

    /** The page's whole-score map: 7 x 7 occlusion on a blurred baseline (50 score evaluations). */
    static final ScoreMaps.Options WHOLE_SCORE = ScoreMaps.Options.defaults().withMaxSide(MAX_SIDE);

    private final Explainer explainer;
    private final String layer;
    private final Detector detector;

    private GradCamOverlay(Explainer explainer, Detector detector) {
        this.explainer = explainer;
        this.layer = explainer.defaultLayer();
        this.detector = detector;
    }

    static GradCamOverlay forBundle(ModelBundle bundle) {
        return forDetector(new Detector(bundle));
    }

    /** Overlays plus whole-score explanations of {@code detector}'s score (its threshold decides the class). */
    static GradCamOverlay forDetector(Detector detector) {
        return new GradCamOverlay(new Explainer(detector.bundle()), detector);
    }

    /**
     * The explanation of the whole score for the page: an occlusion map over the image (what moves the score detect
     * reports, cue included), the score's shares as bars and numbers, and the map's faithfulness; 72 score
     * evaluations. Pictures are PNG data URIs at display size.
     */
    @Override
    public Map<String, Object> explain(BufferedImage rgb, Prediction prediction) {
        ScoreExplanation e = ScoreExplanation.of(detector, rgb, false, WHOLE_SCORE, true);
        Map<String, Object> o = e.toJson();
        o.put("overlay", DetectServer.dataUri(Overlays.overlay(fit(rgb), e.map().heat(), ALPHA)));
        o.put("contributions_chart", DetectServer.dataUri(e.breakdown().chartImage(560, 360)));
        o.put("gradcam", Map.of("method", CamMethod.GRAD_CAM_PLUS_PLUS.id(), "members", explainer.members(),
                "scope", "network part of the score" + (explainer.members() > 1 ? ", maps of all "
                        + explainer.members() + " ensemble members averaged" : "")));
        return o;
    }

    /** The whole-score explanation of a video frame, its map drawn over the frame and its bar chart. */
    Explained explainFrame(BufferedImage rgb) {
        ScoreExplanation e = ScoreExplanation.of(detector, rgb, false, WHOLE_SCORE, true);
        return new Explained(e, Overlays.overlay(fit(rgb), e.map().heat(), ALPHA), e.breakdown().chartImage(560,
                360));
    }

    record Explained(ScoreExplanation explanation, BufferedImage overlay, BufferedImage chart) {}

    @Override
    public BufferedImage render(BufferedImage rgb, Prediction prediction) {
        int target = prediction.pFake() >= prediction.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL;
        if (explainer.preprocessor().spec().patches() != null) {
            Explainer.Mosaic m = explainer.explainMosaic(rgb, layer, CamMethod.GRAD_CAM_PLUS_PLUS, target, MAX_SIDE);
            // as in `gradcam`, over the decoded image, here at display size (the map is resized to it when they
            // differ, e.g. when a small image was enlarged into a patch)
            return Overlays.overlay(fit(rgb), m.map(), ALPHA);
        }
        float[] tensor = explainer.preprocessor().toTensor(rgb);
        Explanation e = explainer.explain(tensor, layer, CamMethod.GRAD_CAM_PLUS_PLUS, target);
        return Overlays.overlay(Overlays.inputImage(tensor, explainer.preprocessor().spec()), e.upsampled(), ALPHA);
    }

    /** The image shrunk so its longest side is at most {@link #MAX_SIDE}, aspect kept (unchanged when smaller). */
    static BufferedImage fit(BufferedImage img) {
        return ImageScaling.fit(img, MAX_SIDE);
    }
}
