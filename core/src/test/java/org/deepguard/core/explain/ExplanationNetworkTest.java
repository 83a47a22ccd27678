package org.deepguard.core.explain;

import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactness of the captured gradients, checked against central finite differences in double precision. */
class ExplanationNetworkTest {
    static final int SIZE = 16;
    static NetworkConfig config;
    static ComputationGraph original;
    static ExplanationNetwork explain;

    @BeforeAll
    static void build() {
        Nd4j.getRandom().setSeed(11);
        config = ExplainTestSupport.tinyConfig(SIZE, 5);
        original = ExplainTestSupport.tinyNetwork(config, DataType.DOUBLE, 9);
        explain = ExplanationNetwork.of(original);
    }

    /** log(p_fake / p_real) of the untouched original network = logit difference. */
    private static double logOdds(INDArray x) {
        INDArray p = original.outputSingle(false, x);
        return Math.log(p.getDouble(0, 1)) - Math.log(p.getDouble(0, 0));
    }

    @Test
    void logitsOfTheCopyMatchTheOriginalSoftmax() {
        INDArray x = ExplainTestSupport.randomInput(SIZE, 1, DataType.DOUBLE);
        INDArray z = explain.logits(x);
        assertEquals(logOdds(x), z.getDouble(0, 1) - z.getDouble(0, 0), 1e-9);
        // Non-trivial BN statistics are in play: the copy really folded them (outputs would differ otherwise).
        assertTrue(explain.foldedVertices().contains("cnn1_conv"));
    }

    @Test
    void inputGradientMatchesFiniteDifferencesThroughFoldedBatchNorm() {
        INDArray x = ExplainTestSupport.randomInput(SIZE, 2, DataType.DOUBLE);
        LayerCapture fake = explain.capture(x, HybridNetwork.INPUT, HybridNetwork.FAKE);
        LayerCapture real = explain.capture(x, HybridNetwork.INPUT, HybridNetwork.REAL);
        Random r = new Random(3);
        double h = 1e-5;
        int checked = 0;
        double maxAbs = 0;
        for (int t = 0; t < 24; t++) {
            int c = r.nextInt(3);
            int y = r.nextInt(SIZE);
            int xx = r.nextInt(SIZE);
            double v = x.getDouble(0, c, y, xx);
            x.putScalar(new long[] {0, c, y, xx}, v + h);
            double up = logOdds(x);
            x.putScalar(new long[] {0, c, y, xx}, v - h);
            double down = logOdds(x);
            x.putScalar(new long[] {0, c, y, xx}, v);
            double numeric = (up - down) / (2 * h);
            double analytic = fake.gradients()[c][y * SIZE + xx] - real.gradients()[c][y * SIZE + xx];
            maxAbs = Math.max(maxAbs, Math.abs(numeric));
            assertEquals(numeric, analytic, 1e-6 + 1e-5 * Math.abs(numeric),
                    "d logodds / d input[" + c + "," + y + "," + xx + "]");
            checked++;
        }
        assertEquals(24, checked);
        assertTrue(maxAbs > 1e-4, "gradients must not be trivially zero");
    }

    @Test
    void intermediateGradientMatchesFiniteDifferencesOfAnIndependentTail() {
        INDArray x = ExplainTestSupport.randomInput(SIZE, 4, DataType.DOUBLE);
        String layer = HybridNetwork.cnnActivation(2);
        LayerCapture cap = explain.capture(x, layer, HybridNetwork.FAKE);
        // Activations equal the original network's (BN folding is invisible at the ReLU).
        INDArray origAct = original.feedForward(x, false).get(layer);
        double[] flat = origAct.dup('c').reshape(-1).toDoubleVector();
        int hw = cap.height() * cap.width();
        for (int k = 0; k < cap.channels(); k++) {
            for (int i = 0; i < hw; i++) {
                assertEquals(flat[k * hw + i], cap.activations()[k][i], 1e-10);
            }
        }
        assertEquals(cap.logits()[HybridNetwork.FAKE], tail(flat, cap.channels(), hw)[HybridNetwork.FAKE], 1e-9,
                "the hand-written tail reproduces the network");
        double h = 1e-6;
        Random r = new Random(8);
        for (int t = 0; t < 16; t++) {
            int idx = r.nextInt(flat.length);
            double v = flat[idx];
            flat[idx] = v + h;
            double up = tail(flat, cap.channels(), hw)[HybridNetwork.FAKE];
            flat[idx] = v - h;
            double down = tail(flat, cap.channels(), hw)[HybridNetwork.FAKE];
            flat[idx] = v;
            double numeric = (up - down) / (2 * h);
            assertEquals(numeric, cap.gradients()[idx / hw][idx % hw], 1e-7 + 1e-6 * Math.abs(numeric));
        }
    }

    @Test
    void withoutFoldingDl4jsBatchNormBackwardPassWouldBeWrong() {
        // Guards the reason for the copy: DL4J's BN backward uses batch statistics even at inference.
        INDArray x = ExplainTestSupport.randomInput(SIZE, 6, DataType.DOUBLE);
        ExplanationNetwork unfolded = ExplanationNetwork.of(original, false);
        LayerCapture naive = unfolded.capture(x, HybridNetwork.INPUT, HybridNetwork.FAKE);
        LayerCapture exact = explain.capture(x, HybridNetwork.INPUT, HybridNetwork.FAKE);
        assertEquals(exact.logits()[1], naive.logits()[1], 1e-9, "same forward pass");
        double diff = 0;
        double norm = 0;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < SIZE * SIZE; i++) {
                diff += Math.abs(naive.gradients()[c][i] - exact.gradients()[c][i]);
                norm += Math.abs(exact.gradients()[c][i]);
            }
        }
        assertTrue(diff > 0.05 * norm, "naive BN backprop differs from the exact gradient: " + diff / norm);
    }

    /** GAP -> dense(ReLU) -> BN(inference) -> [dropout = identity] -> output logits, from the original params. */
    private static double[] tail(double[] act, int channels, int hw) {
        double[] gap = new double[channels];
        for (int k = 0; k < channels; k++) {
            for (int i = 0; i < hw; i++) {
                gap[k] += act[k * hw + i] / hw;
            }
        }
        Layer dense = original.getLayer("head_dense1");
        INDArray w = dense.getParam("W");
        INDArray b = dense.getParam("b");
        int units = (int) w.size(1);
        double[] hidden = new double[units];
        Layer bn = original.getLayer("head_bn1");
        for (int j = 0; j < units; j++) {
            double s = b.getDouble(0, j);
            for (int k = 0; k < channels; k++) {
                s += gap[k] * w.getDouble(k, j);
            }
            s = Math.max(s, 0);
            double std = Math.pow(10, bn.getParam("log10stdev").getDouble(j));
            double xhat = (s - bn.getParam("mean").getDouble(j)) / Math.sqrt(std * std + 1e-5);
            hidden[j] = bn.getParam("gamma").getDouble(j) * xhat + bn.getParam("beta").getDouble(j);
        }
        Layer out = original.getLayer(HybridNetwork.OUTPUT);
        double[] z = new double[2];
        for (int c = 0; c < 2; c++) {
            double s = out.getParam("b").getDouble(0, c);
            for (int j = 0; j < units; j++) {
                s += hidden[j] * out.getParam("W").getDouble(j, c);
            }
            z[c] = s;
        }
        return z;
    }
}
