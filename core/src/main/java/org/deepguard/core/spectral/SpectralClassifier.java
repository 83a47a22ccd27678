package org.deepguard.core.spectral;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The spectral cue as a stand-alone detector: {@link SpectrumFeatures} then a {@link LogisticRegression}. Serialises
 * with Jackson (config + standardisation + weights + bias), so a model bundle can carry it next to the network.
 * Scores are log(p_fake / p_real); fitted with balanced class weights, so 0 means "as likely fake as real at equal
 * priors" whatever the training prevalence ({@link ScoreFusion} re-learns the offset anyway).
 */
public record SpectralClassifier(SpectrumConfig config, LogisticRegression model) {
    /**
     * Default penalty on standardised features. With the loss a mean over n samples, l2 = 0.01 is about
     * scikit-learn's conventional C = 1 (C = 1 / (l2 n)) at the ~80 training images of a 3-fold split of the dev
     * set. Measured there (SpectralBaselineBench), l2 from 0.001 to 0.03 gave the same grouped AUC within 0.01 and
     * 0.1 to 1 about 0.01-0.02 less, after JPEG q75 re-encoding 0.02-0.03 less.
     */
    public static final double DEFAULT_L2 = 0.01;

    public SpectralClassifier {
        if (config == null || model == null) {
            throw new IllegalArgumentException("spectral classifier needs a config and a model");
        }
        if (model.dimension() != config.bins()) {
            throw new IllegalArgumentException("spectral model has " + model.dimension() + " weights but the config "
                    + "gives " + config.bins() + " bins");
        }
    }

    /** Fits on decoded RGB images with balanced class weights. */
    public static SpectralClassifier fit(List<BufferedImage> images, boolean[] isFake, SpectrumConfig cfg,
                                         double l2) {
        if (images.size() != isFake.length) {
            throw new IllegalArgumentException(images.size() + " images but " + isFake.length + " labels");
        }
        double[][] x = new double[images.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = SpectrumFeatures.of(images.get(i), cfg);
        }
        return new SpectralClassifier(cfg, LogisticRegression.fit(x, isFake, l2,
                LogisticRegression.ClassWeighting.BALANCED));
    }

    /** Fits on feature vectors already computed with {@code cfg} (lets a caller stream images, not hold them). */
    public static SpectralClassifier fitFeatures(double[][] features, boolean[] isFake, SpectrumConfig cfg,
                                                 double l2) {
        return new SpectralClassifier(cfg, LogisticRegression.fit(features, isFake, l2,
                LogisticRegression.ClassWeighting.BALANCED));
    }

    public double logOdds(BufferedImage rgb) {
        return model.logOdds(SpectrumFeatures.of(rgb, config));
    }

    public double[] logOdds(List<BufferedImage> images) {
        double[] out = new double[images.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = logOdds(images.get(i));
        }
        return out;
    }
}
