package org.deepguard.core.explain;

import org.deepguard.core.model.HybridNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sanity checks (Adebayo et al., 2018) on a trained model of a task whose evidence location is known: the heat lands on
 * the evidence, and randomising the weights destroys the map.
 */
class PointingGameTest {
    static ComputationGraph trained;
    static ExplanationNetwork net;
    static final String LAYER = HybridNetwork.cnnActivation(2);

    @BeforeAll
    static void train() {
        trained = PatchTask.trained(5);
        net = ExplanationNetwork.of(trained);
    }

    @Test
    void trainedModelSeparatesTheTask() {
        Random r = new Random(99);
        int correct = 0;
        for (int i = 0; i < 40; i++) {
            PatchTask.Sample s = PatchTask.sample(r, i % 2 == 0);
            double[] z = net.logits(PatchTask.batch(s)).toDoubleVector();
            correct += (z[1] > z[0]) == s.fake() ? 1 : 0;
        }
        assertTrue(correct >= 36, "accuracy " + correct + "/40");
    }

    @Test
    void heatLandsOnTheEvidence() {
        int n = 40;
        for (CamMethod m : CamMethod.all()) {
            int hits = 0;
            int centreHits = 0;
            for (int i = 0; i < n; i++) {
                PatchTask.Sample s = PatchTask.sample(new Random(1000 + i), true);
                Heatmap map = Explainer.camMap(net.capture(PatchTask.batch(s), LAYER, HybridNetwork.FAKE), m)
                        .resize(PatchTask.SIZE, PatchTask.SIZE);
                int best = map.argmax();
                hits += onPatch(best % PatchTask.SIZE, best / PatchTask.SIZE, s) ? 1 : 0;
                // A map that ignores the model (a fixed centre bias) as the control.
                centreHits += onPatch(PatchTask.SIZE / 2, PatchTask.SIZE / 2, s) ? 1 : 0;
            }
            System.out.println(m.id() + " pointing game " + hits + "/" + n + ", centre baseline " + centreHits);
            assertTrue(hits >= 0.9 * n, m.id() + ": pointing-game hits " + hits + "/" + n);
            assertTrue(centreHits < 0.5 * n, "control must fail: " + centreHits);
        }
    }

    /** Inside the patch, with one map cell (2 px at this layer) of slack for the upsampling. */
    private static boolean onPatch(int x, int y, PatchTask.Sample s) {
        int slack = 2;
        return x >= s.px() - slack && x < s.px() + PatchTask.PATCH + slack
                && y >= s.py() - slack && y < s.py() + PatchTask.PATCH + slack;
    }

    @Test
    void cascadingRandomisationDecorrelatesTheMap() {
        int images = 6;
        for (CamMethod m : CamMethod.all()) {
            double sumLast = 0;
            for (int i = 0; i < images; i++) {
                INDArray x = PatchTask.batch(PatchTask.sample(new Random(7 + i), true));
                Heatmap before = Explainer.camMap(net.capture(x, LAYER, HybridNetwork.FAKE), m);
                assertTrue(before.max() > 0);
                List<Sanity.Step> steps = Sanity.cascadingRandomisation(net, x, LAYER, m, HybridNetwork.FAKE, 3 + i);
                assertEquals(List.of("output", "head_bn1", "head_dense1", "cnn2_conv", "cnn1_conv"),
                        steps.stream().map(Sanity.Step::layer).toList());
                sumLast += steps.get(steps.size() - 1).spearman();
                // The check works on a copy: the model itself is untouched.
                assertEquals(0.0, maxDiff(before, Explainer.camMap(net.capture(x, LAYER, HybridNetwork.FAKE), m)));
            }
            double meanLast = sumLast / images;
            System.out.println(m.id() + " mean rank correlation after full randomisation " + meanLast);
            // A map that ignored the weights would stay at 1.
            assertTrue(meanLast < 0.5, m.id() + ": fully randomised maps still correlate: " + meanLast);
        }
    }

    private static double maxDiff(Heatmap a, Heatmap b) {
        double d = 0;
        for (int i = 0; i < a.values().length; i++) {
            d = Math.max(d, Math.abs(a.values()[i] - b.values()[i]));
        }
        return d;
    }
}
