package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.Prediction;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Does the model rely on what the map highlights? Pixels are removed in order of heat (set to 0 in the normalised
 * tensor, i.e. the preprocessing's mean colour) and the calibrated fake probability is re-read.
 *
 * @param pFake        p_fake of the untouched image
 * @param dropTop10    pFake minus p_fake with the hottest 10% of pixels removed
 * @param dropTop20    the same for 20%
 * @param deletionAuc  area under p_fake versus fraction removed (0 .. 1, {@code steps + 1} points, trapezoid);
 *                     lower means the highlighted pixels carry the fake evidence
 * @param deletionCurve p_fake at each fraction 0, 1/steps, ..., 1
 */
public record Faithfulness(double pFake, double dropTop10, double dropTop20, double deletionAuc,
                           double[] deletionCurve) {
    public static final int STEPS = 10;

    /** All perturbed copies go through the detector in one batch (STEPS + 1 forward passes' worth). */
    public static Faithfulness measure(Detector detector, float[] tensor, Heatmap upsampled) {
        int plane = upsampled.width() * upsampled.height();
        if (tensor.length != 3 * plane) {
            throw new IllegalArgumentException("map and tensor sizes differ");
        }
        double[] heat = upsampled.values();
        Integer[] order = IntStream.range(0, plane).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -heat[i]));
        List<float[]> batch = new ArrayList<>(STEPS + 1);
        for (int s = 0; s <= STEPS; s++) {
            int removed = (int) Math.round((double) plane * s / STEPS);
            float[] t = tensor.clone();
            for (int j = 0; j < removed; j++) {
                int p = order[j];
                t[p] = 0;
                t[plane + p] = 0;
                t[2 * plane + p] = 0;
            }
            batch.add(t);
        }
        List<Prediction> preds = detector.predictTensors(batch);
        double[] curve = preds.stream().mapToDouble(Prediction::pFake).toArray();
        double auc = 0;
        for (int s = 0; s < STEPS; s++) {
            auc += (curve[s] + curve[s + 1]) / 2 / STEPS;
        }
        return new Faithfulness(curve[0], curve[0] - curve[1], curve[0] - curve[2], auc, curve);
    }
}
