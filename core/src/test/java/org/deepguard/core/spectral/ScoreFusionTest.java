package org.deepguard.core.spectral;

import org.deepguard.core.io.Json;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoreFusionTest {

    @Test
    void theInformativeScoreGetsTheWeight() {
        // Informative score ~ N(+-1, 1) by class: its true log-odds are exactly 2 z (Gaussians with equal
        // variance), so a -> 2, c -> 0 (sampling spread of a at n = 4000: about 0.06); the other score is
        // independent noise, b -> 0.
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 4000;
        double[] informative = new double[n];
        double[] noise = new double[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextBoolean();
            informative[i] = (y[i] ? 1.0 : -1.0) + rnd.nextGaussian();
            noise[i] = 5 * rnd.nextGaussian() + 2;
        }
        ScoreFusion f = ScoreFusion.fit(informative, noise, y);
        assertEquals(2, f.a(), 0.25);
        assertEquals(0, f.b(), 0.05);
        assertEquals(0, f.c(), 0.25);
        ScoreFusion swapped = ScoreFusion.fit(noise, informative, y);
        assertEquals(2, swapped.b(), 0.25);
        assertEquals(0, swapped.a(), 0.05);
        assertEquals(f.a() * 0.7 + f.b() * -2 + f.c(), f.fuse(0.7, -2), 1e-15);
    }

    /**
     * The bounded rule: a cue that separates the validation scores more widely than the network gets at most the
     * network's weight per standard deviation (the two are tied), and nothing changes when the network already
     * counts more or does not count at all.
     */
    @Test
    void theBoundedRuleTiesAStrongerCueToTheNetwork() {
        SplittableRandom rnd = new SplittableRandom(5);
        int n = 400;
        double[] net = new double[n];
        double[] cue = new double[n];
        double[] inverted = new double[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextBoolean();
            double s = y[i] ? 1.0 : -1.0;
            net[i] = 0.3 * (0.7 * s + rnd.nextGaussian()); // weak, on its own scale
            cue[i] = 8 * (2.0 * s + rnd.nextGaussian()) + 3; // strong, on another scale
            inverted[i] = -net[i];
        }
        double sdNet = std(net);
        double sdCue = std(cue);
        ScoreFusion free = ScoreFusion.fit(net, cue, y, ScoreFusion.Rule.FITTED);
        assertTrue(free.b() * sdCue > 2 * free.a() * sdNet, "the fitted cue outweighs the network: " + free);
        ScoreFusion bounded = ScoreFusion.fit(net, cue, y, ScoreFusion.Rule.BOUNDED);
        assertEquals(bounded.a() * sdNet, bounded.b() * sdCue, 1e-9 * bounded.a() * sdNet);
        assertTrue(bounded.a() > free.a() && bounded.b() < free.b(), bounded + " vs " + free);
        // the tie keeps a fitted scale and bias: its log-loss is near, and never below, the free fit's optimum
        double lossFree = logLoss(free, net, cue, y);
        double lossBounded = logLoss(bounded, net, cue, y);
        assertTrue(lossBounded >= lossFree - 1e-3 && lossBounded < 0.5, lossFree + " vs " + lossBounded);

        // the network already counts more: the same fit
        assertEquals(ScoreFusion.fit(cue, net, y, ScoreFusion.Rule.FITTED),
                ScoreFusion.fit(cue, net, y, ScoreFusion.Rule.BOUNDED));
        // an inverted network (weight below 0) is no bound: the same fit
        ScoreFusion fitted = ScoreFusion.fit(inverted, cue, y, ScoreFusion.Rule.FITTED);
        assertTrue(fitted.a() < 0, fitted.toString());
        assertEquals(fitted, ScoreFusion.fit(inverted, cue, y, ScoreFusion.Rule.BOUNDED));
        assertEquals(ScoreFusion.Rule.BOUNDED, ScoreFusion.Rule.parse("Bounded"));
        assertThrows(IllegalArgumentException.class, () -> ScoreFusion.Rule.parse("equal"));
    }

    private static double std(double[] v) {
        double m = java.util.Arrays.stream(v).average().orElseThrow();
        return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }

    private static double logLoss(ScoreFusion f, double[] net, double[] cue, boolean[] y) {
        double loss = 0;
        for (int i = 0; i < y.length; i++) {
            double z = f.fuse(net[i], cue[i]);
            loss += Math.log1p(Math.exp(y[i] ? -z : z));
        }
        return loss / y.length;
    }

    @Test
    void roundTripsThroughJsonExactly() throws Exception {
        ScoreFusion f = new ScoreFusion(1.2345678901234567, -0.1, 1e-17);
        ScoreFusion back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(f), ScoreFusion.class);
        assertEquals(f, back);
        assertEquals(f.fuse(3.3, -1.1), back.fuse(3.3, -1.1), 0);
    }

    @Test
    void aCueCapBoundsTheCuesShareAndKeepsItsSlopeNearZero() {
        ScoreFusion f = new ScoreFusion(0.9, 1.4, -0.3, 2.0);
        // C tanh(b z / C), by hand
        assertEquals(0.9 * 0.5 + 2.0 * Math.tanh(1.4 * 5.0 / 2.0) - 0.3, f.fuse(0.5, 5.0), 1e-15);
        // however large the cue's log-odds, its share stays within C
        for (double z : new double[] {-1e6, -40, -3, 0, 3, 40, 1e6}) {
            assertTrue(Math.abs(f.fuse(0, z) - f.fuse(0, 0)) <= 2.0 + 1e-12, "z = " + z);
        }
        // near zero the capped share is b z (error 2 (b z / 2)^3 / 3); the slope is the derivative
        assertEquals(1.4 * 0.01, f.fuse(0, 0.01) - f.fuse(0, 0), 1e-6);
        for (double z : new double[] {-3, -0.4, 0, 1.1, 6}) {
            double fd = (f.cueShare(z + 1e-6) - f.cueShare(z - 1e-6)) / 2e-6;
            assertEquals(fd, f.cueSlope(z), 1e-7, "z = " + z);
            assertEquals(f.cueSlope(z), 1.4 * f.capSlope(z), 1e-15);
        }
        // no cap: the plain sum, slope b
        ScoreFusion plain = new ScoreFusion(0.9, 1.4, -0.3);
        assertEquals(0, plain.cueCap(), 0);
        assertEquals(0.9 * 0.5 + 1.4 * 50 - 0.3, plain.fuse(0.5, 50), 1e-12);
        assertEquals(1.4, plain.cueSlope(50), 0);
        assertEquals(f, plain.withCueCap(2.0));
        assertThrows(IllegalArgumentException.class, () -> new ScoreFusion(1, 1, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new ScoreFusion(1, 1, 0, Double.POSITIVE_INFINITY));
    }

    @Test
    void aBundleWrittenBeforeTheCapReadsAsUncapped() throws Exception {
        ScoreFusion old = Json.MAPPER.readValue("{\"a\":0.5,\"b\":2.0,\"c\":-1.0}", ScoreFusion.class);
        assertEquals(new ScoreFusion(0.5, 2.0, -1.0), old);
        assertEquals(0, old.cueCap(), 0);
        ScoreFusion capped = new ScoreFusion(0.5, 2.0, -1.0, 0.75);
        assertEquals(capped, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(capped), ScoreFusion.class));
    }

    @Test
    void refusesMismatchedLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> ScoreFusion.fit(new double[3], new double[2], new boolean[3]));
        assertThrows(IllegalArgumentException.class, () -> new ScoreFusion(Double.NaN, 0, 0));
    }
}
