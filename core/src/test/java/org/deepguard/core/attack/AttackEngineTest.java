package org.deepguard.core.attack;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The attacks on toy scorers whose optimum and weakness are known in closed form. */
class AttackEngineTest {
    static final int W = 16;
    static final int H = 12;

    /** score = w . x + b. */
    record Linear(double[] w, double b, double threshold) implements DifferentiableScorer {
        @Override
        public double score(Pixels image) {
            double s = b;
            for (int i = 0; i < w.length; i++) {
                s += w[i] * image.get(i);
            }
            return s;
        }

        @Override
        public Gradient gradient(Pixels image) {
            return new Gradient(score(image), w.clone());
        }
    }

    /** score = -sum (x - c)^2: maximised at x = c; under a box, at the clip of c into the box. */
    record Quadratic(double[] c, double threshold) implements DifferentiableScorer {
        @Override
        public double score(Pixels image) {
            double s = 0;
            for (int i = 0; i < c.length; i++) {
                s -= (image.get(i) - c[i]) * (image.get(i) - c[i]);
            }
            return s;
        }

        @Override
        public Gradient gradient(Pixels image) {
            double[] g = new double[c.length];
            for (int i = 0; i < c.length; i++) {
                g[i] = -2 * (image.get(i) - c[i]);
            }
            return new Gradient(score(image), g);
        }
    }

    /** Mean value over a block of pixels minus an offset: only that block matters. */
    record Block(int x0, int y0, int side, int width, double offset) implements ScoreOracle {
        @Override
        public double score(Pixels image) {
            double s = 0;
            for (int y = y0; y < y0 + side; y++) {
                for (int x = x0; x < x0 + side; x++) {
                    for (int c = 0; c < 3; c++) {
                        s += image.get((y * width + x) * 3 + c);
                    }
                }
            }
            return s / (3.0 * side * side) - offset;
        }

        @Override
        public double threshold() {
            return 0;
        }
    }

    static Pixels image(long seed, int lo, int hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[W * H * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(lo, hi + 1);
        }
        return new Pixels(W, H, v);
    }

