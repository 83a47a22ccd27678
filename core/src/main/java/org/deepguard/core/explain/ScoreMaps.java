package org.deepguard.core.explain;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Model-agnostic maps of a whole score: the image is perturbed (parts replaced by a {@link Baseline}), every
 * perturbed copy goes through the {@link ImageScorer} exactly as an image would (with {@link ImageScorer#of} that is
 * {@code detect}'s score: patches, all ensemble members, the fused cue, in log-odds), and the change in the score is
 * laid back onto the pixels that were removed. Nothing inside the model is read, so the map covers every part of the
 * score, including the hand-crafted cue that Grad-CAM cannot see.
 *
 * <p>Methods and cost, in whole-image score evaluations (each one is, for a patch-voting ensemble, patches x
 * members forward passes plus the cue's features):
 * <ul>
 *   <li>occlusion (Zeiler and Fergus 2014): a window of side 2 / (n + 1) of the image's (consecutive positions
 *       overlap by half) slides over an n x n grid of positions; each window's drop in the target's log-odds is spread over the
 *       window with a Hann weight ({@link PatchBlend}) and overlaps are averaged. Cost n^2 + 1 (n = 7: 50).
 *       Deterministic.</li>
 *   <li>RISE (Petsiuk et al. 2018): N random masks, each an s x s grid of cells kept with probability p, upsampled
 *       bilinearly with a random sub-cell shift; a pixel's value is the mean score of the masks that kept it minus
 *       the mean score of those that removed it (weighted by how much each mask kept it), in log-odds. Cost N + 1.
 *       Seeded: the same seed gives the same map.</li>
 * </ul>
 * Copies are scored {@link Options#batch} at a time, fewer for large photos ({@link #copiesPerCall}), so memory holds
 * a bounded number of copies, never all of them.
 */
public final class ScoreMaps {
    private ScoreMaps() {}

    /**
     * @param grid     occlusion positions per axis (n)
     * @param masks    RISE masks (N)
     * @param cells    RISE mask cells per axis (s)
     * @param keep     RISE probability that a cell is kept (p)
     * @param seed     RISE random seed
     * @param baseline what removed pixels become
     * @param maxSide  longest side of the returned map (the image itself is perturbed at native resolution)
     * @param batch    perturbed copies per scorer call
     */
    public record Options(int grid, int masks, int cells, double keep, long seed, Baseline baseline, int maxSide,
                          int batch) {
        public Options {
            if (grid < 2 || grid > 64 || masks < 2 || cells < 2 || !(keep > 0 && keep < 1) || maxSide < 1
                    || batch < 1 || baseline == null) {
                throw new IllegalArgumentException("bad score-map options: grid " + grid + ", masks " + masks
                        + ", cells " + cells + ", keep " + keep + ", max side " + maxSide + ", batch " + batch);
            }
        }

        /** 7 x 7 occlusion (50 evaluations); RISE 200 masks of 8 x 8 cells at p = 0.5, seed 42; blurred baseline. */
        public static Options defaults() {
            return new Options(7, 200, 8, 0.5, 42, Baseline.BLUR, 1024, 8);
        }

        public Options withMaxSide(int side) {
            return new Options(grid, masks, cells, keep, seed, baseline, side, batch);
        }

        public Options withMasks(int n) {
            return new Options(grid, n, cells, keep, seed, baseline, maxSide, batch);
        }

        public Options withGrid(int n) {
            return new Options(n, masks, cells, keep, seed, baseline, maxSide, batch);
        }

        public Options withSeed(long s) {
            return new Options(grid, masks, cells, keep, s, baseline, maxSide, batch);
        }

        public Options withBaseline(Baseline b) {
            return new Options(grid, masks, cells, keep, seed, b, maxSide, batch);
        }
    }

    /**
     * A whole-score map.
     *
     * @param method      "occlusion" or "rise"
     * @param targetClass 1 explains the evidence for fake (a removed pixel's value is how much the log-odds fell),
     *                    0 the evidence for real (how much it rose)
     * @param logOdds     the untouched image's log-odds
     * @param signed      per pixel of the map canvas, log-odds of evidence for the target class (negative = the
     *                    pixel speaks against it)
     * @param evaluations whole-image score evaluations spent
     */
    public record Result(String method, int targetClass, double logOdds, Heatmap signed, int evaluations,
                         Baseline baseline) {
        /** The positive part scaled to [0, 1]: what to draw. */
        public Heatmap heat() {
            double[] v = signed.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(0, v[i]);
            }
            return new Heatmap(signed.width(), signed.height(), v).normalised();
        }

        public String describe() {
            return String.format(Locale.ROOT, "%s of the whole score (%d evaluations, %s baseline)", method,
                    evaluations, baseline.name().toLowerCase(Locale.ROOT));
        }
    }

    public static Result occlusion(ImageScorer scorer, BufferedImage rgb, int targetClass, Options o) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] orig = rgb.getRGB(0, 0, w, h, null, 0, w);
        int[] base = o.baseline().of(rgb).getRGB(0, 0, w, h, null, 0, w);
        int n = o.grid();
        int ww = Math.max(1, (int) Math.round(2.0 * w / (n + 1)));
        int wh = Math.max(1, (int) Math.round(2.0 * h / (n + 1)));
        List<int[]> windows = new ArrayList<>(); // x0, y0, x1, y1 in image pixels
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                int x0 = (int) Math.round((double) i * (w - ww) / (n - 1));
                int y0 = (int) Math.round((double) j * (h - wh) / (n - 1));
                windows.add(new int[] {x0, y0, x0 + ww, y0 + wh});
            }
        }
        double z0 = scorer.logOdds(List.of(rgb))[0];
        double[] z = new double[windows.size()];
        int step = copiesPerCall(w, h, o.batch());
        for (int start = 0; start < windows.size(); start += step) {
            int end = Math.min(windows.size(), start + step);
            List<BufferedImage> copies = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                int[] win = windows.get(k);
                int[] px = orig.clone();
                for (int y = win[1]; y < win[3]; y++) {
                    System.arraycopy(base, y * w + win[0], px, y * w + win[0], win[2] - win[0]);
                }
                copies.add(image(px, w, h));
            }
            System.arraycopy(scorer.logOdds(copies), 0, z, start, end - start);
        }
        double sign = targetClass == 1 ? 1 : -1;
        double scale = canvasScale(w, h, o.maxSide());
        int cw = Math.max(1, (int) Math.round(w * scale));
        int ch = Math.max(1, (int) Math.round(h * scale));
        PatchBlend blend = new PatchBlend(cw, ch);
        for (int k = 0; k < windows.size(); k++) {
            int[] win = windows.get(k);
            int x0 = (int) Math.round(win[0] * scale);
            int y0 = (int) Math.round(win[1] * scale);
            int x1 = Math.min(cw, Math.max(x0 + 1, (int) Math.round(win[2] * scale)));
            int y1 = Math.min(ch, Math.max(y0 + 1, (int) Math.round(win[3] * scale)));
            blend.add(sign * (z0 - z[k]), x0, y0, x1, y1);
        }
        return new Result("occlusion", targetClass, z0, blend.result(), windows.size() + 1, o.baseline());
    }

    public static Result rise(ImageScorer scorer, BufferedImage rgb, int targetClass, Options o) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] orig = rgb.getRGB(0, 0, w, h, null, 0, w);
        int[] base = o.baseline().of(rgb).getRGB(0, 0, w, h, null, 0, w);
        double scale = canvasScale(w, h, o.maxSide());
        int cw = Math.max(1, (int) Math.round(w * scale));
        int ch = Math.max(1, (int) Math.round(h * scale));
        double z0 = scorer.logOdds(List.of(rgb))[0];
        SplittableRandom random = new SplittableRandom(o.seed());
        double[] keptScore = new double[cw * ch];
        double[] keptWeight = new double[cw * ch];
        double[] removedScore = new double[cw * ch];
        double[] removedWeight = new double[cw * ch];
        int step = copiesPerCall(w, h, o.batch());
        for (int start = 0; start < o.masks(); start += step) {
            int end = Math.min(o.masks(), start + step);
            List<Mask> masks = new ArrayList<>(end - start);
            List<BufferedImage> copies = new ArrayList<>(end - start);
            for (int k = start; k < end; k++) {
                Mask m = Mask.random(o.cells(), o.keep(), random);
                masks.add(m);
                int[] px = new int[orig.length];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int i = y * w + x;
                        px[i] = mix(orig[i], base[i], m.at((x + 0.5) / w, (y + 0.5) / h));
                    }
                }
                copies.add(image(px, w, h));
            }
            double[] z = scorer.logOdds(copies);
            for (int k = 0; k < masks.size(); k++) {
                Mask m = masks.get(k);
                for (int y = 0; y < ch; y++) {
                    for (int x = 0; x < cw; x++) {
                        int i = y * cw + x;
                        double kept = m.at((x + 0.5) / cw, (y + 0.5) / ch);
                        keptScore[i] += kept * z[k];
                        keptWeight[i] += kept;
                        removedScore[i] += (1 - kept) * z[k];
                        removedWeight[i] += 1 - kept;
                    }
                }
            }
        }
        double sign = targetClass == 1 ? 1 : -1;
        double[] out = new double[cw * ch];
        for (int i = 0; i < out.length; i++) {
            double kept = keptWeight[i] > 0 ? keptScore[i] / keptWeight[i] : z0;
            double removed = removedWeight[i] > 0 ? removedScore[i] / removedWeight[i] : z0;
            out[i] = sign * (kept - removed);
        }
        return new Result("rise", targetClass, z0, new Heatmap(cw, ch, out), o.masks() + 1, o.baseline());
    }

    /** A RISE mask: cell values 0/1 on an (s + 1) x (s + 1) lattice, read bilinearly at a random sub-cell shift. */
    private record Mask(int cells, double[] grid, double dx, double dy) {
        static Mask random(int s, double keep, SplittableRandom r) {
            double[] g = new double[(s + 1) * (s + 1)];
            for (int i = 0; i < g.length; i++) {
                g[i] = r.nextDouble() < keep ? 1 : 0;
            }
            return new Mask(s, g, r.nextDouble(), r.nextDouble());
        }

        /** Kept fraction at (u, v) in [0, 1)^2 image coordinates. */
        double at(double u, double v) {
            double fx = u * cells + dx;
            double fy = v * cells + dy;
            int x0 = Math.min(cells - 1, (int) fx);
            int y0 = Math.min(cells - 1, (int) fy);
            double tx = fx - x0;
            double ty = fy - y0;
            int n = cells + 1;
            double top = grid[y0 * n + x0] * (1 - tx) + grid[y0 * n + x0 + 1] * tx;
            double bottom = grid[(y0 + 1) * n + x0] * (1 - tx) + grid[(y0 + 1) * n + x0 + 1] * tx;
            return top * (1 - ty) + bottom * ty;
        }
    }

    /** Pixels of perturbed copies held at once: about 130 MB of ARGB copies plus their source arrays. */
    static final long PIXELS_IN_FLIGHT = 32_000_000L;

    /** At most {@code batch} copies of a w x h image per scorer call, fewer when they would exceed the budget. */
    static int copiesPerCall(int w, int h, int batch) {
        return (int) Math.max(1, Math.min(batch, PIXELS_IN_FLIGHT / ((long) w * h)));
    }

    static double canvasScale(int w, int h, int maxSide) {
        return Math.min(1.0, (double) maxSide / Math.max(w, h));
    }

    static int mix(int a, int b, double t) {
        if (t >= 1) {
            return a;
        }
        if (t <= 0) {
            return b;
        }
        int out = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            double v = t * ((a >> shift) & 0xFF) + (1 - t) * ((b >> shift) & 0xFF);
            out |= ((int) Math.round(v)) << shift;
        }
        return out;
    }

    static BufferedImage image(int[] px, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }
}
