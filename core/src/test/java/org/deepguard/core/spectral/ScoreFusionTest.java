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

    @Test
    void roundTripsThroughJsonExactly() throws Exception {
        ScoreFusion f = new ScoreFusion(1.2345678901234567, -0.1, 1e-17);
        ScoreFusion back = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(f), ScoreFusion.class);
        assertEquals(f, back);
        assertEquals(f.fuse(3.3, -1.1), back.fuse(3.3, -1.1), 0);
    }

    @Test
    void refusesMismatchedLengths() {
        assertThrows(IllegalArgumentException.class,
                () -> ScoreFusion.fit(new double[3], new double[2], new boolean[3]));
        assertThrows(IllegalArgumentException.class, () -> new ScoreFusion(Double.NaN, 0, 0));
    }
}
