package org.deepguard.core.explain;

import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ExplainerMosaicTest {
    @TempDir
    Path dir;

    @Test
    void mosaicCoversTheWholeImageAndEqualsThePatchMapWhereOnePatchCovers() throws Exception {
        NetworkConfig net = new NetworkConfig(16, org.deepguard.core.model.Backbone.NONE,
                org.deepguard.core.model.BackboneWeights.RANDOM, new int[] {4, 8}, new int[] {8}, new double[] {0},
                1e-4, 3);
        ModelMetadata meta = new ModelMetadata();
        meta.network = net;
        meta.preprocessing = Preprocessing.defaults(16).withResize(ResizePolicy.NATIVE_CROP)
                .withPatches(PatchVoting.meanOfLogits(2));
        ModelBundle bundle = ModelBundle.save(dir.resolve("m"), meta, HybridNetwork.build(net));
        Explainer explainer = new Explainer(bundle);

        // an image of exactly one patch: the mosaic is that patch's own map
        BufferedImage one = TestImages.texture(16, 4);
        Explainer.Mosaic m1 = explainer.explainMosaic(one, "cnn2_relu", CamMethod.GRAD_CAM, HybridNetwork.FAKE);
        assertEquals(1, m1.patches());
        Explanation single = explainer.explain(explainer.preprocessor().toTensor(one), "cnn2_relu",
                CamMethod.GRAD_CAM, HybridNetwork.FAKE);
        assertArrayEquals(single.upsampled().normalised().values(), m1.map().values(), 1e-9);

        // a wider image: four overlapping patches, a map of the image's own size, scaled to [0, 1]
        BufferedImage wide = TestImages.texture(40, 5).getSubimage(0, 0, 40, 24);
        Explainer.Mosaic m4 = explainer.explainMosaic(wide, "cnn2_relu", CamMethod.GRAD_CAM, HybridNetwork.FAKE);
        assertEquals(4, m4.patches());
        assertEquals(40, m4.map().width());
        assertEquals(24, m4.map().height());
        double max = java.util.Arrays.stream(m4.map().values()).max().orElseThrow();
        double min = java.util.Arrays.stream(m4.map().values()).min().orElseThrow();
        assertEquals(1.0, max, 1e-12);
        assertEquals(0.0, min, 1e-12);

        // a display-size canvas: same patches, a smaller map; no cap when the image already fits
        Explainer.Mosaic small = explainer.explainMosaic(wide, "cnn2_relu", CamMethod.GRAD_CAM, HybridNetwork.FAKE,
                20);
        assertEquals(4, small.patches());
        assertEquals(20, small.map().width());
        assertEquals(12, small.map().height());
        assertEquals(1.0, java.util.Arrays.stream(small.map().values()).max().orElseThrow(), 1e-12);
        assertArrayEquals(m4.map().values(), explainer.explainMosaic(wide, "cnn2_relu", CamMethod.GRAD_CAM,
                HybridNetwork.FAKE, 40).map().values(), 0);
    }
}
