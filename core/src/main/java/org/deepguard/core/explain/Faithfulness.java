package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Does the model rely on what the map highlights? Deletion: pixels are removed hottest first and p_fake is re-read
 * after each tenth; insertion: starting from the fully removed image, the original pixels come back hottest first
 * (Petsiuk et al. 2018). A faithful map for a fake verdict makes p_fake fall fast on deletion (low deletion AUC) and
 * rise fast on insertion (high insertion AUC).
 *
 * <p>Two scopes: {@link #measure(Detector, float[], Heatmap)} perturbs the network's input tensor (removed = 0 in
 * the normalised tensor, the preprocessing's mean colour) and reads the network alone;
 * {@link #measure(ImageScorer, BufferedImage, Heatmap, Baseline)} perturbs the image (removed = the {@link Baseline})
 * and reads the whole score, for every kind of model (single view, patches, ensemble, fused cue).
 *
 * @param pFake          p_fake of the untouched input
 * @param dropTop10      pFake minus p_fake with the hottest 10% of pixels removed
 * @param dropTop20      the same for 20%
 * @param deletionAuc    area under p_fake versus fraction removed (0 .. 1, {@code STEPS + 1} points, trapezoid)
 * @param deletionCurve  p_fake at each fraction removed 0, 1/STEPS, ..., 1
 * @param insertionAuc   area under p_fake versus fraction inserted
 * @param insertionCurve p_fake at each fraction inserted 0, 1/STEPS, ..., 1
 */
public record Faithfulness(double pFake, double dropTop10, double dropTop20, double deletionAuc,
                           double[] deletionCurve, double insertionAuc, double[] insertionCurve) {
    public static final int STEPS = 10;

    /** Whole-score evaluations one {@link #measure(ImageScorer, BufferedImage, Heatmap, Baseline)} spends. */
    public static final int EVALUATIONS = 2 * (STEPS + 1);

    /** Network scope: all perturbed copies go through the network in one batch ({@code 2 (STEPS + 1)} rows). */
    public static Faithfulness measure(Detector detector, float[] tensor, Heatmap upsampled) {
        int plane = upsampled.width() * upsampled.height();
        if (tensor.length != 3 * plane) {
            throw new IllegalArgumentException("map and tensor sizes differ");
        }
        int[] rank = ranks(upsampled.values());
        List<float[]> batch = new ArrayList<>(EVALUATIONS);
        for (int insertion = 0; insertion < 2; insertion++) {
            for (int s = 0; s <= STEPS; s++) {
                int changed = (int) Math.round((double) plane * s / STEPS);
                float[] t = insertion == 0 ? tensor.clone() : new float[tensor.length];
                for (int p = 0; p < plane; p++) {
                    if (rank[p] < changed) {
                        for (int c = 0; c < 3; c++) {
                            t[c * plane + p] = insertion == 0 ? 0 : tensor[c * plane + p];
                        }
                    }
                }
                batch.add(t);
            }
        }
        List<Prediction> preds = detector.predictTensors(batch);
        return of(preds.stream().mapToDouble(Prediction::pFake).toArray());
    }

    /**
     * Whole-score scope: {@code map} covers the image (any size: a map cell stands for the block of pixels it
     * covers, so cells are removed in order of heat); {@link #EVALUATIONS} score evaluations.
     */
    public static Faithfulness measure(ImageScorer scorer, BufferedImage rgb, Heatmap map, Baseline baseline) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        int[] orig = rgb.getRGB(0, 0, w, h, null, 0, w);
        int[] base = baseline.of(rgb).getRGB(0, 0, w, h, null, 0, w);
        int[] rank = ranks(map.values());
        int cells = rank.length;
        int[] cellOf = new int[w * h];
        for (int y = 0; y < h; y++) {
            int cy = Math.min(map.height() - 1, (int) ((long) y * map.height() / h));
            for (int x = 0; x < w; x++) {
                cellOf[y * w + x] = cy * map.width() + Math.min(map.width() - 1, (int) ((long) x * map.width() / w));
            }
        }
        double[] p = new double[EVALUATIONS];
        int perCall = ScoreMaps.copiesPerCall(w, h, 4);
        List<BufferedImage> batch = new ArrayList<>();
        int done = 0;
        for (int insertion = 0; insertion < 2; insertion++) {
            for (int s = 0; s <= STEPS; s++) {
                int changed = (int) Math.round((double) cells * s / STEPS);
                int[] px = new int[orig.length];
                for (int i = 0; i < px.length; i++) {
                    boolean hot = rank[cellOf[i]] < changed;
                    px[i] = (insertion == 0) != hot ? orig[i] : base[i];
                }
                batch.add(ScoreMaps.image(px, w, h));
                if (batch.size() == perCall || (insertion == 1 && s == STEPS)) {
                    double[] z = scorer.logOdds(batch);
                    for (double v : z) {
                        p[done++] = scorer.pFake(v);
                    }
                    batch.clear();
                }
            }
        }
        return of(p);
    }

    /** rank[i] = position of cell i when sorted hottest first (stable on ties). */
    private static int[] ranks(double[] heat) {
        Integer[] order = IntStream.range(0, heat.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -heat[i]));
        int[] rank = new int[heat.length];
        for (int r = 0; r < order.length; r++) {
            rank[order[r]] = r;
        }
        return rank;
    }

    /** From deletion then insertion p_fake curves, concatenated. */
    private static Faithfulness of(double[] both) {
        double[] del = Arrays.copyOfRange(both, 0, STEPS + 1);
        double[] ins = Arrays.copyOfRange(both, STEPS + 1, 2 * (STEPS + 1));
        return new Faithfulness(del[0], del[0] - del[1], del[0] - del[2], auc(del), del, auc(ins), ins);
    }

    private static double auc(double[] curve) {
        double a = 0;
        for (int s = 0; s < STEPS; s++) {
            a += (curve[s] + curve[s + 1]) / 2 / STEPS;
        }
        return a;
    }

    /** The JSON form shared by the CLI, the page and the report. */
    public java.util.Map<String, Object> toJson(String scope, String removal) {
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("scope", scope);
        f.put("p_fake", pFake);
        f.put("p_fake_drop_top10", dropTop10);
        f.put("p_fake_drop_top20", dropTop20);
        f.put("deletion_auc", deletionAuc);
        f.put("deletion_curve", deletionCurve);
        f.put("insertion_auc", insertionAuc);
        f.put("insertion_curve", insertionCurve);
        f.put("removal", removal);
        return f;
    }
}
