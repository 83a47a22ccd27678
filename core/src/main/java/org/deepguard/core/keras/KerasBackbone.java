package org.deepguard.core.keras;

import org.bytedeco.hdf5.Attribute;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.DataType;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.hdf5.StrType;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.deepguard.core.Backend;
import org.deepguard.core.model.HybridNetwork;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_RDONLY;
import static org.bytedeco.hdf5.global.hdf5.H5S_NULL;

/**
 * Starts the hybrid's ResNet50 branch from a Keras ResNet50 <em>notop</em> weights file, such as
 * {@code ~/.keras/models/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5} (or a whole model saved with
 * {@code model.save}, whose weights sit under {@code model_weights}).
 *
 * <p>The file's layers are matched to the branch's 53 convolutions and 53 batch normalisations by name, in either
 * naming scheme: tf.keras 2.x ({@code conv1_conv}, {@code conv1_bn}, {@code conv{S}_block{B}_{i}_{conv|bn}} with
 * i = 0 for the projection shortcut and 1..3 along the residual path) or the older keras-applications one
 * ({@code conv1}, {@code bn_conv1}, {@code res2a_branch2a}, {@code bn2a_branch1}, ...); when neither names every
 * layer, by position in the file's layer order (tf.keras 2.x's {@code model.layers} order, see {@link #targets}).
 * Every shape is checked before anything is copied: any mismatch aborts with one line naming the layer, the shape in
 * the file and the shape the branch needs. Kernels go from Keras's HWIO to DL4J's OIHW; batch normalisation takes
 * gamma, beta, moving mean and moving variance (Keras 1 files call the variance {@code running_std}).
 *
 * <p>The weights only reproduce Keras's features in a branch with Keras's geometry and preprocessing
 * ({@link org.deepguard.core.model.Backbone#RESNET50_KERAS}); {@link #load} refuses any other graph.
 */
public final class KerasBackbone {
    /** The file name Keras gives the ImageNet notop weights in {@code ~/.keras/models}. */
    public static final String NOTOP_FILE = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5";
    private static final int[] BLOCKS = {3, 4, 6, 3};

    private KerasBackbone() {}

    /** Where Keras keeps the notop file: {@code ~/.keras/models/...} under the {@code user.home} property. */
    public static Path defaultFile() {
        return Path.of(System.getProperty("user.home"), ".keras", "models", NOTOP_FILE);
    }

