package org.deepguard.core.explain;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the explanation mechanism reads at one vertex for one image: activations A and gradients g = d(logit)/dA,
 * both as [channel][y * width + x].
 *
 * @param layer       vertex name
 * @param targetClass the class whose logit was differentiated
 * @param logits      the network's pre-softmax outputs for the image
 */
public record LayerCapture(String layer, int targetClass, double[] logits, int channels, int height, int width,
                           double[][] activations, double[][] gradients) {

    static LayerCapture of(String layer, int targetClass, double[] logits, INDArray a, INDArray g) {
        if (a.rank() != 4) {
            throw new IllegalArgumentException("layer '" + layer + "' has no spatial map (shape "
                    + java.util.Arrays.toString(a.shape()) + "); choose a convolutional layer");
        }
        int c = (int) a.size(1);
        int h = (int) a.size(2);
        int w = (int) a.size(3);
        return new LayerCapture(layer, targetClass, logits, c, h, w, planes(a, c, h * w), planes(g, c, h * w));
    }

    private static double[][] planes(INDArray x, int c, int hw) {
        double[] flat = x.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
        double[][] out = new double[c][hw];
        for (int k = 0; k < c; k++) {
            System.arraycopy(flat, k * hw, out[k], 0, hw);
        }
        return out;
    }

    /** The class score that was differentiated. */
    public double score() {
        return logits[targetClass];
    }
}
