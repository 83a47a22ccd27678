package org.deepguard.core.train;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.metrics.ShortcutFeatures;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;

/**
 * A reference classifier scored on every cross-validation fold beside the model, on the same test images. Its ROC
 * AUC goes into the fold's metrics as {@code <name>_auc}. Adding one is adding an implementation to the list given
 * to {@link CrossValidation}.
 */
public interface FoldBaseline {
    /** Metric key prefix, e.g. {@code file_size}. */
    String name();

    /**
     * Fits on the fold's train and val images (an untrained cue ignores them) and returns what scores test images,
     * so one fit serves the clean and the re-encoded test images.
     */
    Scorer fit(FoldImages train) throws ImageLoadException;

    /** Scores of test images, larger = more likely fake. */
    @FunctionalInterface
    interface Scorer {
        double[] scores(FoldImages test) throws ImageLoadException;
    }

    /**
     * True for an untrained cue whose direction is unknown: its AUC is reported as max(a, 1 - a), what a trivial
     * classifier on the cue reaches either way round.
     */
    default boolean directionFree() {
        return false;
    }

    /** One image's score within a set (i = its index). */
    @FunctionalInterface
    interface ImageScore {
        double score(FoldImages images, int i) throws ImageLoadException;
    }

    /** A scorer that scores every test image on its own. */
    static Scorer eachImage(ImageScore f) {
        return test -> {
            double[] s = new double[test.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = f.score(test, i);
            }
            return s;
        };
    }

    /** An untrained cue of unknown direction (see {@link #directionFree}). */
    static FoldBaseline untrainedCue(String name, ImageScore f) {
        return new FoldBaseline() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Scorer fit(FoldImages train) {
                return eachImage(f);
            }

            @Override
            public boolean directionFree() {
                return true;
            }
        };
    }

    /** PNG/JPEG file size in bytes: a dataset whose classes differ in compression leaks the label through it. */
    FoldBaseline FILE_SIZE = untrainedCue("file_size", (images, i) -> images.fileBytes(i));

    /** Variance of the Laplacian (see {@link ShortcutFeatures#laplacianVariance}). */
    FoldBaseline SHARPNESS = untrainedCue("sharpness",
            (images, i) -> ShortcutFeatures.laplacianVariance(images.image(i)));

    /**
     * The spectral baseline: logistic regression on the azimuthally averaged power spectrum (Durall et al. 2020,
     * {@link SpectralClassifier} with its defaults), fitted on the fold's train and val images. The method the
     * default model has to beat.
     */
    FoldBaseline SPECTRAL = handcrafted("spectral", null);

    /**
     * The default model's hand-crafted cue on its own: the spectral profile plus resampling periodicity, late-fused
     * ({@link SpectralClassifier}). Beside the model's score it shows what the network adds.
     */
    FoldBaseline SPECTRAL_RESAMPLING = handcrafted("spectral_resampling", ResamplingConfig.defaults());

    /** A {@link SpectralClassifier} fitted on the fold's train and val images ({@code resampling} null: profile only). */
    static FoldBaseline handcrafted(String name, ResamplingConfig resampling) {
        return new FoldBaseline() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Scorer fit(FoldImages train) throws ImageLoadException {
                SpectrumConfig cfg = SpectrumConfig.durall(); // the published baseline, not the cue's band
                double[][] x = new double[train.size()][];
                for (int i = 0; i < x.length; i++) {
                    x[i] = SpectralClassifier.features(train.image(i), cfg, resampling);
                }
                SpectralClassifier c = SpectralClassifier.fitFeatures(x, train.labels(), cfg, resampling,
                        SpectralClassifier.DEFAULT_L2);
                return eachImage((images, i) -> c.logOdds(images.image(i)));
            }
        };
    }
}
