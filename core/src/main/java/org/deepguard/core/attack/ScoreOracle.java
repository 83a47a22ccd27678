package org.deepguard.core.attack;

/**
 * A black-box score: the attacker may submit images and read a score, nothing else. Higher means "more fake"; the
 * verdict is fake when the score is at least {@link #threshold()}. Each {@link #score} call is one query.
 */
public interface ScoreOracle {
    /** The score of an image (attacks only submit 8-bit-valued images to an oracle). */
    double score(Pixels image);

    /** The decision boundary on the score: fake when {@code score >= threshold()}. */
    double threshold();
}
