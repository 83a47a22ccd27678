package org.deepguard.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.data.Label;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keras files written without TensorFlow by {@code src/test/resources/keras/make_fixtures.py} (h5py + NumPy), with
 * NumPy-computed outputs: the import must reproduce them after the class mapping.
 */
class KerasImportTest {
    static Path fixture(String name) throws Exception {
        return Path.of(KerasImportTest.class.getResource("/keras/" + name).toURI());
    }

    /** p_fake of the imported graph, and the reference p_fake from the fixture's NumPy forward pass. */
    private static void assertMatches(String model, Label positive, boolean sigmoid) throws Exception {
        assertMatches(model, positive, sigmoid, "unit", 1);
    }

    /**
     * @param mode    the preprocessing given at import
     * @param rescale a leading Rescaling's scale: it leaves the graph for the preprocessing, so the graph is fed
     *                the fixture's input times it
     */
    private static void assertMatches(String model, Label positive, boolean sigmoid, String mode, double rescale)
            throws Exception {
        JsonNode ref = Json.MAPPER.readTree(fixture(model + ".expected.json").toFile());
        long[] shape = new long[4];
        for (int i = 0; i < 4; i++) {
            shape[i] = ref.get("shape").get(i).asLong();
        }
        float[] flat = new float[ref.get("input").size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (float) (ref.get("input").get(i).asDouble() * rescale);
        }
        KerasImport.Imported imported = KerasImport.importModel(fixture(model + ".h5"), positive, mode,
                ResizePolicy.CENTER_CROP);
        assertEquals(shape[1], imported.preprocessing().inputSize());
        assertTrue(imported.preprocessing().channelsLast());
        ComputationGraph g = imported.graph();
        INDArray out = g.outputSingle(false, Nd4j.create(flat, shape, 'c'));
        assertEquals(2, out.size(1));
        for (int n = 0; n < shape[0]; n++) {
            JsonNode row = ref.get("output").get(n);
            double classOne = sigmoid ? row.get(0).asDouble() : row.get(1).asDouble();
            double expectedFake = positive == Label.FAKE ? classOne : 1 - classOne;
            assertEquals(expectedFake, out.getDouble(n, HybridNetwork.FAKE), 1e-5, model + " image " + n);
            assertEquals(1 - expectedFake, out.getDouble(n, HybridNetwork.REAL), 1e-5, model + " image " + n);
        }
    }

    @Test
    void seedShapedHybridMatchesNumPy() throws Exception {
        assertMatches("seed_hybrid", Label.FAKE, true);
    }

    @Test
    void rescalingAndAugmentationLayersWithASoftmaxHeadMatchNumPy() throws Exception {
        assertMatches("rescaling_softmax", Label.FAKE, false, "raw", 1 / 255.0);
        assertMatches("rescaling_softmax", Label.REAL, false, "raw", 1 / 255.0);
        // raw 0-255 pixels through Rescaling(1/255) is exactly the unit preprocessing, and the layer is gone
        KerasImport.Imported imported = KerasImport.importModel(fixture("rescaling_softmax.h5"), Label.FAKE, "raw",
                ResizePolicy.CENTER_CROP);
        assertEquals(org.deepguard.core.preprocess.Preprocessing.keras(24, ResizePolicy.CENTER_CROP, "unit"),
                imported.preprocessing());
        assertEquals(null, imported.graph().getVertex("rescaling"));
        assertTrue(imported.warnings().get(0).contains("random_flip"), imported.warnings().toString());
    }

    @Test
    void plainSigmoidHeadMatchesNumPyWithEitherClassMapping() throws Exception {
        assertMatches("plain_sigmoid", Label.FAKE, true);
        assertMatches("plain_sigmoid", Label.REAL, true);
    }

    @Test
    void sequentialModelMatchesNumPy() throws Exception {
        assertMatches("sequential_sigmoid", Label.FAKE, true);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "refused_groups.h5|groups=2",
        "refused_keras3.h5|Keras 3.3.3",
        "refused_keras3.keras|Keras 3 .keras archive",
        "refused_weights_only.h5|weights only",
        "refused_tfoplambda.h5|TFOpLambda",
        "refused_nested.h5|nested Functional",
        "refused_unsupported.h5|MultiHeadAttention",
        "make_fixtures.py|not an HDF5 file"})
    void refusedFilesGiveOneLineNamingTheFileAndTheReason(String file, String reason) throws Exception {
        KerasImportException e = assertThrows(KerasImportException.class,
                () -> KerasImport.importModel(fixture(file), Label.FAKE, "unit", ResizePolicy.CENTER_CROP));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.getMessage().startsWith(fixture(file).toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
