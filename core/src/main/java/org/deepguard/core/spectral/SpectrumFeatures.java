package org.deepguard.core.spectral;

import java.awt.image.BufferedImage;

/**
 * The azimuthally averaged power spectrum of an image (Durall et al. 2020, "Watch your up-convolution"): up-sampling
 * layers leave too little, or periodically replicated, energy at the highest spatial frequencies, and averaging the
 * 2-D spectrum over rings turns that into a short 1-D profile a linear classifier can read.
 *
 * <p>The pipeline, and why each step is as it is:
 * <ol>
 *   <li>Luma Y = 0.299 R + 0.587 G + 0.114 B (BT.601): up-sampling traces are in all channels alike, and one
 *       channel keeps the vector short.</li>
 *   <li>Centred square crop of side = the largest power of two &lt;= min(w, h), capped at
 *       {@link SpectrumConfig#cropSize()}, at native resolution. Never resampled: any interpolation is itself a
 *       low-pass filter with its own spectral signature and would erase or fake the traces we look for. Power of
 *       two keeps the FFT radix-2. Images under 16 px are refused.</li>
 *   <li>The crop's mean is subtracted: DC only encodes brightness, and left in, a windowed DC leaks into the
 *       lowest rings.</li>
 *   <li>Optional separable Hann window w(i) = sin^2(pi (i + 1/2) / n): the FFT treats the crop as periodic, so its
 *       hard edges add a "+" of broadband power along both axes to every image, masking the high-frequency
 *       differences.</li>
 *   <li>2-D FFT (rows then columns), power |F|^2.</li>
 *   <li>Azimuthal average: each frequency (fx, fy), taken in [-n/2, n/2), joins the ring round(sqrt(fx^2 + fy^2))
 *       (the centred spectrum's rings; corners reach sqrt 2 times Nyquist).</li>
 *   <li>Per-image normalisation: each ring mean is divided by the mean power over all non-DC frequencies (= the
 *       crop's variance up to a constant), so the profile describes the spectrum's shape, not the image's
 *       contrast; with the mean removal above, Y -&gt; a Y + b leaves the features unchanged.</li>
 *   <li>Decibels, 10 log10(ratio + 1e-10): power falls by orders of magnitude from low to high frequencies, and a
 *       log scale makes the high-frequency tail, where the traces live, as visible to a linear model as the head.
 *       The 1e-10 floor (-100 dB) keeps empty rings finite. A true log of the normalised power is used instead of
 *       log(1 + power) because only the former makes the normalisation exact.</li>
 *   <li>Ring k sits at normalised radius k / (n/2) (Nyquist = 1), so crops of different sizes give comparable
 *       vectors; the dB profile is linearly interpolated to the radii (j + 1) maxRadius / bins. At the defaults
 *       (128 px, 64 bins, radius 1) these are exactly the rings 1..64: no smoothing.</li>
 *   <li>With a band start ({@link SpectrumConfig#bandStart()}, the default 1/16 of Nyquist): the bins below it are
 *       set to 0 and each bin of the band is taken relative to the band's mean dB. The low rings say how smooth the
 *       scene is, and a soft real photo (defocus, a clouded sky) has them as low as an up-sampled fake; the shape of
 *       the high band (a flat sensor-noise floor, or the steep fall and periodic bumps that up-sampling leaves) is
 *       what tells the two apart.</li>
 * </ol>
 * A flat crop (luma variance below 1e-12) has no spectral shape; its features are all 0.
 */
public final class SpectrumFeatures {
    private static final double FLOOR = 1e-10;

    private SpectrumFeatures() {}

    /** The feature vector, of length {@code cfg.bins()}. */
    public static double[] of(BufferedImage rgb, SpectrumConfig cfg) {
        int side = cropSide(rgb.getWidth(), rgb.getHeight(), cfg);
        int x0 = (rgb.getWidth() - side) / 2;
        int y0 = (rgb.getHeight() - side) / 2;
        double[] y = luma(rgb, x0, y0, side, side);
        double[] power = powerSpectrum(y, side, cfg.hannWindow());
        return profile(power, side, cfg);
    }

