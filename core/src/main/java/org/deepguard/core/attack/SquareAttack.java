package org.deepguard.core.attack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Square Attack, L-inf (Andriushchenko et al. 2020): a score-based black-box random search that needs no gradient,
 * so it is blind to gradient masking. Start: vertical stripes, each column and channel shifted by +-e. Each iteration
 * re-draws the perturbation of one random square (per channel +-e, the vertices of the ball) and keeps it when the
 * target's score moves the attacker's way; the square covers a fraction p of the image, p halved on the schedule of
 * the paper (at 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 of 10 000 iterations, scaled to the query
 * budget). Stops at the first success or when the query budget is spent. Works on the 8-bit lattice directly
 * (e = floor(eps)), so every query is a publishable image; a budget below 1 leaves the image unchanged.
 */
public final class SquareAttack implements Attack {
    private static final int[] SCHEDULE = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

    private final int queryBudget;
    private final double pInit;

    /**
     * @param queryBudget most target queries per image and budget (the first, clean-stripes one included)
     * @param pInit       initial fraction of the image re-drawn per iteration (0.05 in the paper for L-inf)
     */
    public SquareAttack(int queryBudget, double pInit) {
        if (queryBudget < 1 || !(pInit > 0 && pInit <= 1)) {
            throw new IllegalArgumentException("square attack needs a query budget >= 1 and p in (0, 1]");
        }
        this.queryBudget = queryBudget;
        this.pInit = pInit;
    }

    @Override
    public String name() {
        return "square";
    }

    @Override
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queries", queryBudget);
        m.put("p_init", pInit);
        m.put("init", "vertical stripes");
        m.put("stop", "first success");
        return m;
    }

    /** Fraction of pixels re-drawn at iteration {@code i} of a budget of {@code n}. */
    double fraction(int i, int n) {
        int scaled = (int) ((long) i * 10000 / Math.max(1, n));
        double p = pInit;
        for (int t : SCHEDULE) {
            if (scaled > t) {
                p /= 2;
            }
        }
        return p;
    }

    @Override
    public Outcome run(Pixels clean, boolean fake, double eps, ScoreOracle target, SplittableRandom random) {
        double e = Math.floor(eps + 1e-9);
        double s = Attack.direction(fake);
        int w = clean.width();
        int h = clean.height();
        double[] base = clean.values();
        if (e < 1) {
            return new Outcome(clean, target.score(clean), 1, 0);
        }
        double[] delta = new double[base.length];
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < 3; c++) {
                double v = random.nextBoolean() ? e : -e;
                for (int y = 0; y < h; y++) {
                    delta[(y * w + x) * 3 + c] = v;
                }
            }
        }
        Pixels current = apply(clean, base, delta);
        double score = target.score(current);
        int queries = 1;
        double threshold = target.threshold();
        while (queries < queryBudget && !Attack.succeeded(fake, score, threshold)) {
            double p = fraction(queries, queryBudget);
            int side = (int) Math.round(Math.sqrt(p * w * h));
            side = Math.max(1, Math.min(side, Math.min(w, h) - 1));
            int x0 = random.nextInt(w - side + 1);
            int y0 = random.nextInt(h - side + 1);
            double[] next = delta.clone();
            boolean changed = false;
            for (int tries = 0; tries < 10 && !changed; tries++) {
                for (int c = 0; c < 3; c++) {
                    double v = random.nextBoolean() ? e : -e;
                    for (int y = y0; y < y0 + side; y++) {
                        for (int x = x0; x < x0 + side; x++) {
                            int i = (y * w + x) * 3 + c;
                            changed |= next[i] != v;
                            next[i] = v;
                        }
                    }
                }
            }
            if (!changed) {
                continue; // the square already held every drawn sign ten times in a row: nothing to ask
            }
            Pixels candidate = apply(clean, base, next);
            double cs = target.score(candidate);
            queries++;
            if (s * cs > s * score) {
                score = cs;
                delta = next;
                current = candidate;
            }
        }
        return new Outcome(current, score, queries, 0);
    }

    /** clean + delta clipped to [0, 255] (delta is integral, so the result stays 8-bit). */
    private static Pixels apply(Pixels clean, double[] base, double[] delta) {
        double[] v = new double[base.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.max(0, Math.min(255, base[i] + delta[i]));
        }
        return new Pixels(clean.width(), clean.height(), v);
    }
}
