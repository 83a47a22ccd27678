package org.deepguard.core.preprocess;

/**
 * Separable, anti-aliased bilinear (triangle-filter) resampling on float planes, written out so every stage and
 * every JVM computes bit-identical tensors. When shrinking, the filter widens with the scale factor (as PIL's
 * BILINEAR does), so downscaled images are not aliased.
 */
public final class Resampler {
    private Resampler() {}

    /**
     * Resizes the region [x0, x0+w) x [y0, y0+h) of {@code src} (planar, channels x srcH x srcW) to outW x outH.
     */
    public static float[][] resize(float[][] src, int srcW, int srcH, double x0, double y0, double w, double h,
                                   int outW, int outH) {
        Weights wx = weights(srcW, x0, w, outW);
        Weights wy = weights(srcH, y0, h, outH);
        float[][] out = new float[src.length][];
        float[] tmp = new float[srcH * outW];
        for (int c = 0; c < src.length; c++) {
            float[] plane = src[c];
            // horizontal pass: srcH x outW
            for (int y = 0; y < srcH; y++) {
                int row = y * srcW;
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    int first = wx.first[x];
                    double[] k = wx.kernel[x];
                    for (int i = 0; i < k.length; i++) {
                        acc += k[i] * plane[row + first + i];
                    }
                    tmp[y * outW + x] = (float) acc;
                }
            }
            float[] res = new float[outH * outW];
            for (int y = 0; y < outH; y++) {
                int first = wy.first[y];
                double[] k = wy.kernel[y];
                for (int x = 0; x < outW; x++) {
                    double acc = 0;
                    for (int i = 0; i < k.length; i++) {
                        acc += k[i] * tmp[(first + i) * outW + x];
                    }
                    res[y * outW + x] = (float) acc;
                }
            }
            out[c] = res;
        }
        return out;
    }

    /**
     * The adjoint (transpose) of {@link #resize} with the same geometry: maps a gradient with respect to the outW x
     * outH output planes to the gradient with respect to the srcW x srcH source planes (pixels outside the region get
     * 0). Exact, since the resampling is linear; used to back-propagate through preprocessing.
     */
    public static double[][] resizeAdjoint(double[][] gradOut, int srcW, int srcH, double x0, double y0, double w,
                                           double h, int outW, int outH) {
        Weights wx = weights(srcW, x0, w, outW);
        Weights wy = weights(srcH, y0, h, outH);
        double[][] out = new double[gradOut.length][];
        for (int c = 0; c < gradOut.length; c++) {
            double[] g = gradOut[c];
            double[] tmp = new double[srcH * outW];
            for (int y = 0; y < outH; y++) {
                int first = wy.first[y];
                double[] k = wy.kernel[y];
                for (int x = 0; x < outW; x++) {
                    double v = g[y * outW + x];
                    for (int i = 0; i < k.length; i++) {
                        tmp[(first + i) * outW + x] += k[i] * v;
                    }
                }
            }
            double[] res = new double[srcH * srcW];
            for (int y = 0; y < srcH; y++) {
                int row = y * srcW;
                for (int x = 0; x < outW; x++) {
                    double v = tmp[y * outW + x];
                    int first = wx.first[x];
                    double[] k = wx.kernel[x];
                    for (int i = 0; i < k.length; i++) {
                        res[row + first + i] += k[i] * v;
                    }
                }
            }
            out[c] = res;
        }
        return out;
    }

    private record Weights(int[] first, double[][] kernel) {}

    private static Weights weights(int srcSize, double start, double length, int outSize) {
        double scale = length / outSize;
        double support = Math.max(1.0, scale); // triangle half-width in source pixels
        int[] first = new int[outSize];
        double[][] kernel = new double[outSize][];
        for (int o = 0; o < outSize; o++) {
            double center = start + (o + 0.5) * scale;
            int lo = (int) Math.floor(center - support);
            int hi = (int) Math.ceil(center + support);
            lo = Math.max(lo, 0);
            hi = Math.min(hi, srcSize - 1);
            double[] k = new double[hi - lo + 1];
            double sum = 0;
            for (int i = lo; i <= hi; i++) {
                double d = Math.abs((i + 0.5 - center) / support);
                double v = d < 1 ? 1 - d : 0;
                k[i - lo] = v;
                sum += v;
            }
            if (sum == 0) { // degenerate: nearest pixel
                int nearest = Math.min(Math.max((int) Math.floor(center), 0), srcSize - 1);
                first[o] = nearest;
                kernel[o] = new double[] {1.0};
                continue;
            }
            for (int i = 0; i < k.length; i++) {
                k[i] /= sum;
            }
            first[o] = lo;
            kernel[o] = k;
        }
        return new Weights(first, kernel);
    }
}
