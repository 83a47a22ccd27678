package org.deepguard.core.train;

import org.deepguard.core.io.Json;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A few training steps of a tiny hybrid-style network (CNN branch with BatchNorm, dense head, Adam, workspaces as
 * HybridNetwork configures them), run in a child JVM by {@link HugePageAllocatorTest}: prints one JSON line with the
 * environment's allocator tunables, the loss before and after, and every parameter.
 */
public final class TinyTrainingRun {
    private TinyTrainingRun() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        NetworkConfig config = NetworkConfig.defaults(16, 7).withBackbone(Backbone.NONE, BackboneWeights.RANDOM)
                .withCnnChannels(4, 8).withHead(new int[] {8}, new double[] {0});
        ComputationGraph net = HybridNetwork.build(config);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 3, 16, 16);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 2);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 2, 1);
        }
        MultiDataSet data = new MultiDataSet(new INDArray[] {x}, new INDArray[] {y});
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tunables", String.valueOf(System.getenv("GLIBC_TUNABLES")));
        out.put("loss0", net.score(data));
        for (int i = 0; i < steps; i++) {
            net.fit(data);
        }
        out.put("loss", net.score(data));
        out.put("params", net.params().toFloatVector());
        System.out.println(Json.line(out));
    }
}
