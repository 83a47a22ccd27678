package org.deepguard.core.attack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The control: random +-e sign noise at the same budget (e = floor(eps), each value independently), the worst of
 * {@code samples} draws for the defender. An attack that does no better than this per example is not an attack;
 * a model that noise already flips is not robust to begin with.
 */
public final class RandomNoise implements Attack {
    private final int samples;

    public RandomNoise(int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("noise control needs at least one sample");
        }
        this.samples = samples;
    }

    @Override
    public String name() {
        return "noise";
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("distribution", "uniform sign, +-floor(eps)");
        m.put("samples", samples);
        return m;
    }

    @Override
    public Outcome run(Pixels clean, boolean fake, double eps, ScoreOracle target, SplittableRandom random) {
        double e = Math.floor(eps + 1e-9);
        double s = Attack.direction(fake);
        Pixels best = null;
        double bestScore = 0;
        for (int k = 0; k < samples; k++) {
            double[] d = new double[clean.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = random.nextBoolean() ? 1 : -1;
            }
            Pixels x = clean.plusProjected(d, e, clean, eps).quantised(clean, eps);
            double sc = target.score(x);
            if (best == null || s * sc > s * bestScore) {
                best = x;
                bestScore = sc;
            }
        }
        return new Outcome(best, bestScore, samples, 0);
    }
}
