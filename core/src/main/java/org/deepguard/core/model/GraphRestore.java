package org.deepguard.core.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Restores a ComputationGraph written by DL4J's {@code ModelSerializer.writeModel} without its per-number read.
 *
 * <p>DL4J's own restore copies every zip entry into memory and then reads the flattened parameters one float at a
 * time (a synchronized {@code read()} per byte, a boxed {@code Float} and a type switch per value): on a cold,
 * C1-only JVM that was ~40 ms per 2 MB member, the largest Java-side cost of restoring a bundle (issue 21). Here
 * the parameter vector, when it is the plain case DL4J writes (a c-order float vector, rank 1 or a [1, n] row), is
 * converted in bulk from its big-endian bytes; the configuration is parsed by DL4J as before. Anything else (another
 * data type, a compressed buffer, no parameters, an updater-only file) goes to {@code ModelSerializer} unchanged,
 * so the result is always what DL4J would have built, bit for bit (tested).
 *
 * <p>Off switch, for comparisons: {@code -Ddeepguard.fastRestore=false}.
 */
public final class GraphRestore {
    public static final String SWITCH_PROPERTY = "deepguard.fastRestore";

    private GraphRestore() {}

    /** Whether {@link #restore} uses the bulk read ({@value #SWITCH_PROPERTY} not {@code false}). */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(SWITCH_PROPERTY, "true").trim());
    }

    /** The graph in {@code weights}, without its updater state (inference and fine-tuning from scratch). */
    public static ComputationGraph restore(Path weights) throws IOException {
        if (enabled()) {
            ComputationGraph g;
            try {
                g = tryBulk(weights);
            } catch (IOException | RuntimeException e) {
                g = null; // damaged or unusual: DL4J's own restore decides, with its own message
            }
            if (g != null) {
                return g;
            }
        }
        return ModelSerializer.restoreComputationGraph(weights.toFile(), false);
    }

    /** The bulk path, or null when the file is not the plain case it handles. */
    static ComputationGraph tryBulk(Path weights) throws IOException {
        String json;
        byte[] coefficients;
        try (ZipFile zip = new ZipFile(weights.toFile())) {
            ZipEntry config = zip.getEntry(ModelSerializer.CONFIGURATION_JSON);
            ZipEntry params = zip.getEntry(ModelSerializer.COEFFICIENTS_BIN);
            if (config == null || params == null || params.getSize() == 0) {
                return null;
            }
            try (InputStream in = zip.getInputStream(config)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try (InputStream in = zip.getInputStream(params)) {
                coefficients = in.readAllBytes();
            }
        }
        INDArray params = parameters(coefficients);
        if (params == null) {
            return null;
        }
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(json);
        conf.setDataType(params.dataType()); // as ModelSerializer does
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init(params, false);
        return graph;
    }

    /**
     * The flattened parameters in DL4J's {@code Nd4j.write} layout: the shape-information buffer, then the data
     * buffer, each as (allocation mode as modified UTF-8, element count as a long, data type as modified UTF-8,
     * elements big-endian). Returns null unless it is a c-order FLOAT vector (rank 1, or rank 2 with one row)
     * whose data buffer is exactly as long as its shape says and ends the entry.
     */
    static INDArray parameters(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        if (!"MIXED_DATA_TYPES".equals(in.readUTF())) {
            return null;
        }
        long infoLength = in.readLong();
        if (!"LONG".equals(in.readUTF()) || infoLength < 6 || infoLength > 64) {
            return null;
        }
        long[] info = new long[(int) infoLength];
        for (int i = 0; i < info.length; i++) {
            info[i] = in.readLong();
        }
        int rank = (int) info[0];
        if (infoLength != 2L * rank + 4 || (rank != 1 && rank != 2) || info[info.length - 1] != 'c') {
            return null;
        }
        long n = info[rank];
        if (rank == 2 && info[1] != 1) {
            return null;
        }
        if (!"MIXED_DATA_TYPES".equals(in.readUTF())) {
            return null;
        }
        long dataLength = in.readLong();
        if (!"FLOAT".equals(in.readUTF()) || dataLength != n || n <= 0 || n > Integer.MAX_VALUE / 4) {
            return null;
        }
        int offset = bytes.length - in.available();
        if (bytes.length - offset != 4 * n) {
            return null;
        }
        float[] values = new float[(int) n];
        ByteBuffer.wrap(bytes, offset, 4 * (int) n).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(values);
        INDArray vector = Nd4j.createFromArray(values);
        return rank == 1 ? vector : vector.reshape('c', 1, n);
    }
}
