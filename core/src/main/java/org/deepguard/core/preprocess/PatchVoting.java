package org.deepguard.core.preprocess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Patch training and patch-vote inference: the network sees input-size patches cut at NATIVE resolution (resizing
 * a whole image low-pass filters it and erases the up-sampling traces a detector looks for), and an image's score is
 * an aggregate of its patches' log-odds. Part of the stored {@link Preprocessing}, so training, evaluation, detection
 * and explanation cut the same patches.
 *
 * <p>Geometry: an image whose shorter side is below the input size is first enlarged (aspect kept) until it equals
 * it. Training takes one patch at a uniformly random position per image and epoch. Inference takes up to
 * {@code grid} positions per axis, evenly spread from edge to edge and never closer than half a patch, so a 128 px
 * image with 64 px patches and grid 3 gives 9 patches at offsets 0, 32, 64; an image of exactly the input size
 * gives one. Larger images are scored from the same number of patches spread over the whole image.
 *
 * @param grid      most patch positions per axis at inference (grid x grid patches)
 * @param aggregate how patch log-odds become the image log-odds
 * @param quantile  the quantile for {@link Aggregate#QUANTILE} (e.g. 0.75), ignored otherwise
 */
public record PatchVoting(int grid, Aggregate aggregate, double quantile) {

    /** How patch scores combine. */
    public enum Aggregate {
        /** Mean of the patch log-odds: a product of per-patch likelihood ratios, robust and calibratable. */
        MEAN_LOGIT,
        /**
         * A high quantile of the patch log-odds (linear interpolation): flags images where only part of the frame
         * is synthetic (in-painting, spliced faces) at the cost of more false alarms on noisy real photos.
         */
        QUANTILE
    }

    public PatchVoting {
        Objects.requireNonNull(aggregate, "aggregate");
        if (grid < 1 || grid > 16) {
            throw new IllegalArgumentException("patch grid must lie in [1, 16], got " + grid);
        }
        if (aggregate == Aggregate.QUANTILE && !(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("patch quantile must lie in [0, 1], got " + quantile);
        }
        if (aggregate == Aggregate.MEAN_LOGIT) {
            quantile = 0; // unused: keep equal configurations equal
        }
    }

    public static PatchVoting meanOfLogits(int grid) {
        return new PatchVoting(grid, Aggregate.MEAN_LOGIT, 0);
    }

    /** The image log-odds from its patches' log-odds. */
    public double aggregate(double[] patchLogOdds) {
        if (patchLogOdds.length == 0) {
            throw new IllegalArgumentException("no patches to aggregate");
        }
        return switch (aggregate) {
            case MEAN_LOGIT -> Arrays.stream(patchLogOdds).average().orElseThrow();
            case QUANTILE -> {
                double[] s = patchLogOdds.clone();
                Arrays.sort(s);
                double pos = quantile * (s.length - 1);
                int lo = (int) Math.floor(pos);
                int hi = Math.min(s.length - 1, lo + 1);
                yield s[lo] + (pos - lo) * (s[hi] - s[lo]);
            }
        };
    }

    /** Patch origins along one axis of {@code length} pixels for patches of {@code size}. */
    public List<Integer> offsets(int length, int size) {
        int span = length - size;
        if (span <= 0) {
            return List.of(0);
        }
        // never closer than half a patch: more positions would mostly repeat the same pixels
        int n = Math.min(grid, 1 + (int) Math.ceil(span / (size / 2.0)));
        if (n == 1) {
            return List.of(span / 2);
        }
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add((int) Math.round(i * (double) span / (n - 1)));
        }
        return out;
    }

    public String describe() {
        return "patches(native," + grid + "x" + grid + " max,"
                + (aggregate == Aggregate.MEAN_LOGIT ? "mean-logit" : "quantile-" + quantile + "-logit") + ")";
    }
}
