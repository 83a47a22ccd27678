package org.deepguard.core.attack;

/**
 * A white-box score: its value on real-valued pixels and the gradient with respect to them (0-255 scale, the
 * layout of {@link Pixels}). It is also an oracle (a query is a value without gradient).
 */
public interface DifferentiableScorer extends ScoreOracle {
    /** The score and its gradient at {@code image}. */
    Gradient gradient(Pixels image);

    /** @param gradient d(score)/d(pixel), one entry per value of the image */
    record Gradient(double value, double[] gradient) {}
}
