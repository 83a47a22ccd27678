package org.deepguard.core.spectral;

/**
 * Everything that defines the resampling-periodicity feature vector exactly (see {@link ResamplingFeatures});
 * stored in model bundles with the fitted weights.
 *
 * @param maxPeriod largest period tested; periods 2..maxPeriod each give three features, in [2, 16]. Up-sampling
 *                  by a factor k leaves traces with period k (and its divisors); 8 covers the usual 2x, 3x, 4x and
 *                  8x generators and the 8 px block grid of JPEG, which a classifier must learn to tell apart
 * @param epsilon   added to every per-phase mean before the log ratio (0-255 luma units), so flat images give
 *                  finite features; far below the ~0.3 of 8-bit quantisation noise
 * @param cropSize  cap on each side of the centred window the features are computed on, at native resolution: a
 *                  512 x 512 window holds over 30 000 samples per phase at period 8, plenty for a mean, and keeps the
 *                  cost (time and memory) of a 12-megapixel photo at that of a 0.26-megapixel one
 */
public record ResamplingConfig(int maxPeriod, double epsilon, int cropSize) {
    public ResamplingConfig {
        if (maxPeriod < 2 || maxPeriod > 16) {
            throw new IllegalArgumentException("resampling max period must be in [2, 16], got " + maxPeriod);
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("resampling epsilon must be positive, got " + epsilon);
        }
        if (cropSize < 2 * maxPeriod + 2 || cropSize > 8192) {
            throw new IllegalArgumentException("resampling crop size must be in [" + (2 * maxPeriod + 2)
                    + ", 8192], got " + cropSize);
        }
    }

    /** Length of the feature vector: three contrasts (columns, rows, 2-D lattice) per period. */
    public int dimension() {
        return 3 * (maxPeriod - 1);
    }

    /** Smallest image side: the interior must hold two full cycles of the largest period. */
    public int minSide() {
        return 2 * maxPeriod + 2;
    }

    /**
     * Periods 2..8, epsilon 0.01, windows up to 512 px. Measured as a second cue next to the spectral profile (late fusion, grouped 3-fold
     * on the dev set): see BENCHMARKS.md.
     */
    public static ResamplingConfig defaults() {
        return new ResamplingConfig(8, 0.01, 512);
    }
}
