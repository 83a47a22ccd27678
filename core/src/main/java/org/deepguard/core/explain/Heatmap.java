package org.deepguard.core.explain;

/**
 * A single-channel map, row-major ({@code values[y * width + x]}).
 */
public record Heatmap(int width, int height, double[] values) {

    public Heatmap {
        if (values.length != width * height) {
            throw new IllegalArgumentException("expected " + width * height + " values, got " + values.length);
        }
    }

    public double at(int x, int y) {
        return values[y * width + x];
    }

    /** Min-max scaled to [0, 1]; a constant map becomes all zeros (nothing stands out). */
    public Heatmap normalised() {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double range = max - min;
        double[] out = new double[values.length];
        if (range > 1e-12 * Math.max(1, Math.abs(max))) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (values[i] - min) / range;
            }
        }
        return new Heatmap(width, height, out);
    }

    /** Bilinear resampling with pixel centres aligned (half-pixel convention, edges clamped). */
    public Heatmap resize(int newWidth, int newHeight) {
        double[] out = new double[newWidth * newHeight];
        double sx = (double) width / newWidth;
        double sy = (double) height / newHeight;
        for (int y = 0; y < newHeight; y++) {
            double fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
            int y0 = (int) Math.floor(fy);
            int y1 = Math.min(y0 + 1, height - 1);
            double ty = fy - y0;
            for (int x = 0; x < newWidth; x++) {
                double fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
                int x0 = (int) Math.floor(fx);
                int x1 = Math.min(x0 + 1, width - 1);
                double tx = fx - x0;
                double top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx;
                double bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx;
                out[y * newWidth + x] = top * (1 - ty) + bottom * ty;
            }
        }
        return new Heatmap(newWidth, newHeight, out);
    }

    /** Index of the hottest cell (first on ties). */
    public int argmax() {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    public double max() {
        return values[argmax()];
    }
}