    static double[] weights(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] w = new double[W * H * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextDouble() - 0.5;
        }
        return w;
    }

    @Test
    void fgsmOnALinearScorerMovesEveryValueByTheBudgetAgainstTheWeightSign() {
        double[] w = weights(1);
        Linear scorer = new Linear(w, 0, 0);
        Pixels clean = image(2, 20, 235);
        double[] before = clean.values();
        for (double eps : new double[] {1, 2, 8}) {
            Attack.Outcome fake = new Fgsm(scorer).run(clean, true, eps, scorer, new SplittableRandom(0));
            Attack.Outcome real = new Fgsm(scorer).run(clean, false, eps, scorer, new SplittableRandom(0));
            for (int i = 0; i < w.length; i++) {
                assertEquals(-eps * Math.signum(w[i]), fake.adversarial().get(i) - clean.get(i), 0.0, "value " + i);
                assertEquals(eps * Math.signum(w[i]), real.adversarial().get(i) - clean.get(i), 0.0, "value " + i);
            }
            double l1 = java.util.Arrays.stream(w).map(Math::abs).sum();
            assertEquals(scorer.score(clean) - eps * l1, fake.score(), 1e-9);
            assertEquals(1, fake.queries());
        }
        assertArrayEquals(before, clean.values(), 0.0, "the clean image is never modified");
    }

    @Test
    void fgsmAndPgdRespectTheBoxAndTheQuantisedBall() {
        double[] w = weights(3);
        Linear scorer = new Linear(w, 0, 0);
        Pixels clean = image(4, 0, 255); // values at the box edges too
        Attack.Outcome pgd = new Pgd(scorer, 10, 2.5, 2).run(clean, true, 2.6, scorer, new SplittableRandom(1));
        for (int i = 0; i < w.length; i++) {
            double expected = Math.max(0, Math.min(255, clean.get(i) - 2 * Math.signum(w[i])));
            assertEquals(expected, pgd.adversarial().get(i), 0.0, "value " + i);
        }
        assertTrue(pgd.adversarial().linf(clean) <= 2);
    }

    @Test
    void pgdReachesTheAnalyticOptimumOfAConcaveScoreWhereOneStepDoesNot() {
        Pixels clean = image(5, 30, 220);
        SplittableRandom r = new SplittableRandom(6);
        double[] c = new double[clean.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = clean.get(i) + r.nextInt(-9, 10); // some inside the ball, some outside
        }
        Quadratic scorer = new Quadratic(c, 0);
        double eps = 4;
        double[] optimum = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            optimum[i] = Math.max(clean.get(i) - eps, Math.min(clean.get(i) + eps, c[i]));
        }
        double best = scorer.score(new Pixels(W, H, optimum));
        Attack.Outcome pgd = new Pgd(scorer, 40, 2.5, 1).run(clean, false, eps, scorer, new SplittableRandom(7));
        assertArrayEquals(optimum, pgd.adversarial().values(), 0.0);
        assertEquals(best, pgd.score(), 0.0);
        Attack.Outcome fgsm = new Fgsm(scorer).run(clean, false, eps, scorer, new SplittableRandom(7));
        assertTrue(fgsm.score() < best - 1, "one full step overshoots the optimum inside the ball");
    }

    @Test
    void squareAttackFindsTheOneWeakBlockWithinItsQueryBudget() {
        // A fake image the toy detector calls fake by a margin of 2 levels, decided only by one 5x5 block: a
        // budget of 4 levels can flip it, but only with most of the block's 75 values pushed down.
        double[] v = image(8, 90, 110).values();
        int bx = 9;
        int by = 4;
        for (int y = by; y < by + 5; y++) {
            for (int x = bx; x < bx + 5; x++) {
                for (int c = 0; c < 3; c++) {
                    v[(y * W + x) * 3 + c] = 102;
                }
            }
        }
        Pixels clean = new Pixels(W, H, v);
        Block oracle = new Block(bx, by, 5, W, 100);
        assertTrue(oracle.score(clean) >= 0, "called fake before the attack");
        int succeeded = 0;
        for (long seed = 0; seed < 5; seed++) {
            Attack.Outcome o = new SquareAttack(500, 0.1).run(clean, true, 4, oracle, new SplittableRandom(seed));
            assertTrue(o.queries() <= 500);
            assertTrue(o.adversarial().linf(clean) <= 4);
            assertEquals(oracle.score(o.adversarial()), o.score(), 1e-12);
            if (Attack.succeeded(true, o.score(), 0)) {
                succeeded++;
            }
            // the control at the same budget: noise averages out over the block
            Attack.Outcome noise = new RandomNoise(1).run(clean, true, 4, oracle, new SplittableRandom(seed));
            assertFalse(Attack.succeeded(true, noise.score(), 0));
        }
        assertEquals(5, succeeded, "square attack flips the weak block for every seed");
        // budget below one level: nothing can change in an 8-bit image
        Attack.Outcome none = new SquareAttack(500, 0.1).run(clean, true, 0.5, oracle, new SplittableRandom(1));
        assertEquals(0, none.adversarial().linf(clean));
    }

    @Test
    void theNoiseControlLeavesARobustToyModelUnchangedWhileAGradientAttackMovesIt() {
        // mean brightness: robust to zero-mean noise, not to a directed shift
        double[] w = new double[W * H * 3];
        java.util.Arrays.fill(w, 1.0 / w.length);
        Linear scorer = new Linear(w, -128.5, 0);
        Pixels clean = image(9, 60, 200);
        double[] v = clean.values();
        double mean = java.util.Arrays.stream(v).average().orElseThrow();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(v[i] - mean + 131); // score about +2.5: fake
        }
        clean = new Pixels(W, H, v);
        double s0 = scorer.score(clean);
        for (double eps : new double[] {1, 2, 4, 8}) {
            Attack.Outcome noise = new RandomNoise(4).run(clean, true, eps, scorer, new SplittableRandom(10));
            assertEquals(s0, noise.score(), 0.15 * eps, "noise at " + eps);
            assertFalse(Attack.succeeded(true, noise.score(), 0));
            Attack.Outcome pgd = new Pgd(scorer, 5, 2.5, 1).run(clean, true, eps, scorer, new SplittableRandom(10));
            assertEquals(s0 - eps, pgd.score(), 1e-9, "the directed attack moves the mean by the full budget");
        }
    }

    @Test
    void quantisationKeepsImagesEightBitAndInsideTheBall() {
        Pixels clean = image(11, 0, 255);
        double[] d = new double[clean.size()];
        SplittableRandom r = new SplittableRandom(12);
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextDouble() * 20 - 10;
        }
        for (double eps : new double[] {0.5, 1, 2.7}) {
            Pixels q = clean.plusProjected(d, 1, clean, eps).quantised(clean, eps);
            assertTrue(q.linf(clean) <= Math.floor(eps));
            for (int i = 0; i < q.size(); i++) {
                assertEquals(Math.rint(q.get(i)), q.get(i), 0.0);
                assertTrue(q.get(i) >= 0 && q.get(i) <= 255);
            }
            assertEquals(0, Pixels.of(q.toImage()).linf(q), "publishing the image changes nothing");
        }
    }
}
