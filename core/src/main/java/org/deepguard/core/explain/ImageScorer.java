package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Anything that gives whole images a log-odds of "fake": the seam through which the model-agnostic explanations
 * ({@link ScoreMaps}, {@link Faithfulness#measure(ImageScorer, BufferedImage, Heatmap, Baseline)}) see a model.
 * {@link #of(Detector)} is the score exactly as {@code detect} computes it: patches, every ensemble member, the
 * fused hand-crafted cue.
 */
@FunctionalInterface
public interface ImageScorer {
    /** One log-odds per image, in order. */
    double[] logOdds(List<BufferedImage> images);

    /** The probability shown for a log-odds (plain logistic unless the model calibrates). */
    default double pFake(double logOdds) {
        return 1 / (1 + Math.exp(-logOdds));
    }

    /**
     * The detector's uncalibrated image log-odds ({@link Detector#imageLogOdds}) of each image as {@link
     * Detector#prepare} makes it ready; probabilities through the bundle's temperature.
     */
    static ImageScorer of(Detector detector) {
        ModelMetadata m = detector.bundle().metadata();
        return new ImageScorer() {
            @Override
            public double[] logOdds(List<BufferedImage> images) {
                List<Detector.PreparedImage> prepared = new ArrayList<>(images.size());
                for (BufferedImage img : images) {
                    prepared.add(detector.prepare(img));
                }
                return detector.imageLogOdds(prepared);
            }

            @Override
            public double pFake(double logOdds) {
                return Prediction.of(logOdds, m.temperature, detector.threshold(), 0).pFake();
            }
        };
    }
}
