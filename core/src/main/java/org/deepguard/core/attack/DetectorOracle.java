package org.deepguard.core.attack;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.spectral.SpectralClassifier;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The black-box view of a detector: an image goes in as the 8-bit image an attacker publishes ({@link
 * Pixels#toImage()}), and the score comes out of {@link Detector} exactly as `detect` computes it (decoded pixels,
 * preprocessing, every member, patch voting, the cue, fusion), as calibrated log-odds log(p / (1 - p)) of the
 * reported p_fake. The fused score is compared with the detector's threshold; a part alone with 0. Counts queries.
 */
public final class DetectorOracle implements ScoreOracle {
    private final Detector detector;
    private final DetectorParts part;
    private final AtomicLong queries = new AtomicLong();

    public DetectorOracle(Detector detector) {
        this(detector, DetectorParts.FUSED);
    }

    public DetectorOracle(Detector detector, DetectorParts part) {
        if (part == DetectorParts.CUE && detector.bundle().metadata().spectral == null) {
            throw new IllegalArgumentException("the bundle has no hand-crafted cue to score alone");
        }
        this.detector = detector;
        this.part = part;
    }

    public DetectorParts part() {
        return part;
    }

    @Override
    public double threshold() {
        return part == DetectorParts.FUSED ? DetectorScorer.logit(detector.threshold()) : 0.0;
    }

    @Override
    public double score(Pixels image) {
        queries.incrementAndGet();
        BufferedImage img = image.toImage();
        ModelMetadata m = detector.bundle().metadata();
        return switch (part) {
            case FUSED -> detector.predict(img).logOdds() / m.temperature;
            case NETWORK -> {
                List<float[]> views = detector.preprocessor().views(img);
                double[] perView = detector.logOdds(detector.preprocessor().batch(views));
                yield Detector.aggregateViews(perView, new int[] {views.size()}, m.preprocessing.patches())[0];
            }
            case CUE -> {
                SpectralClassifier cue = m.spectral;
                yield cue.logOdds(img);
            }
        };
    }

    /** Queries answered so far. */
    public long queries() {
        return queries.get();
    }
}
