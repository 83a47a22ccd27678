package org.deepguard.core.attack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fast gradient sign method (Goodfellow et al. 2015): one step of size eps along the sign of the score's gradient
 * (down for a fake, up for a real), clipped to [0, 255] and quantised to 8 bits.
 */
public final class Fgsm implements Attack {
    private final DifferentiableScorer scorer;

    public Fgsm(DifferentiableScorer scorer) {
        this.scorer = scorer;
    }

    @Override
    public String name() {
        return "fgsm";
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", 1);
        m.put("step_size", "eps");
        return m;
    }

    @Override
    public Outcome run(Pixels clean, boolean fake, double eps, ScoreOracle target, SplittableRandom random) {
        double s = Attack.direction(fake);
        double[] g = scorer.gradient(clean).gradient();
        double[] step = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            step[i] = Math.signum(s * g[i]);
        }
        Pixels adv = clean.plusProjected(step, eps, clean, eps).quantised(clean, eps);
        return new Outcome(adv, target.score(adv), 1, 1);
    }
}
