package org.deepguard.core.explain;

import org.deepguard.core.model.Prediction;

/**
 * One explained image.
 *
 * @param layer       vertex the map was computed on
 * @param method      weighting strategy
 * @param targetClass class index whose logit was explained (0 real, 1 fake)
 * @param prediction  the model's calibrated verdict for the same tensor
 * @param logits      pre-softmax outputs
 * @param map         ReLU'd, min-max normalised map at the layer's resolution
 * @param upsampled   the same, bilinearly resized to the input size
 * @param input       the CHW tensor the network saw
 */
public record Explanation(String layer, CamMethod method, int targetClass, Prediction prediction, double[] logits,
                          Heatmap map, Heatmap upsampled, float[] input) {
}
