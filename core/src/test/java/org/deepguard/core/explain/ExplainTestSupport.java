package org.deepguard.core.explain;

import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** Tiny networks for explanation tests. */
public final class ExplainTestSupport {
    private ExplainTestSupport() {}

    /** CNN branch only: two blocks (4, 6 channels), head 8 units with BN and dropout. */
    public static NetworkConfig tinyConfig(int size, long seed) {
        return new NetworkConfig(size, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 6}, new int[] {8},
                new double[] {0.2}, 0, seed);
    }

    /**
     * A tiny network whose BatchNorm layers carry non-trivial statistics (as after training), so a wrong BN backward
     * pass would show up.
     */
    public static ComputationGraph tinyNetwork(NetworkConfig config, DataType type, long seed) {
        ComputationGraph g = HybridNetwork.build(config).convertDataType(type);
        Random r = new Random(seed);
        for (Layer l : g.getLayers()) {
            Map<String, INDArray> p = l.paramTable();
            if (p.containsKey("gamma")) {
                fill(p.get("gamma"), r, 0.5, 1.5);
                fill(p.get("beta"), r, -0.3, 0.3);
                fill(p.get("mean"), r, -0.2, 0.2);
                if (p.containsKey("log10stdev")) {
                    fill(p.get("log10stdev"), r, -0.4, 0.2);
                } else {
                    fill(p.get("var"), r, 0.3, 2.0);
                }
            }
        }
        return g;
    }

    private static void fill(INDArray a, Random r, double lo, double hi) {
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, lo + (hi - lo) * r.nextDouble());
        }
    }

    public static ModelBundle bundle(Path dir, NetworkConfig config, ComputationGraph g) throws Exception {
        ModelMetadata meta = new ModelMetadata();
        meta.preprocessing = Preprocessing.defaults(config.inputSize());
        meta.network = config;
        return ModelBundle.save(dir, meta, g);
    }

    public static INDArray randomInput(int size, long seed, DataType type) {
        return Nd4j.rand(type, 1, 3, size, size).subi(0.5).muli(2).castTo(type);
    }
}
