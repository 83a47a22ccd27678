package org.deepguard.core.train;

import org.deepguard.core.data.DatasetScanner;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TinyModels;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhasesAndLossTest {
    @TempDir
    Path dir;

    @Test
    void phaseOneFreezesThePretrainedBackboneAndPhaseTwoTrainsOnlyItsLastLayers() throws Exception {
        TestImages.sampleDataset(dir.resolve("data"), 8, 32);
        Manifest m = DatasetScanner.scan(dir.resolve("data"), DatasetScanner.Options.defaults(), n -> {});
        Path mf = dir.resolve("m.csv");
        m.write(mf);
        m = Manifest.read(mf);
        NetworkConfig net = new NetworkConfig(32, Backbone.RESNET50_LITE, BackboneWeights.IMAGENET, new int[] {4, 8},
                new int[] {8}, new double[] {0}, 1e-4, 3);
        // Stand-in for the zoo file: any graph with the same backbone vertex names and shapes.
        ComputationGraph donor = HybridNetwork.build(net.withBackbone(Backbone.RESNET50_LITE, BackboneWeights.RANDOM));
        Path weights = dir.resolve("imagenet.zip");
        ModelSerializer.writeModel(donor, weights.toFile(), false);

        TrainingConfig phase1Only = new TrainingConfig(net, 1, 8, 1e-2, 1e-5, 0, 0, 0, AugmentationConfig.none(),
                true, 1, 3, 0.1, 0, 2, 2, 3, null);
        ModelBundle after1 = new Trainer(phase1Only, null).backboneWeightsFile(weights)
                .train(m, mf, dir.resolve("p1"), false);
        List<String> backbone = HybridNetwork.backboneLayerOrder(donor);
        for (String layer : backbone) {
            assertEquals(donor.getLayer(layer).params(), after1.network().getLayer(layer).params(), layer);
        }
        assertNotEquals(donor.getLayer("cnn1_conv").params(), after1.network().getLayer("cnn1_conv").params());

        TrainingConfig twoPhases = new TrainingConfig(net, 2, 8, 1e-2, 1e-5, 0, 0, 0, AugmentationConfig.none(),
                true, 1, 3, 0.1, 0, 2, 2, 3, null);
        ModelBundle after2 = new Trainer(twoPhases, null).backboneWeightsFile(weights)
                .train(m, mf, dir.resolve("p2"), false);
        Set<String> lastThree = Set.copyOf(backbone.subList(backbone.size() - 3, backbone.size()));
        int changed = 0;
        for (String layer : backbone) {
            boolean same = donor.getLayer(layer).params() == null
                    || donor.getLayer(layer).params().equals(after2.network().getLayer(layer).params());
            if (lastThree.contains(layer)) {
                changed += same ? 0 : 1;
            } else {
                assertTrue(same, layer + " should still be frozen in phase 2");
            }
        }
        assertTrue(changed >= 1, "the unfrozen last layers must train");
        assertEquals(2, after2.metadata().history.get(1).get("phase"));
    }

    @Test
    void classWeightsChangeTheLoss() {
        NetworkConfig cfg = TinyModels.tinyConfig(32, 4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 2);
        y.putScalar(0, 1, 1);
        y.putScalar(1, 0, 1);
        y.putScalar(2, 0, 1);
        y.putScalar(3, 0, 1);
        double plain = score(HybridNetwork.build(cfg, new Adam(1e-3), null), x, y);
        double equal = score(HybridNetwork.build(cfg, new Adam(1e-3), new double[] {1, 1}), x, y);
        double weighted = score(HybridNetwork.build(cfg, new Adam(1e-3), new double[] {0.5, 2.0}), x, y);
        assertEquals(plain, equal, 1e-6);
        assertNotEquals(plain, weighted, 1e-4);
    }

    private static double score(ComputationGraph g, INDArray x, INDArray y) {
        return g.score(new DataSet(x, y), false);
    }
}
