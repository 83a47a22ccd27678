package org.deepguard.core.explain;

/**
 * Seam-free stitching of maps that cover overlapping rectangles of one canvas (patch explanations, occlusion
 * windows): each map is weighted by a separable Hann window over its own rectangle, w(u) = sin^2(pi (u + 1/2) / n),
 * and the canvas is the weighted sum divided by the summed weights. The window falls to almost zero at a
 * rectangle's border, so where a neighbouring rectangle takes over the result changes smoothly instead of stepping;
 * because of the division, equal maps stitch to exactly the same value everywhere (a constant stays constant), and
 * a pixel covered by one rectangle only shows that rectangle's map unchanged. Pixels no rectangle covers stay 0.
 */
public final class PatchBlend {
    private final int width;
    private final int height;
    private final double[] sum;
    private final double[] weight;

    public PatchBlend(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("canvas must be at least 1x1, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.sum = new double[width * height];
        this.weight = new double[width * height];
    }

    /** Hann weight of position u in a span of n cells (never 0 inside the span). */
    static double window(int u, int n) {
        double s = Math.sin(Math.PI * (u + 0.5) / n);
        return s * s;
    }

    /** Adds {@code map} (resized to the rectangle when its size differs) over [x0, x1) x [y0, y1), clipped. */
    public void add(Heatmap map, int x0, int y0, int x1, int y1) {
        int rw = x1 - x0;
        int rh = y1 - y0;
        if (rw < 1 || rh < 1) {
            throw new IllegalArgumentException("empty rectangle [" + x0 + ", " + x1 + ") x [" + y0 + ", " + y1 + ")");
        }
        Heatmap m = map.width() == rw && map.height() == rh ? map : map.resize(rw, rh);
        double[] wx = new double[rw];
        for (int u = 0; u < rw; u++) {
            wx[u] = window(u, rw);
        }
        for (int y = Math.max(0, y0); y < Math.min(height, y1); y++) {
            double wy = window(y - y0, rh);
            for (int x = Math.max(0, x0); x < Math.min(width, x1); x++) {
                double wt = wy * wx[x - x0];
                int at = y * width + x;
                sum[at] += wt * m.at(x - x0, y - y0);
                weight[at] += wt;
            }
        }
    }

    /** Adds a constant value over a rectangle (an occlusion window's score change). */
    public void add(double value, int x0, int y0, int x1, int y1) {
        add(new Heatmap(1, 1, new double[] {value}), x0, y0, x1, y1);
    }

    /** The blended canvas (not normalised); 0 where nothing was added. */
    public Heatmap result() {
        double[] out = new double[sum.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = weight[i] > 0 ? sum[i] / weight[i] : 0;
        }
        return new Heatmap(width, height, out);
    }
}
