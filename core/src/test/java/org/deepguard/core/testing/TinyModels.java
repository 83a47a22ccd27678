package org.deepguard.core.testing;

import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;

import java.io.IOException;
import java.nio.file.Path;

/** Small untrained bundles for tests that need a model but not a good one. */
public final class TinyModels {
    private TinyModels() {}

    public static NetworkConfig tinyConfig(int size, long seed) {
        return new NetworkConfig(size, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8}, new int[] {8},
                new double[] {0.0}, 1e-4, seed);
    }

    public static ModelBundle tinyBundle(Path dir, int size, long seed) throws IOException {
        NetworkConfig config = tinyConfig(size, seed);
        ModelMetadata meta = new ModelMetadata();
        meta.network = config;
        meta.preprocessing = Preprocessing.defaults(size);
        return ModelBundle.save(dir, meta, HybridNetwork.build(config));
    }
}
