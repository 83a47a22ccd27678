package org.deepguard.core.explain;

import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine must work on the shipped architecture variants, not only on the tiny test network. */
class ExplainerArchitecturesTest {
    @TempDir
    Path dir;

    @Test
    void defaultHybridWithHighPassInputIsExplainedOnTheCnnBranch() throws Exception {
        NetworkConfig config = NetworkConfig.defaults(32, 2).withBackbone(Backbone.RESNET50_LITE,
                BackboneWeights.RANDOM).withCnnChannels(4, 8, 8);
        assertTrue(config.highPass());
        ModelMetadata meta = new ModelMetadata();
        meta.network = config;
        meta.preprocessing = Preprocessing.defaults(32);
        ModelBundle bundle = ModelBundle.save(dir.resolve("m"), meta, HybridNetwork.build(config));
        Explainer explainer = new Explainer(ModelBundle.load(dir.resolve("m")));
        assertEquals(HybridNetwork.cnnActivation(3), explainer.defaultLayer());
        Path img = TestImages.png(dir.resolve("x.png"), TestImages.texture(32, 3));
        Explanation e = explainer.explain(img, null, new GradCamPlusPlus(), null);
        assertEquals(HybridNetwork.cnnActivation(3), e.layer());
        assertTrue(Double.isFinite(e.logits()[0]) && Double.isFinite(e.logits()[1]));
    }
}
