package org.deepguard.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import org.deepguard.core.Backend;
import org.deepguard.core.data.Label;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Imports a trained tf.keras 2.x model ({@code model.save("m.h5")}) as a graph our bundle can hold, through DL4J's
 * Keras importer, after checking the file for everything that importer gets wrong or cannot read:
 * <ul>
 *   <li>Keras 3 files (a {@code .keras} zip, or an {@code .h5} written by Keras 3): DL4J reads Keras 1/2 only;</li>
 *   <li>a model nested as a layer ({@code x = base(inputs)}): its weights live in a nested group DL4J does not read;</li>
 *   <li>code inside the model ({@code TFOpLambda}, {@code Lambda}, e.g. {@code preprocess_input}): not in the file;</li>
 *   <li>{@code Conv2D} with {@code groups > 1}: DL4J imports it WITHOUT error and computes an ordinary convolution;</li>
 *   <li>layers that change the geometry at inference ({@code Resizing}, {@code CenterCrop}, {@code RandomCrop});</li>
 *   <li>anything but one square RGB input and one head of Dense(1, sigmoid) or Dense(2, softmax).</li>
 * </ul>
 * {@code Rescaling} and the augmentation layers ({@code RandomFlip}, ...) are registered as what they compute at
 * inference. The head becomes our two-way softmax over [real, fake]: a sigmoid unit z with 1 = fake gives logits
 * [0, z] (W' = [0 | w], b' = [0 | b]), exactly softmax = [1 - sigmoid(z), sigmoid(z)]; with 1 = real, [z, 0].
 * The graph keeps Keras's NHWC layout; {@link Preprocessing#keras} says so to every stage.
 */
public final class KerasImport {
    /** Keras layer classes refused, with the reason. */
    private static final Map<String, String> REFUSED = Map.of(
            "TFOpLambda", "holds TensorFlow code (e.g. preprocess_input inside the model), which is not in the file; "
                    + "remove it from the model and pass the matching --preprocess",
            "SlicingOpLambda", "holds TensorFlow code, which is not in the file",
            "Lambda", "holds Python code, which is not in the file",
            "Resizing", "resizes inside the model; remove it (our preprocessing resizes to the input size)",
            "CenterCrop", "crops inside the model; remove it",
            "RandomCrop", "crops inside the model at inference too; remove it");
    private static final List<String> NESTED = List.of("Functional", "Model", "Sequential");

    /** What an import yields: the graph (two-way softmax head) and the preprocessing every stage applies. */
    public record Imported(ComputationGraph graph, Preprocessing preprocessing, String kerasVersion, String head,
                           List<String> warnings) {}

    private KerasImport() {}

    /**
     * @param positive which label the model's class 1 means (the sigmoid's 1, or the second softmax unit)
     * @param mode     unit | tf | caffe | torch | raw, see {@link Preprocessing#keras}
     */
    public static Imported importModel(Path file, Label positive, String mode, ResizePolicy resize)
            throws KerasImportException {
        String name = file.toString();
        checkContainer(file);
        String modelJson;
        String version;
        Backend.init();
        try (Hdf5Archive archive = new Hdf5Archive(file.toString())) {
            if (!archive.hasAttribute("model_config")) {
                throw new KerasImportException(name + ": holds weights only (no model_config); save the whole model "
                        + "with model.save(\"m.h5\")");
            }
            modelJson = archive.readAttributeAsJson("model_config");
            version = archive.hasAttribute("keras_version") ? archive.readAttributeAsString("keras_version") : null;
        } catch (KerasImportException e) {
            throw e;
        } catch (Exception | UnsatisfiedLinkError e) {
            throw new KerasImportException(name + ": not a readable Keras HDF5 file (" + firstLine(e) + ")", e);
        }
        if (version != null && version.trim().startsWith("3")) {
            throw new KerasImportException(name + ": written by Keras " + version.trim() + "; DL4J reads Keras 1 and 2 "
                    + "files only: re-save it with tf.keras 2.x (TensorFlow <= 2.15)");
        }
        JsonNode config;
        try {
            config = Json.MAPPER.readTree(modelJson);
        } catch (IOException e) {
            throw new KerasImportException(name + ": unreadable model_config (" + firstLine(e) + ")", e);
        }
        Check check = check(name, config);
        List<String> warnings = new ArrayList<>(check.warnings);
        InferenceLayers.register();
        ComputationGraph graph;
        KerasModelBuilder builder = null;
        try {
            // the builder, not KerasModelImport, so the HDF5 file is closed even when the import fails (an open
            // archive left behind makes the native library abort the JVM at exit)
            builder = new KerasModel().modelBuilder().modelHdf5Filename(file.toString()).enforceTrainingConfig(false);
            if (check.sequential) {
                MultiLayerNetwork mln = builder.buildSequential().getMultiLayerNetwork();
                graph = mln.toComputationGraph();
            } else {
                graph = builder.buildModel().getComputationGraph();
            }
        } catch (Exception e) {
            throw new KerasImportException(name + ": DL4J's Keras importer refused it (" + firstLine(e) + ")", e);
        } finally {
            if (builder != null) {
                builder.close();
            }
        }
        Preprocessing pre = Preprocessing.keras(check.inputSize, resize, mode);
        Folded folded = foldLeadingRescaling(name, graph.getConfiguration().clone(), pre);
        ComputationGraph converted = twoWayHead(graph, folded.conf, check.outputIsSigmoid, positive, check.inputSize);
        pre = folded.preprocessing;
        return new Imported(converted, pre, version, check.outputIsSigmoid ? "sigmoid" : "softmax", warnings);
    }

