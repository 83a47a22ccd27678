package org.deepguard.core.spectral;

/**
 * The hand-crafted cue ({@link SpectralClassifier}) on real-valued pixels, with its exact gradient with respect to
 * them: what a white-box attacker needs to push the cue, and what {@code core.attack} uses. No approximation (no
 * BPDA, no finite differences): every step of both feature sets is differentiable almost everywhere.
 *
 * <ul>
 *   <li>Spectral profile: luma and mean removal and the Hann window are linear; the power spectrum P = |F|^2 of
 *       F = DFT(u) back-propagates as dL/du = 2 Re(DFT(dL/dP * conj F)) (the 2-D DFT matrix is symmetric); ring
 *       means, the normalisation by the mean AC power, the dB log and the linear interpolation over rings are smooth
 *       (the ring membership is fixed by geometry, not by the data).</li>
 *   <li>Resampling periodicity: second differences are linear; |.| takes its subgradient sign(d) (0 at d = 0);
 *       ln((max + eps) / (min + eps)) over the phase means takes the gradient of the phases that are the max and
 *       the min (piecewise linear selection, a subgradient where two phases tie).</li>
 * </ul>
 * On 8-bit-valued pixels the value equals {@link SpectralClassifier#logOdds} of the same image up to rounding.
 */
public final class CueGradient {
    private static final double FLOOR = 1e-10;
    private static final double R = 0.299;
    private static final double G = 0.587;
    private static final double B = 0.114;

    private CueGradient() {}

    /** The cue's log-odds and its gradient with respect to interleaved RGB pixels (HWC, 0-255 scale). */
    public record Result(double logOdds, double[] gradient) {}

