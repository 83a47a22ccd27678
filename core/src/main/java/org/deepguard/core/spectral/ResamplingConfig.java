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
 */
public record ResamplingConfig(int maxPeriod, double epsilon) {
    public ResamplingConfig {
        if (maxPeriod < 2 || maxPeriod > 16) {
            throw new IllegalArgumentException("resampling max period must be in [2, 16], got " + maxPeriod);
        }
        if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
            throw new IllegalArgumentException("resampling epsilon must be positive, got " + epsilon);
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
     * Periods 2..8, epsilon 0.01. Measured as a second cue next to the spectral profile (late fusion, grouped 3-fold
     * on the dev set): see BENCHMARKS.md.
     */
    public static ResamplingConfig defaults() {
        return new ResamplingConfig(8, 0.01);
    }
}