    /** True when {@code file} starts with the HDF5 signature (a Keras .h5), false otherwise (e.g. a zoo .zip). */
    public static boolean isHdf5(Path file) throws IOException {
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 8);
        }
        return n == 8 && Arrays.equals(head, new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'});
    }

    /** How the file's layers were matched to the branch. */
    public enum Scheme {
        TF_KERAS_NAMES("tf.keras 2.x layer names"),
        KERAS_APPLICATIONS_NAMES("keras-applications layer names"),
        LAYER_ORDER("layer order (names not recognised)");

        private final String description;

        Scheme(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /**
     * What {@link #load} did.
     *
     * @param scheme     how layers were matched
     * @param layers     branch layers initialised (106 for ResNet50: 53 convolutions, 53 batch normalisations)
     * @param parameters values copied
     * @param ignored    weighted layers of the file that the branch does not use (e.g. a classifier on top)
     */
    public record Loaded(Scheme scheme, int layers, long parameters, List<String> ignored) {
        public String describe() {
            return String.format(Locale.ROOT, "%d layers (%,d values) matched by %s%s", layers, parameters,
                    scheme.description(), ignored.isEmpty() ? "" : "; " + ignored.size() + " other layers ignored ("
                            + String.join(", ", ignored.subList(0, Math.min(3, ignored.size())))
                            + (ignored.size() > 3 ? ", ..." : "") + ")");
        }
    }

    /** One convolution or batch normalisation of the branch, with its Keras names in the two schemes. */
    record Target(String vertex, boolean conv, String tfKeras, String kerasApplications) {}

    /**
     * The branch's weighted layers in tf.keras 2.x's {@code model.layers} order: the stem convolution and BN, then
     * per bottleneck the first convolution and BN, the second convolution and BN, (in a projection block the
     * shortcut convolution,) the third convolution, (the shortcut BN,) the third BN.
     */
    static List<Target> targets() {
        List<Target> t = new ArrayList<>();
        t.add(new Target("stem-cnn1", true, "conv1_conv", "conv1"));
        t.add(new Target("stem-batch1", false, "conv1_bn", "bn_conv1"));
        for (int s = 0; s < BLOCKS.length; s++) {
            int stage = s + 2;
            for (int b = 1; b <= BLOCKS[s]; b++) {
                String id = stage + String.valueOf((char) ('a' + b - 1));
                List<Integer> order = b == 1 ? List.of(1, 2, 0, 3) : List.of(1, 2, 3);
                for (int i : order) {
                    String branch = i == 0 ? "branch1" : "branch2" + "abc".charAt(i - 1);
                    String keras = "conv" + stage + "_block" + b + "_" + i;
                    t.add(new Target("res" + id + "_" + branch, true, keras + "_conv", "res" + id + "_" + branch));
                    if (i == 0) { // the shortcut conv comes before the third conv; its BN after it
                        continue;
                    }
                    if (b == 1 && i == 3) {
                        t.add(new Target("bn" + id + "_branch1", false, "conv" + stage + "_block1_0_bn",
                                "bn" + id + "_branch1"));
                    }
                    t.add(new Target("bn" + id + "_" + branch, false, keras + "_bn", "bn" + id + "_" + branch));
                }
            }
        }
        return t;
    }

    private record FileWeight(String name, long[] shape) {}

    private record FileLayer(String name, List<FileWeight> weights) {}

    /**
     * Copies the file's weights into {@code net}'s Keras-geometry ResNet50 branch.
     *
     * @throws KerasWeightsException the file is missing, unreadable, not a ResNet50 notop file, or any shape differs
     *                               (nothing is copied then)
     */
    public static Loaded load(Path file, ComputationGraph net) {
        if (net.getConfiguration().getVertices().get(HybridNetwork.KERAS_STEM_PAD) == null) {
            throw new IllegalArgumentException("the network has no Keras-geometry ResNet50 branch ("
                    + "Backbone.RESNET50_KERAS) to take Keras weights");
        }
        String name = file.toString();
        try {
            if (!isHdf5(file)) {
                throw new KerasWeightsException(name + ": not an HDF5 file (a Keras .h5 weights file is expected)");
            }
        } catch (NoSuchFileException e) {
            throw new KerasWeightsException(name + ": no such file");
        } catch (IOException e) {
            throw new KerasWeightsException(name + ": cannot read (" + e.getMessage() + ")", e);
        }
        Backend.init();
        Loader.load(org.bytedeco.hdf5.global.hdf5.class);
        synchronized (Hdf5Archive.LOCK_OBJECT) { // the HDF5 library is not thread-safe; DL4J's reader locks this
            org.bytedeco.hdf5.Exception.dontPrint(); // errors become one line here, not a native stack on stderr
            H5File h5 = null;
            Group root = null;
            try {
                h5 = new H5File(name, H5F_ACC_RDONLY());
                root = h5.nameExists("model_weights") ? h5.openGroup("model_weights") : h5.openGroup("/");
                List<FileLayer> layers = readLayers(name, root);
                Map<Target, FileLayer> map = new LinkedHashMap<>();
                Scheme scheme = match(name, layers, map);
                checkShapes(name, net, map);
                long copied = 0;
                for (Map.Entry<Target, FileLayer> e : map.entrySet()) {
                    copied += copy(root, net, e.getKey(), e.getValue());
                }
                List<String> ignored = layers.stream().filter(l -> !map.containsValue(l)).map(FileLayer::name)
                        .collect(Collectors.toList());
                return new Loaded(scheme, map.size(), copied, ignored);
            } catch (KerasWeightsException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KerasWeightsException(name + ": not a readable Keras weights file (" + message(e) + ")", e);
            } finally {
                if (root != null) {
                    root.deallocate();
                }
                if (h5 != null) {
                    h5.deallocate(); // closes the file; one left open makes the native library abort at exit
                }
            }
        }
    }

    /** The layers that hold weights, in the file's layer order, with their weights' names and shapes. */
    private static List<FileLayer> readLayers(String name, Group root) {
        List<String> names = strings(root, "layer_names");
        if (names == null) {
            throw new KerasWeightsException(name + ": not a Keras weights file (no layer_names attribute); a "
                    + "ResNet50 notop .h5 from keras.applications (or model.save_weights) is expected");
        }
        List<FileLayer> out = new ArrayList<>();
        for (String layer : names) {
            if (!root.nameExists(layer)) {
                throw new KerasWeightsException(name + ": lists layer '" + layer + "' but holds no group for it");
            }
            Group g = root.openGroup(layer);
            try {
                List<String> weightNames = strings(g, "weight_names");
                if (weightNames == null || weightNames.isEmpty()) {
                    continue;
                }
                List<FileWeight> weights = new ArrayList<>();
                for (String w : weightNames) {
                    if (!g.nameExists(w.contains("/") ? w.substring(0, w.indexOf('/')) : w)) {
                        throw new KerasWeightsException(name + ": layer '" + layer + "' names weight '" + w
                                + "' but does not hold it");
                    }
                    DataSet d = g.openDataSet(w);
                    DataSpace space = d.getSpace();
                    long[] dims = new long[space.getSimpleExtentNdims()];
                    space.getSimpleExtentDims(dims);
                    space.deallocate();
                    d.deallocate();
                    weights.add(new FileWeight(w, dims));
                }
                out.add(new FileLayer(layer, weights));
            } finally {
                g.deallocate();
            }
        }
        return out;
    }

    /** By tf.keras names, by keras-applications names, else by order; fills {@code map} (target -> file layer). */
    private static Scheme match(String name, List<FileLayer> layers, Map<Target, FileLayer> map) {
        List<Target> targets = targets();
        Map<String, FileLayer> byName = new LinkedHashMap<>();
        layers.forEach(l -> byName.put(l.name(), l));
        for (Scheme scheme : List.of(Scheme.TF_KERAS_NAMES, Scheme.KERAS_APPLICATIONS_NAMES)) {
            boolean all = targets.stream().allMatch(t -> byName.containsKey(keyOf(t, scheme)));
            if (all) {
                targets.forEach(t -> map.put(t, byName.get(keyOf(t, scheme))));
                return scheme;
            }
        }
        if (layers.size() != targets.size()) {
            long convs = targets.stream().filter(Target::conv).count();
            String missing = targets.stream().filter(t -> !byName.containsKey(t.tfKeras())).map(Target::tfKeras)
                    .findFirst().orElse("");
            throw new KerasWeightsException(name + ": not a ResNet50 notop weights file: " + layers.size()
                    + " layers with weights where ResNet50 has " + targets.size() + " (" + convs + " convolutions, "
                    + (targets.size() - convs) + " batch normalisations), and its layer names are not Keras's "
                    + "ResNet50 names (no '" + missing + "')");
        }
        for (int i = 0; i < targets.size(); i++) {
            map.put(targets.get(i), layers.get(i));
        }
        return Scheme.LAYER_ORDER;
    }

    private static String keyOf(Target t, Scheme scheme) {
        return scheme == Scheme.TF_KERAS_NAMES ? t.tfKeras() : t.kerasApplications();
    }

    /** Every file weight against the branch's parameter of the same role; throws on the first difference. */
    private static void checkShapes(String name, ComputationGraph net, Map<Target, FileLayer> map) {
        for (Map.Entry<Target, FileLayer> e : map.entrySet()) {
            Target t = e.getKey();
            FileLayer l = e.getValue();
            Layer layer = net.getLayer(t.vertex());
            String where = name + ": layer '" + l.name() + "' (for " + t.vertex() + ")";
            if (t.conv()) {
                long[] w = layer.getParam("W").shape(); // [out, in, kh, kw]
                long[] need = {w[2], w[3], w[1], w[0]};
                FileWeight kernel = conv(where, l, 4);
                if (kernel == null) {
                    throw new KerasWeightsException(where + " is not a 2-D convolution: it holds "
                            + describe(l) + " where a " + dims(need) + " kernel (HWIO) and a bias are needed");
                }
                if (!Arrays.equals(kernel.shape(), need)) {
                    throw new KerasWeightsException(where + " has a " + dims(kernel.shape()) + " kernel where the "
                            + "ResNet50 branch needs " + dims(need) + " (HWIO): a different architecture or width");
                }
                FileWeight bias = conv(where, l, 1);
                if (bias != null && !Arrays.equals(bias.shape(), new long[] {w[0]})) {
                    throw new KerasWeightsException(where + " has a bias of " + dims(bias.shape()) + " values where "
                            + w[0] + " are needed");
                }
            } else {
                long c = layer.getParam(BatchNormalizationParamInitializer.GAMMA).length();
                FileWeight[] bn = batchNorm(where, l);
                for (FileWeight w : bn) {
                    if (!Arrays.equals(w.shape(), new long[] {c})) {
                        throw new KerasWeightsException(where + " has " + w.name() + " of shape " + dims(w.shape())
                                + " where the ResNet50 branch needs " + c + " channels: a different architecture or "
                                + "width");
                    }
                }
            }
        }
    }

    /** The convolution's weight of the given rank (4: kernel, 1: bias), null when absent; refuses extra weights. */
    private static FileWeight conv(String where, FileLayer l, int rank) {
        if (l.weights().size() > 2 || l.weights().stream().anyMatch(w -> w.shape().length != 4
                && w.shape().length != 1)) {
            throw new KerasWeightsException(where + " is not a 2-D convolution with a bias: it holds " + describe(l));
        }
        return l.weights().stream().filter(w -> w.shape().length == rank).findFirst().orElse(null);
    }

    /** gamma, beta, moving mean, moving variance: by name when every one is named, else by position. */
    private static FileWeight[] batchNorm(String where, FileLayer l) {
        if (l.weights().size() != 4) {
            throw new KerasWeightsException(where + " is not a batch normalisation with gamma, beta, moving mean and "
                    + "variance: it holds " + describe(l));
        }
        String[][] keys = {{"gamma"}, {"beta"}, {"moving_mean", "running_mean"},
            {"moving_variance", "running_std", "running_var"}};
        FileWeight[] out = new FileWeight[4];
        for (int k = 0; k < 4; k++) {
            for (FileWeight w : l.weights()) {
                String base = w.name().substring(w.name().lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
                for (String key : keys[k]) {
                    if (base.contains(key)) {
                        out[k] = w;
                    }
                }
            }
        }
        if (Arrays.stream(out).anyMatch(w -> w == null) || Arrays.stream(out).distinct().count() != 4) {
            return l.weights().toArray(FileWeight[]::new); // Keras's own order
        }
        return out;
    }

    /** Reads and copies one layer's weights; returns the number of values. */
    private static long copy(Group root, ComputationGraph net, Target t, FileLayer l) {
        Layer layer = net.getLayer(t.vertex());
        Group g = root.openGroup(l.name());
        try {
            if (t.conv()) {
                INDArray w = layer.getParam("W");
                FileWeight kernel = conv("", l, 4);
                FileWeight bias = conv("", l, 1);
                INDArray hwio = read(g, kernel);
                w.assign(hwio.permute(3, 2, 0, 1));
                INDArray b = layer.getParam("b");
                if (bias != null) {
                    b.assign(read(g, bias).reshape(b.shape()));
                } else {
                    b.assign(0);
                }
                return w.length() + (bias == null ? 0 : b.length());
            }
            FileWeight[] bn = batchNorm("", l);
            String[] params = {BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA,
                BatchNormalizationParamInitializer.GLOBAL_MEAN, BatchNormalizationParamInitializer.GLOBAL_VAR};
            long n = 0;
            for (int k = 0; k < 4; k++) {
                INDArray p = layer.getParam(params[k]);
                if (p == null) {
                    throw new IllegalStateException(t.vertex() + " has no parameter " + params[k]
                            + " (a batch normalisation with useLogStd cannot take Keras weights)");
                }
                p.assign(read(g, bn[k]).reshape(p.shape()));
                n += p.length();
            }
            return n;
        } finally {
            g.deallocate();
        }
    }

    private static INDArray read(Group g, FileWeight w) {
        DataSet d = g.openDataSet(w.name());
        try {
            long n = Arrays.stream(w.shape()).reduce(1, (a, b) -> a * b);
            FloatPointer fp = new FloatPointer(n);
            try {
                DataType type = new DataType(PredType.NATIVE_FLOAT());
                d.read(fp, type);
                type.deallocate();
                float[] values = new float[(int) n];
                fp.get(values);
                return Nd4j.create(values, w.shape(), 'c');
            } finally {
                fp.deallocate();
            }
        } finally {
            d.deallocate();
        }
    }

    /**
     * A string-array attribute (fixed or variable length; Keras splits long ones into name0, name1, ...), or null
     * when absent. An empty array (Keras writes a float array for "no weights") is an empty list.
     */
    private static List<String> strings(Group g, String attribute) {
        if (g.attrExists(attribute)) {
            return readStrings(g, attribute);
        }
        if (!g.attrExists(attribute + "0")) {
            return null;
        }
        List<String> all = new ArrayList<>();
        for (int i = 0; g.attrExists(attribute + i); i++) {
            all.addAll(readStrings(g, attribute + i));
        }
        return all;
    }

    private static List<String> readStrings(Group g, String attribute) {
        Attribute a = g.openAttribute(attribute);
        DataSpace space = a.getSpace();
        try {
            List<String> out = new ArrayList<>();
            if (space.getSimpleExtentType() == H5S_NULL || space.getSimpleExtentNpoints() == 0) {
                return out;
            }
            int n = (int) space.getSimpleExtentNpoints();
            if (a.getTypeClass() != org.bytedeco.hdf5.global.hdf5.H5T_STRING) {
                throw new KerasWeightsException("attribute '" + attribute + "' is not a list of strings");
            }
            StrType type = a.getStrType();
            try {
                if (type.isVariableStr()) {
                    PointerPointer<BytePointer> ptrs = new PointerPointer<>(n);
                    a.read(type, ptrs);
                    for (int i = 0; i < n; i++) {
                        out.add(new BytePointer(ptrs.get(i)).getString());
                    }
                    ptrs.deallocate();
                } else {
                    int len = (int) type.getSize();
                    BytePointer buf = new BytePointer((long) n * len);
                    a.read(type, (Pointer) buf); // the void* overload: the BytePointer one reads one std::string
                    byte[] bytes = new byte[n * len];
                    buf.get(bytes);
                    buf.deallocate();
                    for (int i = 0; i < n; i++) {
                        int end = i * len;
                        while (end < (i + 1) * len && bytes[end] != 0) {
                            end++;
                        }
                        out.add(new String(bytes, i * len, end - i * len, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            } finally {
                type.deallocate();
            }
            return out;
        } finally {
            space.deallocate();
            a.deallocate();
        }
    }

    private static String describe(FileLayer l) {
        return l.weights().isEmpty() ? "no weights" : l.weights().stream().map(w -> dims(w.shape()))
                .collect(Collectors.joining(", ", "weights of shape ", ""));
    }

    private static String dims(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining("x"));
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().map(String::trim).filter(s -> !s.isEmpty()).findFirst().orElse(m);
    }
}