    /**
     * @param rgb    interleaved RGB values (index (y * width + x) * 3 + channel), 0-255 scale, any real values
     * @param withGradient false to compute the value only (cheaper)
     */
    public static Result of(SpectralClassifier cue, double[] rgb, int width, int height, boolean withGradient) {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(rgb.length + " values do not make a " + width + "x" + height
                    + " RGB image");
        }
        double[] lumaGrad = withGradient ? new double[width * height] : null;
        double z = spectral(cue.config(), cue.model(), rgb, width, height, lumaGrad);
        if (cue.resampling() != null) {
            z += resampling(cue.resampling(), cue.resamplingModel(), rgb, width, height, lumaGrad);
        }
        double[] grad = null;
        if (withGradient) {
            grad = new double[rgb.length];
            for (int i = 0; i < lumaGrad.length; i++) {
                double g = lumaGrad[i];
                grad[3 * i] = R * g;
                grad[3 * i + 1] = G * g;
                grad[3 * i + 2] = B * g;
            }
        }
        return new Result(z, grad);
    }

    private static double[] luma(double[] rgb, int width, int x0, int y0, int w, int h) {
        double[] y = new double[w * h];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int i = ((r + y0) * width + c + x0) * 3;
                y[r * w + c] = R * rgb[i] + G * rgb[i + 1] + B * rgb[i + 2];
            }
        }
        return y;
    }

    /** Adds {@code g} (a w x h window's luma gradient) into the whole image's luma gradient at (x0, y0). */
    private static void scatter(double[] g, int w, int h, int x0, int y0, double[] into, int width) {
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                into[(r + y0) * width + c + x0] += g[r * w + c];
            }
        }
    }

    /** Spectral profile log-odds; adds its luma gradient into {@code lumaGrad} when not null. */
    static double spectral(SpectrumConfig cfg, LogisticRegression model, double[] rgb, int width, int height,
                           double[] lumaGrad) {
        int n = SpectrumFeatures.cropSide(width, height, cfg);
        int x0 = (width - n) / 2;
        int y0 = (height - n) / 2;
        double[] y = luma(rgb, width, x0, y0, n, n);
        int total = n * n;
        double mean = 0;
        for (double v : y) {
            mean += v;
        }
        mean /= total;
        double[] win = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.sin(Math.PI * (i + 0.5) / n);
            win[i] = cfg.hannWindow() ? s * s : 1;
        }
        double[] re = new double[total];
        double[] im = new double[total];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                re[r * n + c] = (y[r * n + c] - mean) * win[r] * win[c];
            }
        }
        Fft.transform2d(re, im, n, n);
        double[] power = new double[total];
        for (int i = 0; i < total; i++) {
            power[i] = re[i] * re[i] + im[i] * im[i];
        }
        double[] features = SpectrumFeatures.profile(power, n, cfg);
        double[] w = model.weights();
        double[] mu = model.mean();
        double[] sd = model.std();
        double z = model.bias();
        for (int j = 0; j < w.length; j++) {
            z += w[j] * (features[j] - mu[j]) / sd[j];
        }
        if (lumaGrad == null) {
            return z;
        }
        // Backward through the profile (mirrors SpectrumFeatures.profile).
        double acSum = 0;
        for (int i = 1; i < total; i++) {
            acSum += power[i];
        }
        double meanAc = acSum / (total - 1);
        if (meanAc <= 1e-12 * n * n) {
            return z; // flat crop: constant features, zero gradient
        }
        double[] ring = SpectrumFeatures.ringMeans(power, n);
        int[] count = ringCounts(n, ring.length);
        double[] gDb = new double[ring.length];
        double half = n / 2.0;
        double[] gFeatures = new double[w.length];
        for (int j = 0; j < w.length; j++) {
            gFeatures[j] = w[j] / sd[j];
        }
        if (cfg.bandStart() > 0) {
            // the band's shape is its bins minus their mean: the same centring maps the gradient back
            SpectrumFeatures.toBandShape(gFeatures, cfg);
        }
        for (int j = 0; j < w.length; j++) {
            double gOut = gFeatures[j];
            double pos = (j + 1) * cfg.maxRadius() / w.length * half;
            pos = Math.max(1, Math.min(ring.length - 1, pos));
            int k = (int) Math.floor(pos);
            double t = pos - k;
            if (k + 1 < ring.length) {
                gDb[k] += (1 - t) * gOut;
                gDb[k + 1] += t * gOut;
            } else {
                gDb[k] += gOut;
            }
        }
        double[] gRing = new double[ring.length];
        double gMeanAc = 0;
        for (int k = 0; k < ring.length; k++) {
            if (gDb[k] == 0) {
                continue;
            }
            double ratio = ring[k] / meanAc;
            double gRatio = gDb[k] * 10 / Math.log(10) / (ratio + FLOOR);
            gRing[k] = gRatio / meanAc;
            gMeanAc -= gRatio * ring[k] / (meanAc * meanAc);
        }
        // dL/dP, then v = dL/dP * conj(F), dL/du = 2 Re(DFT(v)).
        int hf = n / 2;
        double[] vr = new double[total];
        double[] vi = new double[total];
        for (int v = 0; v < n; v++) {
            int fy = v < hf ? v : v - n;
            for (int u = 0; u < n; u++) {
                int fx = u < hf ? u : u - n;
                int i = v * n + u;
                int k = (int) Math.round(Math.sqrt((double) fx * fx + (double) fy * fy));
                double gp = (count[k] == 0 ? 0 : gRing[k] / count[k]) + (i >= 1 ? gMeanAc / (total - 1) : 0);
                vr[i] = gp * re[i];
                vi[i] = -gp * im[i];
            }
        }
        Fft.transform2d(vr, vi, n, n);
        double[] gy = new double[total];
        double gMean = 0;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                int i = r * n + c;
                double g = 2 * vr[i] * win[r] * win[c];
                gy[i] = g;
                gMean += g;
            }
        }
        gMean /= total;
        for (int i = 0; i < total; i++) {
            gy[i] -= gMean;
        }
        scatter(gy, n, n, x0, y0, lumaGrad, width);
        return z;
    }

    private static int[] ringCounts(int n, int rings) {
        int half = n / 2;
        int[] count = new int[rings];
        for (int v = 0; v < n; v++) {
            int fy = v < half ? v : v - n;
            for (int u = 0; u < n; u++) {
                int fx = u < half ? u : u - n;
                count[(int) Math.round(Math.sqrt((double) fx * fx + (double) fy * fy))]++;
            }
        }
        return count;
    }

    /** Resampling-periodicity log-odds; adds its luma gradient into {@code lumaGrad} when not null. */
    static double resampling(ResamplingConfig cfg, LogisticRegression model, double[] rgb, int width, int height,
                             double[] lumaGrad) {
        if (Math.min(width, height) < cfg.minSide()) {
            throw new IllegalArgumentException("image " + width + "x" + height + " is too small for resampling "
                    + "features: both sides must be at least " + cfg.minSide() + " px");
        }
        int w = Math.min(width, cfg.cropSize());
        int h = Math.min(height, cfg.cropSize());
        int x0 = (width - w) / 2;
        int y0 = (height - h) / 2;
        double[] y = luma(rgb, width, x0, y0, w, h);
        double[] features = ResamplingFeatures.of(y, w, h, cfg);
        double[] wt = model.weights();
        double[] mu = model.mean();
        double[] sd = model.std();
        double z = model.bias();
        for (int j = 0; j < wt.length; j++) {
            z += wt[j] * (features[j] - mu[j]) / sd[j];
        }
        if (lumaGrad == null) {
            return z;
        }
        int iw = w - 2;
        int ih = h - 2;
        double[] dx = new double[iw * ih];
        double[] dy = new double[iw * ih];
        for (int r = 0; r < ih; r++) {
            int row = (r + 1) * w;
            for (int c = 0; c < iw; c++) {
                int i = row + c + 1;
                dx[r * iw + c] = y[i + 1] - 2 * y[i] + y[i - 1]; // signed here; |.| below
                dy[r * iw + c] = y[i + w] - 2 * y[i] + y[i - w];
            }
        }
        double[] gdx = new double[iw * ih];
        double[] gdy = new double[iw * ih];
        int k = 0;
        for (int p = 2; p <= cfg.maxPeriod(); p++) {
            int cw = iw / p * p;
            int ch = ih / p * p;
            double[] col = new double[p];
            double[] row = new double[p];
            double[] cell = new double[p * p];
            for (int r = 0; r < ih; r++) {
                for (int c = 0; c < iw; c++) {
                    double ex = Math.abs(dx[r * iw + c]);
                    double ey = Math.abs(dy[r * iw + c]);
                    if (c < cw) {
                        col[c % p] += ex;
                    }
                    if (r < ch) {
                        row[r % p] += ey;
                    }
                    if (r < ch && c < cw) {
                        cell[(r % p) * p + c % p] += ex + ey;
                    }
                }
            }
            double[] gCol = contrastGradient(col, (double) cw / p * ih, cfg.epsilon(), wt[k] / sd[k]);
            double[] gRow = contrastGradient(row, (double) ch / p * iw, cfg.epsilon(), wt[k + 1] / sd[k + 1]);
            double[] gCell = contrastGradient(cell, (double) cw / p * ch / p, cfg.epsilon(), wt[k + 2] / sd[k + 2]);
            k += 3;
            for (int r = 0; r < ih; r++) {
                for (int c = 0; c < iw; c++) {
                    int i = r * iw + c;
                    if (c < cw) {
                        gdx[i] += gCol[c % p];
                    }
                    if (r < ch) {
                        gdy[i] += gRow[r % p];
                    }
                    if (r < ch && c < cw) {
                        double g = gCell[(r % p) * p + c % p];
                        gdx[i] += g;
                        gdy[i] += g;
                    }
                }
            }
        }
        double[] gy = new double[w * h];
        for (int r = 0; r < ih; r++) {
            int row = (r + 1) * w;
            for (int c = 0; c < iw; c++) {
                int i = row + c + 1;
                int j = r * iw + c;
                double gx = gdx[j] * Math.signum(dx[j]);
                gy[i + 1] += gx;
                gy[i] -= 2 * gx;
                gy[i - 1] += gx;
                double gv = gdy[j] * Math.signum(dy[j]);
                gy[i + w] += gv;
                gy[i] -= 2 * gv;
                gy[i - w] += gv;
            }
        }
        scatter(gy, w, h, x0, y0, lumaGrad, width);
        return z;
    }

    /**
     * Gradient of {@code scale * ln((max + eps) / (min + eps))} over per-phase means sums / count, with respect to
     * the sums: only the max and the min phase move it (the first of tied phases).
     */
    private static double[] contrastGradient(double[] sums, double count, double eps, double scale) {
        int iMax = 0;
        int iMin = 0;
        for (int i = 1; i < sums.length; i++) {
            if (sums[i] > sums[iMax]) {
                iMax = i;
            }
            if (sums[i] < sums[iMin]) {
                iMin = i;
            }
        }
        double[] g = new double[sums.length];
        if (iMax == iMin) {
            return g; // all phases equal: the ratio is 1 and locally flat in the sense used here
        }
        g[iMax] += scale / (sums[iMax] / count + eps) / count;
        g[iMin] -= scale / (sums[iMin] / count + eps) / count;
        return g;
    }
}
