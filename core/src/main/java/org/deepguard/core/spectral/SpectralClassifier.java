package org.deepguard.core.spectral;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;

/**
 * The hand-crafted cue as a stand-alone detector: a {@link LogisticRegression} on the spectral profile
 * ({@link SpectrumFeatures}, Durall et al. 2020) and, optionally, a second one on resampling periodicity
 * ({@link ResamplingFeatures}, Popescu and Farid 2005), combined by late fusion: the cue's log-odds is the sum of the
 * two models' log-odds. Each model is fitted on its own short vector (64 and 21 features on ~100 images), which keeps
 * each fit well-posed; summing log-odds is the product of two experts, each calibrated to log(p_fake / p_real) at
 * equal priors. The training data decides nothing else here: {@link ScoreFusion} weighs the sum against the network.
 *
 * <p>Serialises with Jackson (configs + standardisation + weights + bias), so a model bundle carries it next to the
 * network; bundles from before the resampling part read with it absent. Fitted with balanced class weights, so 0
 * means "as likely fake as real at equal priors" whatever the training prevalence.
 *
 * @param config           the spectral profile's definition
 * @param model            the logistic regression on it
 * @param resampling       the resampling features' definition, or null for the spectral profile alone
 * @param resamplingModel  the logistic regression on them (null exactly when {@code resampling} is)
 */
public record SpectralClassifier(SpectrumConfig config, LogisticRegression model, ResamplingConfig resampling,
                                 LogisticRegression resamplingModel) {
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
        if ((resampling == null) != (resamplingModel == null)) {
            throw new IllegalArgumentException("the resampling part needs both its config and its model");
        }
        if (resampling != null && resamplingModel.dimension() != resampling.dimension()) {
            throw new IllegalArgumentException("resampling model has " + resamplingModel.dimension() + " weights but "
                    + "the config gives " + resampling.dimension() + " features");
        }
    }

    /** The spectral profile alone (the Durall et al. baseline). */
    public SpectralClassifier(SpectrumConfig config, LogisticRegression model) {
        this(config, model, null, null);
    }

    /**
     * The features this cue reads from an image: the spectral profile, followed by the resampling features when
     * {@code resampling} is not null. Thread-safe.
     *
     * @throws IllegalArgumentException when the image is too small for either part
     */
    public static double[] features(BufferedImage rgb, SpectrumConfig config, ResamplingConfig resampling) {
        double[] spectrum = SpectrumFeatures.of(rgb, config);
        if (resampling == null) {
            return spectrum;
        }
        double[] periodic = ResamplingFeatures.of(rgb, resampling);
        double[] all = Arrays.copyOf(spectrum, spectrum.length + periodic.length);
        System.arraycopy(periodic, 0, all, spectrum.length, periodic.length);
        return all;
    }

    /** Fits the spectral profile alone on decoded RGB images with balanced class weights. */
    public static SpectralClassifier fit(List<BufferedImage> images, boolean[] isFake, SpectrumConfig cfg,
                                         double l2) {
        return fit(images, isFake, cfg, null, l2);
    }

    /** Fits on decoded RGB images with balanced class weights; {@code resampling} null leaves that part out. */
    public static SpectralClassifier fit(List<BufferedImage> images, boolean[] isFake, SpectrumConfig cfg,
                                         ResamplingConfig resampling, double l2) {
        if (images.size() != isFake.length) {
            throw new IllegalArgumentException(images.size() + " images but " + isFake.length + " labels");
        }
        double[][] x = new double[images.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = features(images.get(i), cfg, resampling);
        }
        return fitFeatures(x, isFake, cfg, resampling, l2);
    }

    /** The spectral profile alone, on feature vectors already computed with {@code cfg}. */
    public static SpectralClassifier fitFeatures(double[][] features, boolean[] isFake, SpectrumConfig cfg,
                                                 double l2) {
        return fitFeatures(features, isFake, cfg, null, l2);
    }

    /**
     * Fits on vectors from {@link #features} with the same configs (lets a caller stream images, not hold them):
     * one logistic regression per part.
     */
    public static SpectralClassifier fitFeatures(double[][] features, boolean[] isFake, SpectrumConfig cfg,
                                                 ResamplingConfig resampling, double l2) {
        int bins = cfg.bins();
        double[][] spectrum = new double[features.length][];
        double[][] periodic = new double[features.length][];
        for (int i = 0; i < features.length; i++) {
            spectrum[i] = Arrays.copyOf(features[i], bins);
            periodic[i] = Arrays.copyOfRange(features[i], bins, features[i].length);
        }
        LogisticRegression m = LogisticRegression.fit(spectrum, isFake, l2,
                LogisticRegression.ClassWeighting.BALANCED);
        LogisticRegression r = resampling == null ? null : LogisticRegression.fit(periodic, isFake, l2,
                LogisticRegression.ClassWeighting.BALANCED);
        return new SpectralClassifier(cfg, m, resampling, r);
    }

    /** Log-odds of a vector from {@link #features} (this cue's configs): the sum of the parts' log-odds. */
    public double logOddsOfFeatures(double[] x) {
        int bins = config.bins();
        int expected = bins + (resampling == null ? 0 : resampling.dimension());
        if (x.length != expected) {
            throw new IllegalArgumentException("expected " + expected + " cue features, got " + x.length);
        }
        double z = model.logOdds(Arrays.copyOf(x, bins));
        if (resamplingModel != null) {
            z += resamplingModel.logOdds(Arrays.copyOfRange(x, bins, x.length));
        }
        return z;
    }

    public double logOdds(BufferedImage rgb) {
        return logOddsOfFeatures(features(rgb, config, resampling));
    }

    public double[] logOdds(List<BufferedImage> images) {
        double[] out = new double[images.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = logOdds(images.get(i));
        }
        return out;
    }
}
