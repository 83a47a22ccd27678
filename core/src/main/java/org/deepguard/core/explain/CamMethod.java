package org.deepguard.core.explain;

import java.util.List;
import java.util.Locale;

/**
 * A class-activation-map method: only how channel weights w_k come from activations and gradients. The shared
 * mechanism ({@link Explainer}) turns them into ReLU(sum_k w_k A_k), normalised and upsampled.
 */
public interface CamMethod {
    /** Stable id used on the command line and in JSON ("gradcam", "gradcampp"). */
    String id();

    double[] channelWeights(LayerCapture capture);

    CamMethod GRAD_CAM = new GradCam();
    CamMethod GRAD_CAM_PLUS_PLUS = new GradCamPlusPlus();

    static List<CamMethod> all() {
        return List.of(GRAD_CAM, GRAD_CAM_PLUS_PLUS);
    }

    static CamMethod byId(String id) {
        String key = id.toLowerCase(Locale.ROOT).replace("-", "").replace("+", "p");
        for (CamMethod m : all()) {
            if (m.id().equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + id + "' (use gradcam or gradcampp)");
    }
}
