package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.Preprocessing;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole-score maps (occlusion, RISE) and whole-score faithfulness on scorers whose evidence location is known. */
class WholeScoreMapTest {
    static final int SIZE = 48;
    static final int REGION = 10;
    /** A quarter of the default occlusion window (12 px here): the resolution the method can promise. */
    static final int SLACK = 3;

    /** A smooth gradient with a checkerboard of REGION x REGION at (rx, ry): the fine detail is the evidence. */
    static BufferedImage withEvidence(int rx, int ry, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = 90 + x + y + r.nextInt(3);
                boolean in = x >= rx && x < rx + REGION && y >= ry && y < ry + REGION;
                if (in) {
                    v += ((x + y) & 1) == 0 ? 50 : -50;
                }
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return img;
    }

    /**
     * A toy "detector": log-odds = mean absolute horizontal second difference of the red channel (fine detail),
     * weighted by {@code weights} over a 6 x 6 grid of cells, minus 2. With uniform weights it finds a checkerboard
     * anywhere; with random weights it is a model that learned nothing in particular.
     */
    static ImageScorer toy(double[] weights) {
        return images -> {
            double[] out = new double[images.size()];
            for (int k = 0; k < out.length; k++) {
                BufferedImage img = images.get(k);
                double s = 0;
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 1; x < SIZE - 1; x++) {
                        int a = (img.getRGB(x - 1, y) >> 16) & 0xFF;
                        int b = (img.getRGB(x, y) >> 16) & 0xFF;
                        int c = (img.getRGB(x + 1, y) >> 16) & 0xFF;
                        s += weights[(y * 6 / SIZE) * 6 + x * 6 / SIZE] * Math.abs(a - 2 * b + c);
                    }
                }
                out[k] = s / (SIZE * SIZE) / 4 - 2;
            }
            return out;
        };
    }

    static double[] uniform() {
        double[] w = new double[36];
        java.util.Arrays.fill(w, 1);
        return w;
    }

    private static boolean inRegion(Heatmap map, int rx, int ry, int slack) {
        int best = map.argmax();
        int x = best % map.width();
        int y = best / map.width();
        return x >= rx - slack && x < rx + REGION + slack && y >= ry - slack && y < ry + REGION + slack;
    }

    @Test
    void occlusionAndRiseMapsPointAtTheEvidence() {
        ImageScorer scorer = toy(uniform());
        ScoreMaps.Options o = ScoreMaps.Options.defaults().withMasks(120);
        Random r = new Random(3);
        int hitsOcc = 0;
        int hitsRise = 0;
        int centre = 0;
        int n = 6;
        for (int i = 0; i < n; i++) {
            int rx = r.nextInt(SIZE - REGION);
            int ry = r.nextInt(SIZE - REGION);
            BufferedImage img = withEvidence(rx, ry, i);
            ScoreMaps.Result occ = ScoreMaps.occlusion(scorer, img, HybridNetwork.FAKE, o);
            assertEquals(o.grid() * o.grid() + 1, occ.evaluations());
            assertEquals(SIZE, occ.signed().width());
            hitsOcc += inRegion(occ.signed(), rx, ry, SLACK) ? 1 : 0;
            ScoreMaps.Result rise = ScoreMaps.rise(scorer, img, HybridNetwork.FAKE, o);
            assertEquals(121, rise.evaluations());
            hitsRise += inRegion(rise.signed(), rx, ry, SLACK) ? 1 : 0;
            centre += inRegion(new Heatmap(1, 1, new double[] {1}).resize(SIZE, SIZE), rx, ry, SLACK) ? 1 : 0;
            // the hot part is evidence for fake, so the explanation of "real" is its negation
            ScoreMaps.Result occReal = ScoreMaps.occlusion(scorer, img, HybridNetwork.REAL, o);
            assertEquals(-occ.signed().values()[occ.signed().argmax()],
                    occReal.signed().values()[occ.signed().argmax()], 1e-12);
        }
        assertEquals(n, hitsOcc, "occlusion pointing game");
        assertEquals(n, hitsRise, "RISE pointing game");
        assertTrue(centre < n / 2, "control (a map that always points at the corner) must mostly miss");
    }

    @Test
    void largePhotosArePerturbedFewCopiesAtATime() {
        assertEquals(8, ScoreMaps.copiesPerCall(128, 128, 8));
        assertEquals(1, ScoreMaps.copiesPerCall(7000, 6000, 8)); // 42 MP: one copy in flight
        assertEquals(2, ScoreMaps.copiesPerCall(4000, 3000, 8)); // 12 MP: two
    }

    @Test
    void riseIsSeeded() {
        ImageScorer scorer = toy(uniform());
        BufferedImage img = withEvidence(5, 30, 1);
        ScoreMaps.Options o = ScoreMaps.Options.defaults().withMasks(20);
        assertArrayEquals(ScoreMaps.rise(scorer, img, 1, o).signed().values(),
                ScoreMaps.rise(scorer, img, 1, o).signed().values(), 0);
        assertTrue(Sanity.spearman(ScoreMaps.rise(scorer, img, 1, o).signed().values(),
                ScoreMaps.rise(scorer, img, 1, o.withSeed(7)).signed().values()) < 0.999);
    }

    @Test
    void randomisingTheToyModelChangesTheMap() {
        BufferedImage img = withEvidence(30, 6, 2);
        Random r = new Random(11);
        double[] random = new double[36];
        for (int i = 0; i < random.length; i++) {
            random[i] = r.nextGaussian();
        }
        ScoreMaps.Options o = ScoreMaps.Options.defaults();
        Heatmap before = ScoreMaps.occlusion(toy(uniform()), img, 1, o).signed();
        Heatmap after = ScoreMaps.occlusion(toy(random), img, 1, o).signed();
        double rho = Sanity.spearman(before.values(), after.values());
        assertTrue(rho < 0.5, "rank correlation after randomisation " + rho);
    }

    /** The real detector path: a trained network on a task with known evidence, then the same with its weights redrawn. */
    @Test
    void wholeDetectorMapOfATrainedModelPointsAndDecorrelatesWhenRandomised() {
        ComputationGraph trained = PatchTask.trained(5);
        ModelMetadata meta = new ModelMetadata();
        meta.network = PatchTask.config();
        meta.preprocessing = Preprocessing.defaults(PatchTask.SIZE);
        Detector detector = new Detector(new ModelBundle(Path.of("unused"), meta, trained));
        ComputationGraph randomised = trained.clone();
        Nd4j.getRandom().setSeed(3);
        for (Layer l : randomised.getLayers()) {
            INDArray w = l.paramTable().get("W");
            if (w != null) {
                w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(Math.max(1e-3, w.stdNumber().doubleValue())));
            }
        }
        Detector noise = new Detector(new ModelBundle(Path.of("unused"), meta, randomised));
        ScoreMaps.Options o = ScoreMaps.Options.defaults().withGrid(9).withBaseline(Baseline.GREY);
        int hits = 0;
        double rhoSum = 0;
        int n = 4;
        for (int i = 0; i < n; i++) {
            PatchTask.Sample s = PatchTask.sample(new Random(500 + i), true);
            BufferedImage img = Overlays.inputImage(s.tensor(), meta.preprocessing);
            Heatmap map = ScoreMaps.occlusion(ImageScorer.of(detector), img, 1, o).signed();
            int best = map.argmax();
            int x = best % map.width();
            int y = best / map.width();
            int slack = 3;
            hits += x >= s.px() - slack && x < s.px() + PatchTask.PATCH + slack && y >= s.py() - slack
                    && y < s.py() + PatchTask.PATCH + slack ? 1 : 0;
            Heatmap random = ScoreMaps.occlusion(ImageScorer.of(noise), img, 1, o).signed();
            rhoSum += Sanity.spearman(map.values(), random.values());
        }
        assertTrue(hits >= n - 1, "pointing game on the detector's whole score: " + hits + "/" + n);
        assertTrue(rhoSum / n < 0.5, "mean rank correlation with the randomised model " + rhoSum / n);
    }

    @Test
    void wholeScoreFaithfulnessRewardsTheRightMap() {
        ImageScorer scorer = toy(uniform());
        BufferedImage img = withEvidence(8, 28, 4);
        Heatmap right = ScoreMaps.occlusion(scorer, img, 1, ScoreMaps.Options.defaults()).heat();
        double[] inv = right.values().clone();
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1 - inv[i];
        }
        Heatmap wrong = new Heatmap(right.width(), right.height(), inv);
        Faithfulness good = Faithfulness.measure(scorer, img, right, Baseline.BLUR);
        Faithfulness bad = Faithfulness.measure(scorer, img, wrong, Baseline.BLUR);
        assertEquals(Faithfulness.STEPS + 1, good.deletionCurve().length);
        assertEquals(Faithfulness.STEPS + 1, good.insertionCurve().length);
        // both curves run between the untouched image and the fully removed one
        assertEquals(good.deletionCurve()[0], good.insertionCurve()[Faithfulness.STEPS], 1e-12);
        assertEquals(good.insertionCurve()[0], good.deletionCurve()[Faithfulness.STEPS], 1e-12);
        assertTrue(good.deletionAuc() < bad.deletionAuc(), good.deletionAuc() + " vs " + bad.deletionAuc());
        assertTrue(good.insertionAuc() > bad.insertionAuc(), good.insertionAuc() + " vs " + bad.insertionAuc());
        assertTrue(good.dropTop20() > bad.dropTop20());
        // a coarser map (a cell stands for a block of pixels) measures the same way
        Faithfulness coarse = Faithfulness.measure(scorer, img, right.resize(12, 12), Baseline.BLUR);
        assertTrue(coarse.deletionAuc() < bad.deletionAuc());
    }
}
