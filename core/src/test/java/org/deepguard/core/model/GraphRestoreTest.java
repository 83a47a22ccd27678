package org.deepguard.core.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The bulk parameter read rebuilds exactly the graph DL4J's own restore builds, and steps aside when it must. */
class GraphRestoreTest {
    @TempDir
    static Path dir;

    private static ComputationGraph trained;
    private static Path file;
    private static INDArray input;

    @BeforeAll
    static void trainAndSave() throws Exception {
        trained = HybridNetwork.build(new NetworkConfig(16, Backbone.NONE, BackboneWeights.RANDOM, new int[] {4, 8},
                new int[] {8, 6}, new double[] {0.3, 0.2}, 1e-4, 7, true, true));
        Nd4j.getRandom().setSeed(7);
        input = Nd4j.rand(DataType.FLOAT, 6, 3, 16, 16).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 2);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 2, 1);
        }
        for (int i = 0; i < 4; i++) {
            trained.fit(new DataSet(input, y)); // BN statistics and weights away from their initial values
        }
        file = dir.resolve("net.zip");
        ModelSerializer.writeModel(trained, file.toFile(), true); // with updater state, which restore leaves out
    }

    private static float[] floats(INDArray a) {
        return a.dup().data().asFloat();
    }

    @Test
    void bulkPathEqualsDl4jRestoreBitForBit() throws Exception {
        ComputationGraph bulk = GraphRestore.tryBulk(file);
        assertNotNull(bulk, "a plain DL4J file takes the bulk path");
        ComputationGraph dl4j = ModelSerializer.restoreComputationGraph(file.toFile(), false);
        assertArrayEquals(dl4j.params().shape(), bulk.params().shape());
        assertArrayEquals(floats(dl4j.params()), floats(bulk.params()));
        assertArrayEquals(floats(trained.params()), floats(bulk.params()));
        assertEquals(dl4j.getConfiguration().toJson(), bulk.getConfiguration().toJson());
        assertArrayEquals(floats(dl4j.outputSingle(input)), floats(bulk.outputSingle(input)));
        // the parameters stay the network's own view: training the restored graph moves them
        float[] before = floats(bulk.params());
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 2);
        y.putScalar(0, 1, 1);
        bulk.fit(new DataSet(input, y));
        assertEquals(false, Arrays.equals(before, floats(bulk.params())));
    }

    @Test
    void unusualFilesGoToDl4jUnchanged() throws Exception {
        ComputationGraph asDouble = trained.convertDataType(DataType.DOUBLE);
        Path doubles = dir.resolve("double.zip");
        ModelSerializer.writeModel(asDouble, doubles.toFile(), false);
        assertNull(GraphRestore.tryBulk(doubles), "DOUBLE parameters are not the plain case");
        ComputationGraph restored = GraphRestore.restore(doubles);
        assertEquals(DataType.DOUBLE, restored.params().dataType());
        assertArrayEquals(asDouble.params().dup().data().asDouble(), restored.params().dup().data().asDouble());
    }

    @Test
    void parameterLayoutChecks() throws Exception {
        INDArray row = Nd4j.createFromArray(1.5f, -2f, 3.25f).reshape('c', 1, 3);
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, floats(GraphRestore.parameters(written(row))));
        assertArrayEquals(new long[] {1, 3}, GraphRestore.parameters(written(row)).shape());
        INDArray vector = Nd4j.createFromArray(4f, 5f);
        assertArrayEquals(new long[] {2}, GraphRestore.parameters(written(vector)).shape());
        assertNull(GraphRestore.parameters(written(Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}}))),
                "a matrix is not a parameter vector");
        assertNull(GraphRestore.parameters(written(Nd4j.createFromArray(1.0, 2.0))), "DOUBLE");
        byte[] full = written(row);
        assertNull(GraphRestore.parameters(Arrays.copyOf(full, full.length - 1)), "one byte short");
        assertNull(GraphRestore.parameters(Arrays.copyOf(full, full.length + 4)), "trailing bytes");
        assertThrows(java.io.EOFException.class, () -> GraphRestore.parameters(Arrays.copyOf(full, 20)));
    }

    @Test
    void damagedFileFailsAsDl4jWould() throws Exception {
        Path bad = dir.resolve("bad.zip");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(bad, Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(Exception.class, () -> GraphRestore.restore(bad));
    }

    private static byte[] written(INDArray a) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream dos = new DataOutputStream(out)) {
            Nd4j.write(a, dos);
        }
        return out.toByteArray();
    }
}
