package org.deepguard.detect;

import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class GradCamOverlayTest {
    @TempDir
    Path dir;

    @Test
    void patchModelsGetTheWholeImageMosaicAsGradcamDrawsIt() throws Exception {
        NetworkConfig net = new NetworkConfig(16, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8},
                new int[] {8}, new double[] {0}, 1e-4, 3);
        ModelMetadata meta = new ModelMetadata();
        meta.network = net;
        meta.preprocessing = Preprocessing.defaults(16).withResize(ResizePolicy.NATIVE_CROP)
                .withPatches(PatchVoting.meanOfLogits(2));
        ModelBundle bundle = ModelBundle.save(dir.resolve("m"), meta, HybridNetwork.build(net));
        BufferedImage wide = TestImages.texture(40, 5).getSubimage(0, 0, 40, 24);
        Prediction fake = Prediction.of(3.0, 1.0, 0.5, 0);

        BufferedImage drawn = GradCamOverlay.forBundle(bundle).render(wide, fake);

        assertEquals(40, drawn.getWidth(), "the whole image, not the centre patch");
        assertEquals(24, drawn.getHeight());
        Explainer explainer = new Explainer(bundle);
        Explainer.Mosaic m = explainer.explainMosaic(wide, explainer.defaultLayer(), CamMethod.GRAD_CAM_PLUS_PLUS,
                HybridNetwork.FAKE);
        BufferedImage expected = Overlays.overlay(wide, m.map(), GradCamOverlay.ALPHA);
        assertArrayEquals(expected.getRGB(0, 0, 40, 24, null, 0, 40), drawn.getRGB(0, 0, 40, 24, null, 0, 40));
    }

    @Test
    void largeOverlaysAreShrunkForDisplayKeepingTheAspect() {
        BufferedImage big = new BufferedImage(2000, 1000, BufferedImage.TYPE_INT_RGB);
        BufferedImage shown = GradCamOverlay.fit(big);
        assertEquals(GradCamOverlay.MAX_SIDE, shown.getWidth());
        assertEquals(GradCamOverlay.MAX_SIDE / 2, shown.getHeight());
        BufferedImage small = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        assertSame(small, GradCamOverlay.fit(small));
    }
}
