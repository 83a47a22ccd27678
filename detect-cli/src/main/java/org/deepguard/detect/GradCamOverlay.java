package org.deepguard.detect;

import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;

/**
 * The page's heatmap: Grad-CAM++ from core's explanation engine on its default layer, for the class the page shows
 * (fake when p_fake reaches the threshold, real otherwise), blended over what the network saw.
 */
final class GradCamOverlay implements DetectServer.OverlayRenderer {
    /** Opacity of the colour layer: enough to read the heat, little enough to see the face under it. */
    static final double ALPHA = 0.45;

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
    public BufferedImage render(float[] tensor, Prediction prediction) {
        int target = prediction.pFake() >= prediction.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL;
        Explanation e = explainer.explain(tensor, layer, CamMethod.GRAD_CAM_PLUS_PLUS, target);
        return Overlays.overlay(Overlays.inputImage(tensor, explainer.preprocessor().spec()), e.upsampled(), ALPHA);
    }
}
