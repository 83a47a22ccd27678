package org.deepguard.core.spectral;

/**
 * In-place iterative radix-2 FFT (decimation in time: bit-reversal permutation, then butterflies of doubling span),
 * forward sign convention X[k] = sum x[j] exp(-2 pi i j k / n), no scaling. Lengths must be powers of two; the
 * spectral features only ever transform power-of-two crops, so the general case is not worth its code.
 */
public final class Fft {
    private Fft() {}

    /** Transforms {@code re + i im} in place; both arrays have the same power-of-two length. */
    public static void transform(double[] re, double[] im) {
        int n = re.length;
        requirePowerOfTwo(n, "length");
        if (im.length != n) {
            throw new IllegalArgumentException("real and imaginary parts differ in length: " + n + " vs " + im.length);
        }
        transform(re, im, twiddles(n));
    }

    /**
     * 2-D transform of a row-major {@code rows x cols} array in place: every row, then every column (the 2-D DFT is
     * separable, so the order does not change the result beyond rounding).
     */
    public static void transform2d(double[] re, double[] im, int rows, int cols) {
        requirePowerOfTwo(rows, "rows");
        requirePowerOfTwo(cols, "cols");
        if (re.length != rows * cols || im.length != rows * cols) {
            throw new IllegalArgumentException("arrays hold " + re.length + "/" + im.length + " values, not "
                    + rows + "x" + cols);
        }
        double[][] rowTw = twiddles(cols);
        double[] r = new double[cols];
        double[] i = new double[cols];
        for (int y = 0; y < rows; y++) {
            System.arraycopy(re, y * cols, r, 0, cols);
            System.arraycopy(im, y * cols, i, 0, cols);
            transform(r, i, rowTw);
            System.arraycopy(r, 0, re, y * cols, cols);
            System.arraycopy(i, 0, im, y * cols, cols);
        }
        double[][] colTw = rows == cols ? rowTw : twiddles(rows);
        double[] cr = new double[rows];
        double[] ci = new double[rows];
        for (int x = 0; x < cols; x++) {
            for (int y = 0; y < rows; y++) {
                cr[y] = re[y * cols + x];
                ci[y] = im[y * cols + x];
            }
            transform(cr, ci, colTw);
            for (int y = 0; y < rows; y++) {
                re[y * cols + x] = cr[y];
                im[y * cols + x] = ci[y];
            }
        }
    }

    /** cos and -sin of 2 pi k / n for k < n/2, computed directly (not by recurrence) to keep rounding at 1 ulp. */
    private static double[][] twiddles(int n) {
        double[] c = new double[Math.max(1, n / 2)];
        double[] s = new double[c.length];
        for (int k = 0; k < n / 2; k++) {
            double a = 2 * Math.PI * k / n;
            c[k] = Math.cos(a);
            s[k] = -Math.sin(a);
        }
        return new double[][] {c, s};
    }

    private static void transform(double[] re, double[] im, double[][] tw) {
        int n = re.length;
        // Bit-reversal permutation: afterwards each butterfly stage combines adjacent blocks.
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j |= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        double[] cos = tw[0];
        double[] sin = tw[1];
        for (int len = 2; len <= n; len <<= 1) {
            int half = len >> 1;
            int step = n / len;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * step];
                    double wi = sin[k * step];
                    int a = start + k;
                    int b = a + half;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }

    static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    private static void requirePowerOfTwo(int n, String what) {
        if (!isPowerOfTwo(n)) {
            throw new IllegalArgumentException("FFT " + what + " must be a power of two, got " + n);
        }
    }
}
