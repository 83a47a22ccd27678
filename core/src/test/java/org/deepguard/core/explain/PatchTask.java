package org.deepguard.core.explain;

import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Random;

/**
 * A synthetic task where the evidence's location is known: "fake" images carry a small high-frequency checkerboard
 * patch at a random place on a smooth noisy background; "real" images carry a smooth blob of the same size instead
 * (so "there is a patch" alone does not decide the class).
 */
public final class PatchTask {
    public static final int SIZE = 32;
    public static final int PATCH = 6;

    /** One sample: CHW tensor and the patch's top-left corner. */
    public record Sample(float[] tensor, boolean fake, int px, int py) {
    }

    private PatchTask() {}

    public static Sample sample(Random r, boolean fake) {
        float[] t = new float[3 * SIZE * SIZE];
        double fx = r.nextDouble() * 0.3;
        double fy = r.nextDouble() * 0.3;
        double ph = r.nextDouble() * 6.28;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    t[(c * SIZE + y) * SIZE + x] = (float) (0.4 * Math.sin(fx * x + fy * y + ph + c)
                            + 0.1 * r.nextGaussian());
                }
            }
        }
        int px = r.nextInt(SIZE - PATCH + 1);
        int py = r.nextInt(SIZE - PATCH + 1);
        for (int y = 0; y < PATCH; y++) {
            for (int x = 0; x < PATCH; x++) {
                double v = fake ? (((x + y) & 1) == 0 ? 1.0 : -1.0) : 0.8;
                for (int c = 0; c < 3; c++) {
                    t[(c * SIZE + py + y) * SIZE + px + x] += (float) v;
                }
            }
        }
        return new Sample(t, fake, px, py);
    }

    public static NetworkConfig config() {
        return new NetworkConfig(SIZE, Backbone.NONE, BackboneWeights.RANDOM, new int[] {8, 16}, new int[] {16},
                new double[] {0.0}, 0, 17);
    }

    private static final java.util.Map<Long, ComputationGraph> TRAINED = new java.util.HashMap<>();

    /**
     * {@link #train} once per seed and JVM (about 20 s on two cores): tests that only read the trained network share
     * it; a test that changes weights works on a {@code clone()}.
     */
    public static synchronized ComputationGraph trained(long seed) {
        return TRAINED.computeIfAbsent(seed, PatchTask::train);
    }

    /** Trains the tiny hybrid (CNN branch only): 25 steps of 20 images separate the classes. */
    public static ComputationGraph train(long seed) {
        Nd4j.getRandom().setSeed(seed);
        ComputationGraph g = HybridNetwork.build(config(), new Adam(3e-3), null);
        Random r = new Random(seed);
        int n = 20;
        for (int step = 0; step < 25; step++) {
            float[] x = new float[n * 3 * SIZE * SIZE];
            float[] y = new float[n * 2];
            for (int i = 0; i < n; i++) {
                Sample s = sample(r, i % 2 == 0);
                System.arraycopy(s.tensor(), 0, x, i * s.tensor().length, s.tensor().length);
                y[i * 2 + (s.fake() ? 1 : 0)] = 1;
            }
            g.fit(new DataSet(Nd4j.create(x, new long[] {n, 3, SIZE, SIZE}, 'c'), Nd4j.create(y, new long[] {n, 2})));
        }
        return g;
    }

    public static INDArray batch(Sample s) {
        return Nd4j.create(s.tensor(), new long[] {1, 3, SIZE, SIZE}, 'c');
    }
}
