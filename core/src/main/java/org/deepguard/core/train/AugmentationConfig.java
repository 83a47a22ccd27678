package org.deepguard.core.train;

/**
 * Training-only augmentation. Blur and JPEG re-compression follow CNNDetection (Wang et al., 2020), which found
 * them the main source of robustness to real-world post-processing.
 *
 * @param flip             probability of a horizontal flip
 * @param crop             probability of a random resized crop
 * @param cropMinScale     smallest crop area as a fraction of the image (aspect 3/4 to 4/3)
 * @param blur             probability of a Gaussian blur with sigma drawn from U(0, blurMaxSigma)
 * @param blurMaxSigma     largest blur sigma in pixels
 * @param jpeg             probability of JPEG re-compression with quality drawn from U(jpegMinQuality, 100)
 * @param jpegMinQuality   lowest JPEG quality
 * @param colorJitter      probability of brightness/contrast/saturation jitter of up to +-20%
 * @param resize           probability of rescaling by a factor drawn from U(resizeMinFactor, 1) with a random
 *                         kernel (nearest, box, bilinear, bicubic, Lanczos), kept at the smaller size, as messengers
 *                         and browsers shrink images
 * @param resizeMinFactor  smallest rescaling factor
 * @param noise            probability of additive Gaussian noise with sigma drawn from U(0, noiseMaxSigma)
 * @param noiseMaxSigma    largest noise sigma in grey levels (0-255)
 */
public record AugmentationConfig(double flip, double crop, double cropMinScale, double blur, double blurMaxSigma,
                                 double jpeg, int jpegMinQuality, double colorJitter, double resize,
                                 double resizeMinFactor, double noise, double noiseMaxSigma) {

    /** Without the resize and noise steps (the configuration before they existed). */
    public AugmentationConfig(double flip, double crop, double cropMinScale, double blur, double blurMaxSigma,
                              double jpeg, int jpegMinQuality, double colorJitter) {
        this(flip, crop, cropMinScale, blur, blurMaxSigma, jpeg, jpegMinQuality, colorJitter, 0, 1, 0, 0);
    }

    public AugmentationConfig {
        if (resizeMinFactor <= 0 || resizeMinFactor > 1 || noiseMaxSigma < 0) {
            throw new IllegalArgumentException("resize factor in (0,1], noise sigma >= 0");
        }
        for (double p : new double[] {flip, crop, blur, jpeg, colorJitter, resize, noise}) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("augmentation probabilities must lie in [0, 1]");
            }
        }
        if (cropMinScale <= 0 || cropMinScale > 1 || jpegMinQuality < 1 || jpegMinQuality > 100 || blurMaxSigma < 0) {
            throw new IllegalArgumentException("crop scale in (0,1], JPEG quality in [1,100], blur sigma >= 0");
        }
    }

    /** The defaults before the degradation chain (issue 16): flips, and blur/JPEG at 10% each. */
    public static AugmentationConfig legacyDefaults() {
        return new AugmentationConfig(0.5, 0.0, 0.6, 0.1, 3.0, 0.1, 30, 0.0);
    }

    /**
     * Defaults: flips and the degradation chain resize, blur, noise, JPEG, each step drawn on its own so chains of
     * several occur (CNNDetection trains with blur and JPEG at 50% each; with resizing and noise also in the chain,
     * each step here is drawn at 30%: about 76% of images meet at least one, 35% two or more). JPEG qualities from
     * 50 to 100 and blur up to sigma 2 px cover what messengers and social networks do; beyond that the traces a
     * detector reads are gone anyway.
     */
    public static AugmentationConfig defaults() {
        return new AugmentationConfig(0.5, 0.0, 0.6, 0.3, 2.0, 0.3, 50, 0.0, 0.3, 0.5, 0.3, 5.0);
    }

    public static AugmentationConfig none() {
        return new AugmentationConfig(0, 0, 1, 0, 0, 0, 100, 0);
    }

    /** The degradation steps alone (no flip, crop or jitter): what a validation or cue copy is degraded with. */
    public AugmentationConfig degradationsOnly() {
        return new AugmentationConfig(0, 0, 1, blur, blurMaxSigma, jpeg, jpegMinQuality, 0, resize, resizeMinFactor,
                noise, noiseMaxSigma);
    }

    public boolean hasDegradations() {
        return blur > 0 || jpeg > 0 || resize > 0 || noise > 0;
    }

    public boolean isIdentity() {
        return flip == 0 && crop == 0 && colorJitter == 0 && !hasDegradations();
    }
}
