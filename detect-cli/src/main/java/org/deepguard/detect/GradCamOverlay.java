package org.deepguard.detect;

import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.image.ImageScaling;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;

/**
 * The page's heatmap: Grad-CAM++ from core's explanation engine on its default layer, for the class the page shows
 * (fake when p_fake reaches the threshold, real otherwise), blended over what the network saw: for a patch-voting
 * model (the `train` default) every inference patch is explained and the maps are stitched over the whole image, as
 * `gradcam` does; otherwise the single preprocessed view. Mosaics are drawn at most {@link #MAX_SIDE} pixels on
 * their longest side (display size; the patches themselves are explained at native resolution).
 */
final class GradCamOverlay implements DetectServer.OverlayRenderer {
    /** Opacity of the colour layer: enough to read the heat, little enough to see the face under it. */
    static final double ALPHA = 0.45;
    /** Longest side of a returned overlay: a page shows it, and a data URI of a 12-megapixel PNG would not help. */
    static final int MAX_SIDE = 768;

    private final Explainer explainer;
    private final String layer;

    private GradCamOverlay(Explainer explainer) {
        this.explainer = explainer;
        this.layer = explainer.defaultLayer();
    }

    static DetectServer.OverlayRenderer forBundle(ModelBundle bundle) {
        return new GradCamOverlay(new Explainer(bundle));
    }

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
