package org.deepguard.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * 64-bit DCT perceptual hash (pHash): luminance, area-averaged down to 32x32, 2-D DCT-II, the 8x8 lowest
 * frequencies, one bit per coefficient above their median. Low frequencies survive JPEG re-encoding and resizing, so
 * copies of one photo land a few bits apart while unrelated images differ in about half of the 64 bits.
 */
public final class PerceptualHash {
    static final int N = 32;
    static final int K = 8;
    /** COS[k][n] = cos(pi (2n+1) k / 2N): the first K rows of the DCT-II basis. */
    private static final double[][] COS = new double[K][N];

    static {
        for (int k = 0; k < K; k++) {
            for (int n = 0; n < N; n++) {
                COS[k][n] = Math.cos(Math.PI * (2 * n + 1) * k / (2.0 * N));
            }
        }
    }

    private PerceptualHash() {}

    public static long of(BufferedImage img) {
        return fromGrid(luminanceGrid(img));
    }

    public static int distance(long a, long b) {
        return Long.bitCount(a ^ b);
    }

    public static String hex(long hash) {
        return HexFormat.of().toHexDigits(hash);
    }

    public static long parseHex(String hex) {
        if (hex == null || hex.length() != 16) {
            throw new IllegalArgumentException("perceptual hash must be 16 hex digits, got '" + hex + "'");
        }
        return HexFormat.fromHexDigitsToLong(hex);
    }

    /** Mean luminance of each cell of an N x N grid; every source pixel counts once (area averaging, no aliasing). */
    static double[] luminanceGrid(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        // Integer luma x 1000 (ITU-R BT.601, as PIL's convert("L")): exact sums, no per-pixel floating point.
        long[] sum = new long[N * N];
        int[] cellX = new int[w];
        int[] colsInCell = new int[N];
        for (int x = 0; x < w; x++) {
            cellX[x] = (int) ((long) x * N / w);
            colsInCell[cellX[x]]++;
        }
        int[] rowsInCell = new int[N];
        int[] row = new int[w];
        int[] first = pixels(img, 0, w, row);
        int[] all = first == row ? null : first; // the whole raster when it is directly readable
        long[] rowSum = new long[N];
        for (int y = 0; y < h; y++) {
            int[] px = all != null ? all : pixels(img, y, w, row);
            int offset = all != null ? y * w : 0;
            int cellY = (int) ((long) y * N / h);
            rowsInCell[cellY]++;
            java.util.Arrays.fill(rowSum, 0);
            for (int x = 0; x < w; x++) {
                int rgb = px[offset + x];
                rowSum[cellX[x]] += 299 * ((rgb >> 16) & 0xFF) + 587 * ((rgb >> 8) & 0xFF) + 114 * (rgb & 0xFF);
            }
            int cy = cellY * N;
            for (int c = 0; c < N; c++) {
                sum[cy + c] += rowSum[c];
            }
        }
        // every pixel of a cell's rows and columns falls in it: counts are products, not per-pixel increments
        int[] count = new int[N * N];
        for (int cy = 0; cy < N; cy++) {
            for (int cx = 0; cx < N; cx++) {
                count[cy * N + cx] = rowsInCell[cy] * colsInCell[cx];
            }
        }
        double[] grid = new double[N * N];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = count[i] == 0 ? 0 : sum[i] / (1000.0 * count[i]);
        }
        if (w < N || h < N) {
            fillEmptyCells(grid, count, w, h);
        }
        return grid;
    }

    static long fromGrid(double[] grid) {
        // Rows first: tmp[k][x] = sum_y COS[k][y] grid[y][x]; then columns for the K lowest horizontal frequencies.
        double[][] tmp = new double[K][N];
        for (int k = 0; k < K; k++) {
            for (int y = 0; y < N; y++) {
                double c = COS[k][y];
                for (int x = 0; x < N; x++) {
                    tmp[k][x] += c * grid[y * N + x];
                }
            }
        }
        double[] low = new double[K * K];
        for (int k = 0; k < K; k++) {
            for (int l = 0; l < K; l++) {
                double s = 0;
                for (int x = 0; x < N; x++) {
                    s += COS[l][x] * tmp[k][x];
                }
                low[k * K + l] = s;
            }
        }
        // The median of the AC terms: the DC term (mean brightness) would otherwise skew the threshold.
        double[] ac = Arrays.copyOfRange(low, 1, low.length);
        Arrays.sort(ac);
        double median = (ac[ac.length / 2 - 1] + ac[ac.length / 2]) / 2;
        // Rounding noise on coefficients that are zero in exact arithmetic must not decide bits.
        double eps = 1e-9 * Math.max(Math.abs(ac[0]), Math.abs(ac[ac.length - 1]));
        long hash = 0;
        for (int i = 0; i < low.length; i++) {
            if (low[i] > median + eps) {
                hash |= 1L << (63 - i);
            }
        }
        return hash;
    }

    /** Direct access to TYPE_INT_RGB pixels (no copy); other types go through getRGB one row at a time. */
    private static int[] pixels(BufferedImage img, int y, int w, int[] row) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB && img.getRaster().getDataBuffer() instanceof DataBufferInt db
                && img.getRaster().getSampleModelTranslateX() == 0 && img.getRaster().getSampleModelTranslateY() == 0
                && img.getRaster().getWidth() == w) {
            return db.getData();
        }
        img.getRGB(0, y, w, 1, row, 0, w);
        return row;
    }

    /** Images smaller than the grid leave cells empty: copy the nearest filled cell along each axis. */
    private static void fillEmptyCells(double[] grid, int[] count, int w, int h) {
        for (int cy = 0; cy < N; cy++) {
            for (int cx = 0; cx < N; cx++) {
                if (count[cy * N + cx] == 0) {
                    int sx = (int) ((long) cx * w / N);
                    int sy = (int) ((long) cy * h / N);
                    int srcX = (int) ((long) sx * N / w);
                    int srcY = (int) ((long) sy * N / h);
                    grid[cy * N + cx] = grid[srcY * N + srcX];
                }
            }
        }
    }
}