    private static void checkContainer(Path file) throws KerasImportException {
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new KerasImportException(file + ": no such file");
        } catch (IOException e) {
            throw new KerasImportException(file + ": cannot read (" + firstLine(e) + ")", e);
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            throw new KerasImportException(file + ": a Keras 3 .keras archive; DL4J reads Keras 1 and 2 HDF5 files "
                    + "only: re-save the model with tf.keras 2.x as model.save(\"m.h5\")");
        }
        byte[] hdf5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        if (n < 8 || !java.util.Arrays.equals(head, hdf5)) {
            throw new KerasImportException(file + ": not an HDF5 file (a Keras model saved as .h5 is expected)");
        }
    }

    private record Check(boolean sequential, int inputSize, boolean outputIsSigmoid, List<String> warnings) {}

    /** Everything refused is found here, before DL4J sees the file. */
    private static Check check(String name, JsonNode root) throws KerasImportException {
        String cls = root.path("class_name").asText();
        boolean sequential = cls.equals("Sequential");
        if (!sequential && !cls.equals("Functional") && !cls.equals("Model")) {
            throw new KerasImportException(name + ": model class '" + cls + "' is not supported (Functional, Model or "
                    + "Sequential)");
        }
        JsonNode cfg = root.path("config");
        JsonNode layers = cfg.isArray() ? cfg : cfg.path("layers");
        if (!layers.isArray() || layers.isEmpty()) {
            throw new KerasImportException(name + ": model_config lists no layers");
        }
        List<String> warnings = new ArrayList<>();
        JsonNode inputShape = null;
        for (JsonNode layer : layers) {
            String lc = layer.path("class_name").asText();
            JsonNode lcfg = layer.path("config");
            String ln = lcfg.path("name").asText(layer.path("name").asText("?"));
            if (NESTED.contains(lc)) {
                throw new KerasImportException(name + ": layer '" + ln + "' is a nested " + lc + " model (x = base(inputs))"
                        + ", whose weights DL4J does not read; rebuild the model flat (base = ResNet50(input_tensor="
                        + "inputs, ...)) and re-save it");
            }
            if (REFUSED.containsKey(lc)) {
                throw new KerasImportException(name + ": layer '" + ln + "' (" + lc + ") " + REFUSED.get(lc));
            }
            if (lcfg.path("groups").asInt(1) > 1) {
                throw new KerasImportException(name + ": layer '" + ln + "' (" + lc + ") uses groups="
                        + lcfg.path("groups").asInt() + ", which DL4J imports without error as an ordinary "
                        + "convolution (a different function)");
            }
            if ("channels_first".equals(lcfg.path("data_format").asText(null))) {
                throw new KerasImportException(name + ": layer '" + ln + "' uses data_format channels_first; only "
                        + "channels_last models are supported");
            }
            if (lc.equals("Rescaling") && (!lcfg.path("scale").isNumber() || (lcfg.has("offset")
                    && !lcfg.path("offset").isNumber()))) {
                throw new KerasImportException(name + ": layer '" + ln + "' (Rescaling) has per-channel values; only "
                        + "scalar scale and offset are supported");
            }
            if (InferenceLayers.AUGMENTATION.contains(lc)) {
                warnings.add("layer '" + ln + "' (" + lc + ") is augmentation: the identity at inference");
            }
            JsonNode shape = lcfg.has("batch_input_shape") ? lcfg.path("batch_input_shape") : lcfg.path("batch_shape");
            if (inputShape == null && shape.isArray()) {
                inputShape = shape;
            }
        }
        if (!sequential && (cfg.path("input_layers").size() != 1 || cfg.path("output_layers").size() != 1)) {
            throw new KerasImportException(name + ": the model must have one input and one output, it has "
                    + cfg.path("input_layers").size() + " and " + cfg.path("output_layers").size());
        }
        if (inputShape == null || inputShape.size() != 4) {
            throw new KerasImportException(name + ": no image input shape (height, width, channels) in the file");
        }
        JsonNode h = inputShape.get(1);
        JsonNode w = inputShape.get(2);
        JsonNode c = inputShape.get(3);
        if (!h.isInt() || !w.isInt() || h.asInt() != w.asInt()) {
            throw new KerasImportException(name + ": the input must be square with a fixed size, it is " + h + "x" + w);
        }
        if (c.asInt() != 3) {
            throw new KerasImportException(name + ": the input must have 3 channels (RGB), it has " + c);
        }
        JsonNode out = layers.get(layers.size() - 1);
        if (!sequential) {
            String outName = cfg.path("output_layers").get(0).get(0).asText();
            for (JsonNode layer : layers) {
                if (outName.equals(layer.path("config").path("name").asText(layer.path("name").asText()))) {
                    out = layer;
                }
            }
        }
        String activation = out.path("config").path("activation").asText("");
        int units = out.path("config").path("units").asInt(-1);
        boolean sigmoid = out.path("class_name").asText().equals("Dense") && units == 1 && activation.equals("sigmoid");
        boolean softmax = out.path("class_name").asText().equals("Dense") && units == 2 && activation.equals("softmax");
        if (!sigmoid && !softmax) {
            throw new KerasImportException(name + ": the output layer must be Dense(1, sigmoid) or Dense(2, softmax), "
                    + "it is " + out.path("class_name").asText() + "(" + units + ", " + activation + ")");
        }
        return new Check(sequential, h.asInt(), sigmoid, warnings);
    }

    /**
     * The graph with its output layer replaced by a two-way softmax over [real, fake] that gives exactly the same
     * probabilities (see the class comment); every other parameter is copied unchanged.
     */
    private record Folded(ComputationGraphConfiguration conf, Preprocessing preprocessing) {}

    /**
     * A Rescaling reached from the input through identity layers only (augmentation) leaves the graph and joins the
     * preprocessing: scale * (p/255 - m)/s + offset = (p/255 - m')/s' with s' = s/scale, m' = m - offset s/scale.
     * (Kept in the graph it would rescale the caller's input array in place.) A Rescaling anywhere else is refused.
     */
    private static Folded foldLeadingRescaling(String name, ComputationGraphConfiguration conf, Preprocessing pre)
            throws KerasImportException {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        String input = conf.getNetworkInputs().get(0);
        for (String v : new ArrayList<>(vertices.keySet())) {
            if (!(vertices.get(v) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer al
                    && al.getActivationFn() instanceof AffineActivation affine)) {
                continue;
            }
            String from = inputs.get(v).get(0);
            String walk = from;
            while (!walk.equals(input) && vertices.get(walk) instanceof LayerVertex w
                    && w.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer a
                    && a.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationIdentity) {
                walk = inputs.get(walk).get(0);
            }
            if (!walk.equals(input) || !(affine.getScale() > 0)) {
                throw new KerasImportException(name + ": layer '" + v + "' (Rescaling) is not at the input or has a "
                        + "non-positive scale; only a leading Rescaling is supported (it becomes part of the "
                        + "preprocessing)");
            }
            float[] mean = pre.mean();
            float[] std = pre.std();
            for (int c = 0; c < 3; c++) {
                double s = std[c] / affine.getScale();
                mean[c] = (float) (mean[c] - affine.getOffset() * s);
                std[c] = (float) s;
            }
            pre = new Preprocessing(pre.inputSize(), pre.resize(), mean, std, pre.patches(), pre.channels(),
                    pre.layout());
            vertices.remove(v);
            inputs.remove(v);
            for (List<String> l : inputs.values()) {
                l.replaceAll(n -> n.equals(v) ? from : n);
            }
            conf.setTopologicalOrder(null);
            conf.setTopologicalOrderStr(null);
        }
        return new Folded(conf, pre);
    }

    static ComputationGraph twoWayHead(ComputationGraph graph, ComputationGraphConfiguration conf, boolean sigmoid,
                                       Label positive, int size) throws KerasImportException {
        // DL4J's importer gives a BatchNormalization after a Dense layer the NHWC format of the image layers, and
        // DL4J then fails on its [n, c] input; over features the layout is meaningless, so it is set to NCHW.
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(size, size, 3, CNN2DFormat.NHWC));
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex bv && bv.getLayerConf().getLayer() instanceof BatchNormalization bn
                    && types.get(conf.getVertexInputs().get(e.getKey()).get(0)) instanceof InputType.InputTypeFeedForward) {
                bn.setCnn2DFormat(CNN2DFormat.NCHW);
            }
        }
        String outName = conf.getNetworkOutputs().get(0);
        GraphVertex v = conf.getVertices().get(outName);
        if (!(v instanceof LayerVertex lv) || !(lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers
                .FeedForwardLayer ff) || !(ff instanceof DenseLayer || ff instanceof OutputLayer)) {
            throw new KerasImportException("the imported output '" + outName + "' is not a dense layer");
        }
        long nIn = ff.getNIn();
        NeuralNetConfiguration nnc = lv.getLayerConf().clone();
        Layer head = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn).nOut(2)
                .activation(Activation.SOFTMAX).weightInit(WeightInit.ZERO).build();
        head.setLayerName(outName);
        nnc.setLayer(head);
        conf.getVertices().put(outName, new LayerVertex(nnc, lv.getPreProcessor()));
        ComputationGraph out = new ComputationGraph(conf);
        out.init();
        for (org.deeplearning4j.nn.api.Layer l : graph.getLayers()) {
            String ln = l.conf().getLayer().getLayerName();
            if (ln.equals(outName) || out.getVertex(ln) == null) {
                continue;
            }
            Map<String, INDArray> dst = out.getLayer(ln).paramTable();
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                dst.get(e.getKey()).assign(e.getValue().reshape(dst.get(e.getKey()).shape()));
            }
        }
        INDArray w = graph.getLayer(outName).getParam("W"); // [nIn, units]
        INDArray b = graph.getLayer(outName).getParam("b").reshape(-1);
        INDArray w2 = Nd4j.zeros(w.dataType(), nIn, 2);
        INDArray b2 = Nd4j.zeros(b.dataType(), 1, 2);
        int fake = HybridNetwork.FAKE;
        int real = HybridNetwork.REAL;
        if (sigmoid) { // logit z on the positive class's column, 0 on the other
            int col = positive == Label.FAKE ? fake : real;
            w2.getColumn(col).assign(w.getColumn(0));
            b2.putScalar(0, col, b.getDouble(0));
        } else { // unit 1 is the positive class, unit 0 the other
            int one = positive == Label.FAKE ? fake : real;
            int zero = 1 - one;
            w2.getColumn(one).assign(w.getColumn(1));
            w2.getColumn(zero).assign(w.getColumn(0));
            b2.putScalar(0, one, b.getDouble(1));
            b2.putScalar(0, zero, b.getDouble(0));
        }
        out.getLayer(outName).setParam("W", w2);
        out.getLayer(outName).setParam("b", b2.reshape(out.getLayer(outName).getParam("b").shape()));
        return out;
    }

    private static String firstLine(Throwable e) {
        Throwable t = e;
        String m = t.getMessage();
        while ((m == null || m.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            m = t.getMessage();
        }
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return m.lines().map(String::trim).filter(s -> !s.isEmpty()).findFirst().orElse(m);
    }
}
