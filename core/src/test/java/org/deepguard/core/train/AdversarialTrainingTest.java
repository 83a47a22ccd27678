package org.deepguard.core.train;

import org.deepguard.core.explain.ExplainTestSupport;
import org.deepguard.core.explain.ExplanationNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hardening step's adversarial copies: inside the budget and the pixel range, and against the true class. */
class AdversarialTrainingTest {
    @Test
    void adversarialCopiesStayInTheBudgetAndPushEveryViewTowardsTheWrongClass() {
        int size = 16;
        NetworkConfig config = ExplainTestSupport.tinyConfig(size, 3);
        ComputationGraph net = ExplainTestSupport.tinyNetwork(config, DataType.FLOAT, 4);
        Preprocessing prep = Preprocessing.defaults(size);
        Nd4j.getRandom().setSeed(5);
        // views of random 8-bit images, normalised as the preprocessor does
        int n = 4;
        float[] x = new float[n * 3 * size * size];
        SplittableRandom r = new SplittableRandom(6);
        int hw = size * size;
        for (int i = 0; i < x.length; i++) {
            int c = (i / hw) % 3;
            x[i] = (r.nextInt(256) / 255f - prep.mean()[c]) / prep.std()[c];
        }
        INDArray features = Nd4j.create(x, new long[] {n, 3, size, size}, 'c');
        INDArray labels = Nd4j.create(new float[][] {{0, 1}, {1, 0}, {0, 1}, {1, 0}});
        ExplanationNetwork exact = ExplanationNetwork.of(net);
        double[] clean = logOdds(exact, features);
        for (AdversarialTraining at : new AdversarialTraining[] {
                new AdversarialTraining(AdversarialTraining.Method.FGSM_RS, 4, 1),
                new AdversarialTraining(AdversarialTraining.Method.PGD, 4, 3)}) {
            INDArray adv = at.perturb(net, features, labels, prep, new SplittableRandom(7));
            assertArrayEquals(x, features.dup('c').reshape(-1).toFloatVector(), 0f, "the batch is not modified");
            float[] a = adv.dup('c').reshape(-1).toFloatVector();
            for (int i = 0; i < a.length; i++) {
                int c = (i / hw) % 3;
                double pixelDelta = Math.abs(a[i] - x[i]) * prep.std()[c] * 255;
                assertTrue(pixelDelta <= 4 + 1e-3, "value " + i + " moved " + pixelDelta + " levels");
                double pixel = (a[i] * prep.std()[c] + prep.mean()[c]) * 255;
                assertTrue(pixel >= -1e-3 && pixel <= 255 + 1e-3, "value " + i + " left the pixel range");
            }
            double[] z = logOdds(exact, adv);
            for (int k = 0; k < n; k++) {
                boolean fake = labels.getDouble(k, 1) > 0.5;
                assertTrue(fake ? z[k] < clean[k] : z[k] > clean[k], at.method() + " view " + k + ": " + clean[k]
                        + " -> " + z[k]);
            }
        }
        assertEquals(1, new AdversarialTraining(AdversarialTraining.Method.FGSM_RS, 2, 5).steps());
        assertThrows(IllegalArgumentException.class, () -> AdversarialTraining.Method.parse("cw"));
    }

    private static double[] logOdds(ExplanationNetwork net, INDArray batch) {
        INDArray l = net.logits(batch);
        double[] z = new double[(int) l.size(0)];
        for (int i = 0; i < z.length; i++) {
            z[i] = l.getDouble(i, 1) - l.getDouble(i, 0);
        }
        return z;
    }
}
