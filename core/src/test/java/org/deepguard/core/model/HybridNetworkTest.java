package org.deepguard.core.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HybridNetworkTest {

    @Test
    void fullHybridAtSmallInputGivesTwoWaySoftmaxPerImage() {
        NetworkConfig config = NetworkConfig.defaults(32, 1);
        ComputationGraph net = HybridNetwork.build(config);
        INDArray out = net.outputSingle(false, Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, 3, 32, 32));
        assertArrayEquals(new long[] {3, 2}, out.shape());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, out.getDouble(i, 0) + out.getDouble(i, 1), 1e-5);
        }
        // both branches and the merge exist, with zoo-compatible backbone names
        assertNotNull(net.getVertex("res5c_branch"));
        assertNotNull(net.getVertex(HybridNetwork.MERGE));
        assertNotNull(net.getVertex(HybridNetwork.cnnActivation(4)));
        // ResNet50 has 53 conv layers (49 + 4 projections) in the backbone
        long convs = net.getLayers().length;
        assertTrue(net.numParams() > 23_000_000, "ResNet50 branch present: " + net.numParams());
        assertTrue(convs > 100);
    }

    @Test
    void standardGeometryDownsamples32xAndLite64x() {
        for (Backbone b : new Backbone[] {Backbone.RESNET50, Backbone.RESNET50_LITE}) {
            ComputationGraph net = HybridNetwork.build(NetworkConfig.defaults(64, 1).withBackbone(b,
                    BackboneWeights.RANDOM));
            var acts = net.feedForward(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 64, 64), false);
            long side = acts.get("res5c_branch").size(2);
            assertEquals(b == Backbone.RESNET50 ? 2 : 1, side, b.name());
        }
    }

    @Test
    void cnnOnlyNetworkHasNoBackbone() {
        NetworkConfig config = NetworkConfig.defaults(32, 1).withBackbone(Backbone.NONE, BackboneWeights.RANDOM)
                .withCnnChannels(4, 8);
        ComputationGraph net = HybridNetwork.build(config);
        assertEquals(null, net.getVertex("res5c_branch"));
        assertArrayEquals(new long[] {2, 2},
                net.outputSingle(false, Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32)).shape());
    }

    @Test
    void sameSeedGivesSameInitialWeights() {
        NetworkConfig config = NetworkConfig.defaults(32, 5).withBackbone(Backbone.NONE, BackboneWeights.RANDOM);
        assertEquals(HybridNetwork.build(config).params(), HybridNetwork.build(config).params());
    }

    @Test
    void highPassFiltersAreFixedAndCancelSmoothContent() throws Exception {
        NetworkConfig config = NetworkConfig.defaults(32, 1).withBackbone(Backbone.NONE, BackboneWeights.RANDOM)
                .withCnnChannels(4, 8).withHighPass(true);
        ComputationGraph net = HybridNetwork.build(config);
        // a linear ramp is "smooth" for second-order residuals: all three kernels give zero away from the border
        INDArray ramp = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    ramp.putScalar(new long[] {0, c, y, x}, 0.01 * x + 0.02 * y);
                }
            }
        }
        INDArray residual = net.feedForward(ramp, false).get(HybridNetwork.HIGH_PASS);
        assertEquals(9, residual.size(1));
        assertEquals(0.0, residual.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 29),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 29)).amaxNumber().doubleValue(), 1e-5);
        // a checkerboard is not: the second-order kernel responds strongly
        INDArray checker = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 32, 32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                checker.putScalar(new long[] {0, 0, y, x}, (x + y) % 2);
            }
        }
        assertTrue(net.feedForward(checker, false).get(HybridNetwork.HIGH_PASS).amaxNumber().doubleValue() > 1.0);
        // and the filters stay fixed through training and a save/load
        INDArray before = net.getLayer(HybridNetwork.HIGH_PASS).params().dup();
        INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2);
        y.putScalar(0, 1, 1);
        net.fit(new org.nd4j.linalg.dataset.DataSet(checker, y));
        assertEquals(before, net.getLayer(HybridNetwork.HIGH_PASS).params());
        assertEquals(HighPassFilters.weights(), before.reshape(9, 3, 5, 5));
    }

    @Test
    void residualOnlyBranchSeesNoRgbPixels() {
        NetworkConfig config = NetworkConfig.defaults(32, 1).withBackbone(Backbone.NONE, BackboneWeights.RANDOM)
                .withCnnChannels(4, 8).withResidualOnly(true);
        assertTrue(config.highPass());
        ComputationGraph net = HybridNetwork.build(config);
        assertEquals(java.util.List.of(HybridNetwork.HIGH_PASS),
                net.getConfiguration().getVertexInputs().get("cnn1_conv"));
        assertEquals(9, net.getLayer("cnn1_conv").getParam("W").size(1)); // 3 kernels x 3 colours, no RGB
        ComputationGraph withRgb = HybridNetwork.build(config.withResidualOnly(false));
        assertEquals(12, withRgb.getLayer("cnn1_conv").getParam("W").size(1));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new NetworkConfig(32, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4}, new int[] {8},
                        new double[] {0}, 0, 1, false, true)); // residuals need the high-pass filters
    }
}
