package org.deepguard.core.explain;

/**
 * Grad-CAM++ (Chattopadhay et al., 2018) in its common closed form for an exponential-free score:
 * alpha = g^2 / (2 g^2 + sum_ab(A) g^3 + eps), zero where g = 0; w_k = sum_ab ReLU(g) alpha.
 */
public final class GradCamPlusPlus implements CamMethod {
    static final double EPS = 1e-7;

    @Override
    public String id() {
        return "gradcampp";
    }

    @Override
    public double[] channelWeights(LayerCapture c) {
        double[] w = new double[c.channels()];
        for (int k = 0; k < w.length; k++) {
            double[] a = c.activations()[k];
            double[] g = c.gradients()[k];
            double sumA = 0;
            for (double v : a) {
                sumA += v;
            }
            double s = 0;
            for (double gi : g) {
                if (gi == 0) {
                    continue;
                }
                double g2 = gi * gi;
                double alpha = g2 / (2 * g2 + sumA * g2 * gi + EPS);
                s += Math.max(gi, 0) * alpha;
            }
            w[k] = s;
        }
        return w;
    }

    @Override
    public String toString() {
        return id();
    }
}
