package org.deepguard.core.attack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Projected gradient descent under L-inf (Madry et al. 2018) on the score itself (a margin loss: the log-odds
 * against the threshold): {@code steps} sign-gradient steps of size {@code stepFactor * eps / steps}, each
 * projected onto the eps-ball and [0, 255], each from the best point so far, the step halved after a step that
 * does not improve. The first run starts at the clean image,
 * each further restart at a uniform random point of the ball. The best iterate of each run by the scorer's own score,
 * after 8-bit quantisation, is kept, and the best over runs goes to the target (one query). With a surrogate
 * scorer (another model) this is the transfer attack.
 */
public final class Pgd implements Attack {
    private final String name;
    private final DifferentiableScorer scorer;
    private final int steps;
    private final double stepFactor;
    private final int restarts;

    /**
     * @param steps      gradient steps per run
     * @param stepFactor step size = stepFactor * eps / steps (2.5 in Madry et al.: the walk can cross the ball)
     * @param restarts   runs (the first from the clean image)
     */
    public Pgd(String name, DifferentiableScorer scorer, int steps, double stepFactor, int restarts) {
        if (steps < 1 || restarts < 1 || !(stepFactor > 0)) {
            throw new IllegalArgumentException("PGD needs steps >= 1, restarts >= 1 and a positive step factor");
        }
        this.name = name;
        this.scorer = scorer;
        this.steps = steps;
        this.stepFactor = stepFactor;
        this.restarts = restarts;
    }

    public Pgd(DifferentiableScorer scorer, int steps, double stepFactor, int restarts) {
        this("pgd", scorer, steps, stepFactor, restarts);
    }

    @Override
    public String name() {
        return name;
    }

    public int steps() {
        return steps;
    }

    /** The same attack with other steps (for the "doubling the steps gains little" check). */
    public Pgd withSteps(String newName, int newSteps) {
        return new Pgd(newName, scorer, newSteps, stepFactor, restarts);
    }

    double stepSize(double eps) {
        return stepFactor * eps / steps;
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", steps);
        m.put("step_size", stepFactor + " * eps / steps");
        m.put("restarts", restarts);
        m.put("start", "clean, then uniform in the ball");
        m.put("loss", "score (log-odds margin)");
        m.put("step_schedule", "from the best point; halved after a step without improvement");
        return m;
    }

    @Override
    public Outcome run(Pixels clean, boolean fake, double eps, ScoreOracle target, SplittableRandom random) {
        double s = Attack.direction(fake);
        Pixels best = clean;
        double bestLoss = Double.NEGATIVE_INFINITY;
        int gradients = 0;
        double alpha = stepSize(eps);
        for (int r = 0; r < restarts; r++) {
            Pixels x = clean;
            if (r > 0) {
                double[] u = new double[clean.size()];
                for (int i = 0; i < u.length; i++) {
                    u[i] = (2 * random.nextDouble() - 1) * eps;
                }
                x = clean.plusProjected(u, 1, clean, eps);
            }
            // Each step starts from the best point so far; a step that does not improve it halves the step size
            // (a simplified form of APGD's schedule: fixed-size sign steps overshoot where the score is very
            // non-linear, as the cue's log ratios are, and then never return).
            double a = alpha;
            DifferentiableScorer.Gradient bestGrad = scorer.gradient(x);
            gradients++;
            Pixels runBest = x;
            double runBestLoss = s * bestGrad.value();
            for (int t = 1; t <= steps; t++) {
                double[] d = bestGrad.gradient();
                double[] step = new double[d.length];
                for (int i = 0; i < d.length; i++) {
                    step[i] = Math.signum(s * d[i]);
                }
                Pixels next = runBest.plusProjected(step, a, clean, eps);
                DifferentiableScorer.Gradient g = t < steps ? scorer.gradient(next) : null;
                gradients += g == null ? 0 : 1;
                double loss = s * (g == null ? scorer.score(next) : g.value());
                if (loss > runBestLoss) {
                    runBest = next;
                    runBestLoss = loss;
                    bestGrad = g;
                } else {
                    a /= 2;
                }
            }
            Pixels q = runBest.quantised(clean, eps);
            double qLoss = s * scorer.score(q);
            if (qLoss > bestLoss) {
                bestLoss = qLoss;
                best = q;
            }
        }
        return new Outcome(best, target.score(best), 1, gradients);
    }
}
