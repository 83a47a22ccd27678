package org.deepguard.core.explain;

import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeamFreeMosaicTest {
    @TempDir
    Path dir;

    /** 3 x 3 patches of 16 px at stride 8 over a 32 px canvas, as patch voting lays them out. */
    private static PatchBlend blend(double[] perPatch) {
        PatchBlend b = new PatchBlend(32, 32);
        int k = 0;
        for (int y = 0; y <= 16; y += 8) {
            for (int x = 0; x <= 16; x += 8) {
                b.add(constant(perPatch[k++]), x, y, x + 16, y + 16);
            }
        }
        return b;
    }

    private static Heatmap constant(double v) {
        double[] a = new double[16 * 16];
        java.util.Arrays.fill(a, v);
        return new Heatmap(16, 16, a);
    }

    /** Largest jump between horizontally or vertically neighbouring pixels. */
    private static double maxStep(Heatmap m) {
        double worst = 0;
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                if (x + 1 < m.width()) {
                    worst = Math.max(worst, Math.abs(m.at(x + 1, y) - m.at(x, y)));
                }
                if (y + 1 < m.height()) {
                    worst = Math.max(worst, Math.abs(m.at(x, y + 1) - m.at(x, y)));
                }
            }
        }
        return worst;
    }

    @Test
    void aConstantMapStitchesToAConstantWithNoSeam() {
        double[] same = new double[9];
        java.util.Arrays.fill(same, 0.7);
        Heatmap m = blend(same).result();
        for (double v : m.values()) {
            assertEquals(0.7, v, 1e-12);
        }
        assertEquals(0, maxStep(m), 1e-12);
    }

    @Test
    void differentPatchConstantsMeetWithoutAStep() {
        double[] values = {0, 1, 0, 1, 0, 1, 0, 1, 0};
        Heatmap m = blend(values).result();
        // plain averaging would jump by 1/2 where a patch border falls inside another patch; the window ramps
        double step = maxStep(m);
        assertTrue(step < 0.2, "largest neighbour step " + step);
        // a pixel covered by one patch only shows that patch's value
        assertEquals(0, m.at(0, 0), 1e-12);
        assertEquals(1, m.at(16, 1), 0.35);
    }

    @Test
    void ensembleMapsAverageEveryMemberAndMosaicsHaveNoSeam() throws Exception {
        ModelMetadata meta = new ModelMetadata();
        meta.network = TinyModels.tinyConfig(16, 3);
        meta.preprocessing = Preprocessing.defaults(16).withResize(ResizePolicy.NATIVE_CROP)
                .withPatches(PatchVoting.meanOfLogits(3));
        var a = HybridNetwork.build(TinyModels.tinyConfig(16, 3));
        var b = HybridNetwork.build(TinyModels.tinyConfig(16, 9));
        Explainer both = new Explainer(ModelBundle.save(dir.resolve("ens"), meta, List.of(a, b)));
        Explainer first = new Explainer(ModelBundle.save(dir.resolve("a"), meta, a));
        Explainer second = new Explainer(ModelBundle.save(dir.resolve("b"), meta, b));
        assertEquals(2, both.members());
        float[] t = both.preprocessor().toTensor(TestImages.texture(16, 5));
        String layer = "cnn2_relu";
        var ca = first.network().capture(first.preprocessor().batch(List.of(t)), layer, HybridNetwork.FAKE);
        var cb = second.network().capture(second.preprocessor().batch(List.of(t)), layer, HybridNetwork.FAKE);
        double[] ra = Explainer.rawCamMap(ca, CamMethod.GRAD_CAM_PLUS_PLUS).values();
        double[] rb = Explainer.rawCamMap(cb, CamMethod.GRAD_CAM_PLUS_PLUS).values();
        double[] mean = new double[ra.length];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = (ra[i] + rb[i]) / 2;
        }
        Heatmap expected = new Heatmap(ca.width(), ca.height(), mean).normalised();
        Explanation e = both.explain(t, layer, CamMethod.GRAD_CAM_PLUS_PLUS, HybridNetwork.FAKE);
        assertArrayEquals(expected.values(), e.map().values(), 1e-9);
        // the ensemble's logits are the members' mean, so its prediction is the ensemble's network verdict
        assertEquals((ca.logits()[1] + cb.logits()[1]) / 2, e.logits()[1], 1e-6);

        BufferedImage img = TestImages.texture(40, 6);
        Heatmap mosaic = both.explainMosaic(img, layer, CamMethod.GRAD_CAM_PLUS_PLUS, HybridNetwork.FAKE).map();
        assertEquals(40, mosaic.width());
        assertTrue(mosaic.max() > 0);
    }
}
