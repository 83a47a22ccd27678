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
 */
public record AugmentationConfig(double flip, double crop, double cropMinScale, double blur, double blurMaxSigma,
                                 double jpeg, int jpegMinQuality, double colorJitter) {
    public AugmentationConfig {
        for (double p : new double[] {flip, crop, blur, jpeg, colorJitter}) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("augmentation probabilities must lie in [0, 1]");
            }
        }
        if (cropMinScale <= 0 || cropMinScale > 1 || jpegMinQuality < 1 || jpegMinQuality > 100 || blurMaxSigma < 0) {
            throw new IllegalArgumentException("crop scale in (0,1], JPEG quality in [1,100], blur sigma >= 0");
        }
    }

    /** Defaults: flips, and blur/JPEG at 10% each (CNNDetection's "Blur+JPEG (0.1)" setting). */
    public static AugmentationConfig defaults() {
        return new AugmentationConfig(0.5, 0.0, 0.6, 0.1, 3.0, 0.1, 30, 0.0);
    }

    public static AugmentationConfig none() {
        return new AugmentationConfig(0, 0, 1, 0, 0, 0, 100, 0);
    }

    public boolean isIdentity() {
        return flip == 0 && crop == 0 && blur == 0 && jpeg == 0 && colorJitter == 0;
    }
}
