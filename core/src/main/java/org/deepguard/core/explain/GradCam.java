package org.deepguard.core.explain;

/** Grad-CAM (Selvaraju et al., 2017): w_k = spatial mean of the gradient. */
public final class GradCam implements CamMethod {
    @Override
    public String id() {
        return "gradcam";
    }

    @Override
    public double[] channelWeights(LayerCapture c) {
        double[] w = new double[c.channels()];
        for (int k = 0; k < w.length; k++) {
            double s = 0;
            for (double g : c.gradients()[k]) {
                s += g;
            }
            w[k] = s / c.gradients()[k].length;
        }
        return w;
    }

    @Override
    public String toString() {
        return id();
    }
}
