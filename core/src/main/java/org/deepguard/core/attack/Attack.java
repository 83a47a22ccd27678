package org.deepguard.core.attack;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * An evasion attack under an L-inf budget: from a clean 8-bit image and its true label, an 8-bit image within
 * {@code eps} (0-255 units) of it that moves the target's score across its threshold, towards "real" for a fake
 * image (the case that matters most: a forger wants a fake accepted) and towards "fake" for a real one. The
 * returned image is what an attacker publishes: rounded and clipped to 8 bits, within floor(eps) of the clean one.
 * The outcome's score is the target's score of that image (one query); white-box attacks use their own scorer for
 * everything else.
 */
public interface Attack {
    /** Short name used in reports (fgsm, pgd, square, noise, transfer). */
    String name();

    /** The attack's hyperparameters, recorded in reports. */
    Map<String, Object> hyperparameters();

    Outcome run(Pixels clean, boolean fake, double eps, ScoreOracle target, SplittableRandom random);

    /**
     * @param adversarial the published (8-bit) image
     * @param score       the target's score of it
     * @param queries     target queries spent (the final score included)
     * @param gradients   white-box gradient evaluations spent
     */
    record Outcome(Pixels adversarial, double score, int queries, int gradients) {}

    /** Whether {@code score} is the attacker's goal: a fake called real, or a real called fake. */
    static boolean succeeded(boolean fake, double score, double threshold) {
        return fake ? score < threshold : score >= threshold;
    }

    /** +1 when the attacker wants the score up (a real image), -1 when down (a fake). */
    static double direction(boolean fake) {
        return fake ? -1 : 1;
    }
}
