package org.deepguard.detect;

import org.deepguard.core.model.ModelBundle;

/** The page's heatmap: Grad-CAM++ from core's explanation engine (arrives with the gradcam merge). */
final class GradCamOverlay {
    private GradCamOverlay() {}

    /** Null while the engine is not available: the page then shows the verdict only. */
    static DetectServer.OverlayRenderer forBundle(ModelBundle bundle) {
        return null;
    }
}