    /**
     * Side of the centred crop: the largest power of two &lt;= min(w, h), capped at the configured size.
     *
     * @throws IllegalArgumentException when the image is smaller than 16 px on a side
     */
    public static int cropSide(int width, int height, SpectrumConfig cfg) {
        int m = Math.min(width, height);
        if (m < SpectrumConfig.MIN_SIDE) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is too small for spectral "
                    + "features: both sides must be at least " + SpectrumConfig.MIN_SIDE + " px");
        }
        return Math.min(Integer.highestOneBit(m), cfg.cropSize());
    }

    /** BT.601 luma of a {@code w x h} window at (x0, y0), row-major, on the 0-255 scale. */
    static double[] luma(BufferedImage rgb, int x0, int y0, int w, int h) {
        int[] px = rgb.getRGB(x0, y0, w, h, null, 0, w);
        double[] y = new double[px.length];
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            y[i] = 0.299 * ((p >> 16) & 0xFF) + 0.587 * ((p >> 8) & 0xFF) + 0.114 * (p & 0xFF);
        }
        return y;
    }

    /**
     * |F|^2 of a row-major {@code n x n} array after mean removal and the optional Hann window, in FFT order
     * (index 0 = DC; not shifted: the ring code below wraps frequencies itself). The input is not modified.
     */
    public static double[] powerSpectrum(double[] values, int n, boolean hann) {
        if (values.length != n * n) {
            throw new IllegalArgumentException(values.length + " values do not make a " + n + "x" + n + " square");
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.sin(Math.PI * (i + 0.5) / n);
            w[i] = hann ? s * s : 1;
        }
        double[] re = new double[n * n];
        double[] im = new double[n * n];
        for (int yy = 0; yy < n; yy++) {
            for (int xx = 0; xx < n; xx++) {
                re[yy * n + xx] = (values[yy * n + xx] - mean) * w[yy] * w[xx];
            }
        }
        Fft.transform2d(re, im, n, n);
        double[] power = new double[n * n];
        for (int i = 0; i < power.length; i++) {
            power[i] = re[i] * re[i] + im[i] * im[i];
        }
        return power;
    }

    /**
     * Mean power per integer ring of an {@code n x n} spectrum in FFT order: index k = frequencies whose distance
     * from DC rounds to k; length round(sqrt 2 * n/2) + 1.
     */
    public static double[] ringMeans(double[] power, int n) {
        int half = n / 2;
        int rings = (int) Math.round(Math.sqrt(2) * half) + 1;
        double[] sum = new double[rings];
        int[] count = new int[rings];
        for (int v = 0; v < n; v++) {
            int fy = v < half ? v : v - n;
            for (int u = 0; u < n; u++) {
                int fx = u < half ? u : u - n;
                int k = (int) Math.round(Math.sqrt((double) fx * fx + (double) fy * fy));
                sum[k] += power[v * n + u];
                count[k]++;
            }
        }
        for (int k = 0; k < rings; k++) {
            sum[k] = count[k] == 0 ? 0 : sum[k] / count[k];
        }
        return sum;
    }

    /** The normalised dB profile of a spectrum (steps 6-9 above). */
    static double[] profile(double[] power, int n, SpectrumConfig cfg) {
        double total = 0;
        for (int i = 1; i < power.length; i++) {
            total += power[i];
        }
        double meanAc = total / (power.length - 1);
        double[] out = new double[cfg.bins()];
        // Parseval: sum of AC power = n^2 * sum of squared deviations, so this is a variance test on the crop.
        if (meanAc <= 1e-12 * n * n) {
            return out;
        }
        double[] ring = ringMeans(power, n);
        double[] db = new double[ring.length];
        for (int k = 0; k < ring.length; k++) {
            db[k] = 10 * Math.log10(ring[k] / meanAc + FLOOR);
        }
        double half = n / 2.0;
        for (int j = 0; j < out.length; j++) {
            double pos = (j + 1) * cfg.maxRadius() / out.length * half; // in ring units
            // Below ring 1 there is only DC, which mean removal emptied: clamp to ring 1.
            pos = Math.max(1, Math.min(ring.length - 1, pos));
            int k = (int) Math.floor(pos);
            double t = pos - k;
            out[j] = k + 1 < ring.length ? (1 - t) * db[k] + t * db[k + 1] : db[k];
        }
        if (cfg.bandStart() > 0) {
            toBandShape(out, cfg);
        }
        return out;
    }

    /**
     * With a band start: the bins below it become 0, the bins in the band their dB value minus the band's mean dB
     * (in place). Subtracting a mean in dB divides by the band's geometric-mean power, so the result no longer
     * depends on how the image's power is split between low and high frequencies.
     */
    static void toBandShape(double[] values, SpectrumConfig cfg) {
        double sum = 0;
        int count = 0;
        for (int j = 0; j < values.length; j++) {
            if (cfg.inBand(j)) {
                sum += values[j];
                count++;
            }
        }
        double mean = sum / count;
        for (int j = 0; j < values.length; j++) {
            values[j] = cfg.inBand(j) ? values[j] - mean : 0;
        }
    }
}
