package org.deepguard.core.spectral;

/**
 * Everything that defines the spectral feature vector exactly; stored in model bundles so that scoring computes the
 * same vector as fitting did. See {@link SpectrumFeatures} for the pipeline and why each step is there.
 *
 * @param cropSize  cap on the side of the centred square crop, a power of two in [16, 4096]; the crop is the
 *                  largest power of two that fits the image, up to this cap, taken at native resolution
 * @param bins      length of the feature vector: the radial profile sampled at normalised radii
 *                  {@code (j + 1) * maxRadius / bins}, j = 0..bins-1 (DC excluded), in [4, 1024]
 * @param hannWindow whether the crop is multiplied by a separable Hann window before the FFT; it suppresses the
 *                  "+" shaped leakage from the crop's hard edges, which otherwise adds the same broadband power
 *                  along the axes to every image
 * @param maxRadius largest normalised radius sampled, in Nyquist units, in (0, sqrt 2]; above 1 the profile
 *                  reaches into the spectrum's corners, where the (N/2, N/2) checkerboard peak of 2x up-sampling
 *                  sits
 * @param bandStart  where the profile starts, in Nyquist units, in [0, maxRadius): 0 keeps every ring, each in dB
 *                  relative to the mean power of all non-DC frequencies (Durall et al.); above 0 the bins below
 *                  this radius are 0 and the bins at or above it are in dB relative to their own mean, so the
 *                  vector describes only the shape of the high band, where up-sampling leaves its traces, and not
 *                  how much of an image's power its scene puts at low frequencies (a soft photo is not a fake)
 */
public record SpectrumConfig(int cropSize, int bins, boolean hannWindow, double maxRadius, double bandStart) {
    /** Smallest usable crop: below 16 px the profile has fewer than 8 rings up to Nyquist. */
    public static final int MIN_SIDE = 16;

    public SpectrumConfig {
        if (!Fft.isPowerOfTwo(cropSize) || cropSize < MIN_SIDE || cropSize > 4096) {
            throw new IllegalArgumentException("spectrum crop size must be a power of two in [16, 4096], got "
                    + cropSize);
        }
        if (bins < 4 || bins > 1024) {
            throw new IllegalArgumentException("spectrum bins must be in [4, 1024], got " + bins);
        }
        if (!(maxRadius > 0 && maxRadius <= Math.sqrt(2) + 1e-12)) {
            throw new IllegalArgumentException("spectrum max radius must be in (0, sqrt 2] (Nyquist units), got "
                    + maxRadius);
        }
        if (!(bandStart >= 0 && bandStart < maxRadius)) {
            throw new IllegalArgumentException("spectrum band start must be in [0, max radius " + maxRadius
                    + "), got " + bandStart);
        }
        if (bandStart > 0 && keptBins(bins, maxRadius, bandStart) < 4) {
            throw new IllegalArgumentException("spectrum band start " + bandStart + " leaves fewer than 4 of "
                    + bins + " bins");
        }
    }

    /** The whole profile, normalised by the total non-DC power (bundles written before the band start existed). */
    public SpectrumConfig(int cropSize, int bins, boolean hannWindow, double maxRadius) {
        this(cropSize, bins, hannWindow, maxRadius, 0);
    }

    /** Whether bin j (radius (j + 1) maxRadius / bins) belongs to the profile's band. */
    public boolean inBand(int j) {
        return (j + 1) * maxRadius / bins >= bandStart - 1e-12;
    }

    private static int keptBins(int bins, double maxRadius, double bandStart) {
        int kept = 0;
        for (int j = 0; j < bins; j++) {
            kept += (j + 1) * maxRadius / bins >= bandStart - 1e-12 ? 1 : 0;
        }
        return kept;
    }

    /**
     * Checks a band start for the cue's profile ({@link #durall()}'s rings) before any work is done.
     *
     * @throws IllegalArgumentException naming the accepted range
     */
    public static void checkBandStart(double start) {
        durall().withBandStart(start);
    }

    /** This configuration with another band start (0: the whole profile). */
    public SpectrumConfig withBandStart(double start) {
        return new SpectrumConfig(cropSize, bins, hannWindow, maxRadius, start);
    }

    /**
     * Durall et al.'s whole-spectrum profile, the cue before session 6 and the `spectral` baseline of `train --cv`:
     * 128 px crop (the training input size, and the whole of a 128 px dev image); 64 bins (at 128 px exactly the
     * integer rings 1..64, so no interpolation, and few enough for a regularised logistic regression on about a
     * hundred images); Hann window on; profile up to Nyquist only, so that every bin is a true average over all
     * angles (beyond Nyquist the rings are corner arcs of a few frequencies, down to 1).
     *
     * <p>Measured on the 118 dev images, grouped stratified 3-fold (SpectralBaselineBench, l2 = 0.01): this
     * setting ROC AUC 0.929 +- 0.104, 0.852 +- 0.190 after JPEG q75. Without the window 0.889 (0.855); 32 bins
     * 0.928 (0.845); up to sqrt 2 0.937 (0.825). All within the fold spread; the window's gain (0.04 at radius 1)
     * is the one clear effect and is what the edge-leakage argument predicts.
     */
    public static SpectrumConfig durall() {
        return new SpectrumConfig(128, 64, true, 1.0, 0);
    }

    /**
     * The cue's default: {@link #durall()}'s profile from 1/16 of Nyquist up (ring 4 of a 128 px crop), relative to
     * its own level ({@link #DEFAULT_BAND_START}).
     */
    public static SpectrumConfig defaults() {
        return durall().withBandStart(DEFAULT_BAND_START);
    }

    /**
     * The cue's default band start. Measured in session 6 (BENCHMARKS "Robustness, session 6"): normalised by the
     * total power, which the lowest rings (the scene) dominate, one soft real photo (smooth scene, real sensor noise)
     * was called fake on every fold it was tested in; relative to the band's own level its flat noise floor reads as
     * real and the fakes' steep or periodic tails as fake. Of the starts tried (1/16, 1/8, 1/4, 1/2 of Nyquist),
     * 1/16 had the best worst case over the degradation sweep; higher starts lose more under JPEG, which empties the
     * top of the band.
     */
    public static final double DEFAULT_BAND_START = 0.0625;
}
