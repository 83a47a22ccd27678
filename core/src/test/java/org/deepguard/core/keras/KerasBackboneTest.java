package org.deepguard.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.Preprocessing;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notop fixtures (make_notop.py: a reduced-width ResNet50 with random weights and calibrated BN statistics,
 * written without TensorFlow in the Keras save_weights layout) initialise the Keras-geometry branch, and its pooled
 * features equal the NumPy forward pass with Keras geometry and caffe preprocessing.
 */
class KerasBackboneTest {
    static final Path DIR = Path.of("src/test/resources/keras");
    static JsonNode expected;
    static int[] widths;
    static int size;

    @BeforeAll
    static void read() throws Exception {
        expected = Json.MAPPER.readTree(DIR.resolve("notop.expected.json").toFile());
        widths = Json.MAPPER.convertValue(expected.get("widths"), int[].class);
        size = expected.get("shape").get(1).asInt();
    }

    /** The fixture's RGB images (0-255, NHWC) as the hybrid's input: ImageNet-normalised RGB, NCHW. */
    static INDArray input() {
        JsonNode shape = expected.get("shape");
        int n = shape.get(0).asInt();
        INDArray x = Nd4j.create(DataType.DOUBLE, n, 3, size, size);
        JsonNode rgb = expected.get("rgb");
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < size; y++) {
                for (int xx = 0; xx < size; xx++) {
                    for (int c = 0; c < 3; c++) {
                        double p = rgb.get(k++).asDouble() / 255.0;
                        x.putScalar(new long[] {i, c, y, xx},
                                (p - Preprocessing.IMAGENET_MEAN[c]) / Preprocessing.IMAGENET_STD[c]);
                    }
                }
            }
        }
        return x;
    }

    /** Largest |feature - reference| over the fixture's images, with the branch in float32 (as trained). */
    static double maxDifference(ComputationGraph branch) {
        return maxDifference(branch, DataType.FLOAT);
    }

    static double maxDifference(ComputationGraph branch, DataType type) {
        ComputationGraph net = type == DataType.FLOAT ? branch : branch.convertDataType(type);
        INDArray pooled = net.output(false, input().castTo(type))[0];
        JsonNode want = expected.get("pooled");
        assertEquals(want.size(), pooled.size(0));
        assertEquals(want.get(0).size(), pooled.size(1));
        double max = 0;
        for (int i = 0; i < want.size(); i++) {
            for (int j = 0; j < want.get(i).size(); j++) {
                max = Math.max(max, Math.abs(pooled.getDouble(i, j) - want.get(i).get(j).asDouble()));
            }
        }
        return max;
    }

    @Test
    void tfKerasNamesInitialiseTheBranchAndItsPooledFeaturesMatchKeras() {
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, widths);
        double before = maxDifference(branch);
        KerasBackbone.Loaded loaded = KerasBackbone.load(DIR.resolve("notop_tf2.h5"), branch);
        assertEquals(KerasBackbone.Scheme.TF_KERAS_NAMES, loaded.scheme());
        assertEquals(106, loaded.layers());
        assertTrue(loaded.ignored().isEmpty(), loaded.ignored().toString());
        assertTrue(before > 0.1, "a randomly initialised branch is far from the reference: " + before);
        // in double precision the loaded branch computes Keras's function (weights, geometry, BN epsilon, caffe
        // preprocessing) up to rounding
        double exact = maxDifference(branch, DataType.DOUBLE);
        assertTrue(exact < 1e-4, "double: max |features - Keras reference| = " + exact);
        assertFloatClose(maxDifference(branch));
    }

    /**
     * In float32 (how the network trains and scores) rounding grows through 50 random layers: measured 1.1e-4 at
     * features up to 8.4 (double: 9e-6); held to 1e-4 of the largest feature.
     */
    static void assertFloatClose(double diff) {
        double scale = 0;
        for (JsonNode row : expected.get("pooled")) {
            for (JsonNode v : row) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
        }
        assertTrue(diff < 1e-4 * Math.max(1, scale), "float32: max |features - Keras reference| = " + diff
                + " at features up to " + scale);
    }

    @Test
    void olderKerasApplicationsNamesGiveTheSameFeatures() {
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, widths);
        KerasBackbone.Loaded loaded = KerasBackbone.load(DIR.resolve("notop_legacy.h5"), branch);
        assertEquals(KerasBackbone.Scheme.KERAS_APPLICATIONS_NAMES, loaded.scheme());
        double exact = maxDifference(branch, DataType.DOUBLE);
        assertTrue(exact < 1e-4, "double: max |features - Keras reference| = " + exact);
        assertFloatClose(maxDifference(branch));
    }

    @Test
    void unknownNamesAreMatchedByLayerOrderWithShapesChecked() {
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, widths);
        KerasBackbone.Loaded loaded = KerasBackbone.load(DIR.resolve("notop_renamed.h5"), branch);
        assertEquals(KerasBackbone.Scheme.LAYER_ORDER, loaded.scheme());
        double exact = maxDifference(branch, DataType.DOUBLE);
        assertTrue(exact < 1e-4, "double: max |features - Keras reference| = " + exact);
        assertFloatClose(maxDifference(branch));
    }

    @Test
    void keepsKerasGeometryInTheGraph() {
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, widths);
        var vertices = branch.getConfiguration().getVertices();
        assertTrue(vertices.containsKey("stem-pad2"), "zero padding before the max-pool");
        var bn = (BatchNormalization) ((LayerVertex) vertices.get("bn5c_branch2c")).getLayerConf().getLayer();
        assertEquals(1.001e-5, bn.getEps(), 0);
        // the caffe layer: ImageNet-normalised RGB in, BGR 0-255 minus the ImageNet mean out
        INDArray x = input().castTo(DataType.FLOAT);
        INDArray caffe = branch.feedForward(x, false).get(HybridNetwork.KERAS_CAFFE);
        double red = expected.get("rgb").get(0).asDouble();
        double blue = expected.get("rgb").get(2).asDouble();
        assertEquals(blue - 103.939, caffe.getDouble(0, 0, 0, 0), 1e-3);
        assertEquals(red - 123.68, caffe.getDouble(0, 2, 0, 0), 1e-3);
    }

    @Test
    void aShapeMismatchAbortsWithOneLineAndCopiesNothing() {
        int[] wider = widths.clone();
        wider[0] *= 2;
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, wider);
        INDArray params = branch.params().dup();
        Path file = DIR.resolve("notop_tf2.h5");
        KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasBackbone.load(file, branch));
        String m = e.getMessage();
        assertEquals(1, m.lines().count(), m);
        assertTrue(m.startsWith(file.toString()) && m.contains("'conv1_conv'")
                && m.contains("7x7x3x" + widths[0]) && m.contains("7x7x3x" + wider[0]), m);
        assertEquals(params, branch.params(), "nothing is copied when any shape differs");
    }

    @Test
    void theFullSizeHybridRefusesAReducedWidthFile() {
        NetworkConfig config = NetworkConfig.defaults(32, 1).withCnnChannels(4)
                .withBackbone(Backbone.RESNET50_KERAS, BackboneWeights.IMAGENET);
        ComputationGraph hybrid = HybridNetwork.build(config);
        assertTrue(hybrid.getConfiguration().getVertices().containsKey(HybridNetwork.KERAS_CAFFE));
        KerasWeightsException e = assertThrows(KerasWeightsException.class,
                () -> KerasBackbone.load(DIR.resolve("notop_tf2.h5"), hybrid));
        assertTrue(e.getMessage().contains("7x7x3x64"), e.getMessage());
    }

    @Test
    void aWholeModelFileIsReadFromItsModelWeightsAndExtraLayersAreIgnored() {
        // seed_hybrid.h5 is model.save() of a seed-shaped model whose ResNet50 part has widths 4-2-2-2-2
        ComputationGraph branch = HybridNetwork.kerasResNet50(32, new int[] {4, 2, 2, 2, 2});
        KerasBackbone.Loaded loaded = KerasBackbone.load(DIR.resolve("seed_hybrid.h5"), branch);
        assertEquals(KerasBackbone.Scheme.TF_KERAS_NAMES, loaded.scheme());
        assertTrue(loaded.ignored().containsAll(List.of("cnn_conv1", "head_dense1", "output")), loaded.ignored()
                .toString());
    }

    @Test
    void filesThatAreNotResNet50NotopWeightsAreRefusedWithOneLine(@TempDir Path tmp) throws Exception {
        ComputationGraph branch = HybridNetwork.kerasResNet50(size, widths);
        Path small = DIR.resolve("plain_sigmoid.h5");
        String m = assertThrows(KerasWeightsException.class, () -> KerasBackbone.load(small, branch)).getMessage();
        assertTrue(m.startsWith(small + ": not a ResNet50 notop weights file"), m);
        Path zip = tmp.resolve("resnet50.zip");
        Files.write(zip, new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        m = assertThrows(KerasWeightsException.class, () -> KerasBackbone.load(zip, branch)).getMessage();
        assertTrue(m.contains("not an HDF5 file"), m);
        Path missing = tmp.resolve("none.h5");
        m = assertThrows(KerasWeightsException.class, () -> KerasBackbone.load(missing, branch)).getMessage();
        assertEquals(missing + ": no such file", m);
        assertFalse(KerasBackbone.isHdf5(zip));
        assertTrue(KerasBackbone.isHdf5(small));
    }

    @Test
    void aGraphWithoutKerasGeometryIsNotLoaded() {
        ComputationGraph cnnOnly = HybridNetwork.build(NetworkConfig.defaults(32, 1).withCnnChannels(4)
                .withBackbone(Backbone.NONE, BackboneWeights.RANDOM));
        var e = assertThrows(IllegalArgumentException.class,
                () -> KerasBackbone.load(DIR.resolve("notop_tf2.h5"), cnnOnly));
        assertFalse(e instanceof KerasWeightsException);
        assertTrue(e.getMessage().contains("Keras-geometry"), e.getMessage());
    }

    @Test
    void theDefaultFileFollowsUserHome(@TempDir Path home) {
        String old = System.getProperty("user.home");
        try {
            System.setProperty("user.home", home.toString());
            assertEquals(home.resolve(".keras/models/" + KerasBackbone.NOTOP_FILE), KerasBackbone.defaultFile());
        } finally {
            System.setProperty("user.home", old);
        }
    }
}
