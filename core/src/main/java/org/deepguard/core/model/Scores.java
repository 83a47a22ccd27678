package org.deepguard.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Turning network outputs into calibrated fake probabilities. */
public final class Scores {
    private static final double EPS = 1e-7;

    private Scores() {}

    /** log(p_fake / p_real) from the softmax output, clamped where float32 saturates. */
    public static double logOdds(double pReal, double pFake) {
        return Math.log(Math.max(pFake, EPS)) - Math.log(Math.max(pReal, EPS));
    }

    public static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** p_fake after temperature scaling: sigmoid(logOdds / T). */
    public static double calibrated(double logOdds, double temperature) {
        return sigmoid(logOdds / temperature);
    }

    /** Per-row log-odds of a [n, 2] softmax output. */
    public static double[] logOdds(INDArray softmax) {
        long n = softmax.size(0);
        double[] out = new double[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = logOdds(softmax.getDouble(i, HybridNetwork.REAL), softmax.getDouble(i, HybridNetwork.FAKE));
        }
        return out;
    }
}
