package org.deepguard.core.train;

import org.deepguard.core.explain.ExplanationNetwork;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.preprocess.Preprocessing;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Adversarial training (hardening): each training batch is replaced by adversarial copies of its views, found
 * against the network being trained, before the step (Madry et al. 2018). The attack works on the network's input
 * (the normalised patch tensor) under an L-inf budget of {@code eps} 8-bit levels, kept inside the valid pixel range,
 * and pushes every view towards the wrong class along the exact input gradient of its log-odds (the same backward
 * pass as the explanations and the white-box attacks: an inference copy of the current weights with BatchNorm
 * folded). Two variants:
 * <ul>
 *   <li>{@code fgsm-rs}: FGSM from a uniform random start with step 1.25 eps (Wong, Rice and Kolter 2020, "Fast is
 *       better than free"): one gradient per batch;</li>
 *   <li>{@code pgd}: {@code steps} sign steps of 2.5 eps / steps from a uniform random start.</li>
 * </ul>
 */
public record AdversarialTraining(Method method, double eps, int steps) {
    public enum Method {
        FGSM_RS("fgsm-rs"), PGD("pgd");

        private final String key;

        Method(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.key.equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown adversarial training '" + s + "' (fgsm-rs or pgd)");
        }
    }

    public AdversarialTraining {
        if (method == null || !(eps > 0) || eps > 64 || steps < 1) {
            throw new IllegalArgumentException("adversarial training needs a method, eps in (0, 64] levels and "
                    + "steps >= 1");
        }
        if (method == Method.FGSM_RS) {
            steps = 1;
        }
    }

    /** For the bundle's provenance. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.key());
        m.put("eps_levels", eps);
        m.put("steps", steps);
        m.put("step_size", method == Method.FGSM_RS ? "1.25 eps" : "2.5 eps / steps");
        m.put("start", "uniform in the ball");
        return m;
    }

    /**
     * Adversarial copies of a batch of normalised NCHW views (the input is not modified).
     *
     * @param labels one-hot [n, 2] (real, fake)
     */
    public INDArray perturb(ComputationGraph net, INDArray features, INDArray labels, Preprocessing prep,
                            SplittableRandom random) {
        ExplanationNetwork exact = ExplanationNetwork.of(net);
        long n = features.size(0);
        long c = features.size(1);
        long hw = features.size(2) * features.size(3);
        float[] x0 = features.castTo(DataType.FLOAT).dup('c').reshape(-1).toFloatVector();
        float[] lo = new float[x0.length];
        float[] hi = new float[x0.length];
        float[] e = new float[(int) c];
        for (int ch = 0; ch < c; ch++) {
            e[ch] = (float) (eps / 255.0 / prep.std()[ch]);
        }
        for (int i = 0; i < x0.length; i++) {
            int ch = (int) ((i / hw) % c);
            float min = (0f - prep.mean()[ch]) / prep.std()[ch];
            float max = (1f - prep.mean()[ch]) / prep.std()[ch];
            lo[i] = Math.max(min, x0[i] - e[ch]);
            hi[i] = Math.min(max, x0[i] + e[ch]);
        }
        float[] x = new float[x0.length];
        for (int i = 0; i < x.length; i++) {
            int ch = (int) ((i / hw) % c);
            x[i] = clamp(x0[i] + (float) ((2 * random.nextDouble() - 1) * e[ch]), lo[i], hi[i]);
        }
        // towards the wrong class: down the log-odds for a fake, up for a real
        INDArray seed = Nd4j.zeros(exact.dataType(), n, 2);
        for (int r = 0; r < n; r++) {
            double s = labels.getDouble(r, HybridNetwork.FAKE) > 0.5 ? -1 : 1;
            seed.putScalar(r, HybridNetwork.REAL, -s);
            seed.putScalar(r, HybridNetwork.FAKE, s);
        }
        double factor = method == Method.FGSM_RS ? 1.25 : 2.5 / steps;
        for (int t = 0; t < steps; t++) {
            INDArray batch = Nd4j.create(x, features.shape(), 'c');
            float[] g = exact.inputGradient(batch, seed)[1].castTo(DataType.FLOAT).dup('c').reshape(-1)
                    .toFloatVector();
            for (int i = 0; i < x.length; i++) {
                int ch = (int) ((i / hw) % c);
                x[i] = clamp(x[i] + (float) factor * e[ch] * Math.signum(g[i]), lo[i], hi[i]);
            }
        }
        return Nd4j.create(x, features.shape(), 'c').castTo(features.dataType());
    }

    private static float clamp(float v, float lo, float hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
