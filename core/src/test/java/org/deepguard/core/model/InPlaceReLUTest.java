package org.deepguard.core.model;

import org.deepguard.core.Backend;
import org.deepguard.core.testing.TinyModels;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InPlaceReLUTest {
    @BeforeAll
    static void backend() {
        Backend.init();
    }

    /**
     * input - conv1 - bn1 - relu1 - conv2 - bn2 - relu2, and bn2 also into the add (two readers) with relu1's output;
     * add - relu3; input - relu0 (a graph input); conv1 - bnL - leaky (a leaky ReLU: its derivative needs its input).
     * Only relu1 and relu3 may overwrite their input.
     */
    static ComputationGraphConfiguration probeGraph(boolean inPlace) {
        var g = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2))
                .convolutionMode(ConvolutionMode.Same)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3));
        g.addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in");
        g.addLayer("bn1", new BatchNormalization.Builder().build(), "conv1");
        g.addLayer("relu1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1");
        g.addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "relu1");
        g.addLayer("bn2", new BatchNormalization.Builder().build(), "conv2");
        g.addLayer("relu2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn2");
        g.addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "relu1");
        g.addLayer("relu3", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add");
        g.addLayer("relu0", new ActivationLayer.Builder().activation(Activation.RELU).build(), "in");
        g.addLayer("conv0", new ConvolutionLayer.Builder(1, 1).nOut(4).build(), "relu0");
        g.addLayer("bnL", new BatchNormalization.Builder().build(), "conv1");
        g.addLayer("leaky", new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(), "bnL");
        g.addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "relu3", "relu2", "conv0", "leaky");
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "sum");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                .activation(Activation.SOFTMAX).build(), "pool");
        g.setOutputs("out");
        ComputationGraphConfiguration conf = g.build();
        if (inPlace) {
            InPlaceReLU.applyWhereSafe(conf.getVertices(), conf.getVertexInputs());
        }
        return conf;
    }

    static Set<String> inPlaceLayers(ComputationGraphConfiguration conf) {
        Set<String> names = new TreeSet<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof InPlaceReLU) {
                assertEquals(e.getKey(), lv.getLayerConf().getLayer().getLayerName());
                names.add(e.getKey());
            }
        }
        return names;
    }

    @Test
    void replacesOnlyReLUsWhoseInputNothingElseReads() {
        assertEquals(Set.of("relu1", "relu3"), inPlaceLayers(probeGraph(true)));
        assertEquals(Set.of(), inPlaceLayers(probeGraph(false)));
    }

    @Test
    void trainingIsBitIdenticalToTheCopyingLayerAndOverwritesTheInput() {
        ComputationGraph plain = new ComputationGraph(probeGraph(false));
        plain.init();
        ComputationGraph inPlace = new ComputationGraph(probeGraph(true));
        inPlace.init(plain.params().dup(), true);
        Nd4j.getRandom().setSeed(3);
        for (int step = 0; step < 4; step++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, 6, 3, 8, 8);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 2);
            for (int i = 0; i < 6; i++) {
                y.putScalar(i, i % 2, 1f);
            }
            plain.fit(new DataSet(x, y));
            inPlace.fit(new DataSet(x, y));
            assertEquals(plain.score(), inPlace.score(), 0.0, "loss of step " + step);
        }
        assertArrayEquals(plain.params().toFloatVector(), inPlace.params().toFloatVector(), 0f,
                "weights after 4 training steps");
        // In training the copying layer leaves BatchNorm's output signed; the in-place one has overwritten it
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 3, 8, 8);
        Map<String, INDArray> a = plain.feedForward(x, true);
        Map<String, INDArray> b = inPlace.feedForward(x, true);
        assertTrue(a.get("bn1").minNumber().doubleValue() < 0);
        assertEquals(0.0, b.get("bn1").minNumber().doubleValue(), 0.0);
        assertEquals(b.get("relu1"), b.get("bn1"));
        assertEquals(a.get("relu1"), b.get("relu1"));
        assertTrue(b.get("bn2").minNumber().doubleValue() < 0, "bn2 is read by the add too: left alone");
    }

    @Test
    void theHybridUsesItAndItSurvivesSerialisation(@TempDir Path dir) throws Exception {
        ComputationGraphConfiguration conf = HybridNetwork.configuration(TinyModels.tinyConfig(16, 5), new Adam(1e-3),
                null);
        assertEquals(Set.of(HybridNetwork.cnnActivation(1), HybridNetwork.cnnActivation(2)), inPlaceLayers(conf));
        assertEquals(inPlaceLayers(conf), inPlaceLayers(ComputationGraphConfiguration.fromJson(conf.toJson())));

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Path file = dir.resolve("net.zip");
        ModelSerializer.writeModel(net, file.toFile(), true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertEquals(inPlaceLayers(conf), inPlaceLayers(restored.getConfiguration()));
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
    }

    @Test
    void everyReLUOfTheResNetBackboneOverwritesItsInput() {
        NetworkConfig resnet = new NetworkConfig(32, Backbone.RESNET50_LITE, BackboneWeights.RANDOM, new int[] {4},
                new int[] {8}, new double[] {0.0}, 1e-4, 5);
        ComputationGraphConfiguration conf = HybridNetwork.configuration(resnet, new Adam(1e-3), null);
        long relus = conf.getVertices().values().stream().filter(v -> v instanceof LayerVertex lv
                && lv.getLayerConf().getLayer() instanceof ActivationLayer).count();
        Set<String> inPlace = inPlaceLayers(conf);
        // stem + 16 bottlenecks x 3 + the CNN branch's one block
        assertEquals(1 + 16 * 3 + 1, inPlace.size());
        assertEquals(relus, inPlace.size());
        assertTrue(inPlace.contains("res2a_branch") && inPlace.contains("stem-act1"));
        // frozen (pretrained phase 1) ReLUs keep DL4J's layer: they run in inference mode, in place already
        ComputationGraphConfiguration frozen = HybridNetwork.configuration(resnet, new Adam(1e-3), null,
                HybridNetwork::isBackboneVertex, 0.0);
        assertFalse(inPlaceLayers(frozen).contains("stem-act1"));
        assertTrue(inPlaceLayers(frozen).contains(HybridNetwork.cnnActivation(1)));
    }
}
