package org.deepguard.core.explain;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.FrozenVertex;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * An inference-only copy of a trained graph whose backward pass is exact, so activations and gradients of a class
 * logit can be read at any vertex.
 *
 * <p>Why a copy: DL4J M2.1's BatchNormalization always backpropagates with the training-mode (batch statistics)
 * formula, even after an inference forward pass, so gradients through it are wrong for explanation. Here every BN
 * becomes the fixed affine map it is at inference: folded into the preceding convolution (whose bias absorbs the
 * shift; the BN vertex stays as an identity so names and wiring are unchanged), or, after a dense layer, an
 * element-wise scale-and-shift layer. Dropout becomes an identity. The softmax output layer becomes a dense layer with
 * the same weights and identity activation, so the network's outputs are the pre-softmax logits and the class score's
 * gradient is seeded by a one-hot external error. Workspaces are off so vertex errors outlive the backward pass.
 */
public final class ExplanationNetwork {
    private final Graph graph;
    private final String input;
    private final String output;
    private final DataType dataType;
    /** Convolutions whose output now already includes the following BN (their activations are not the originals). */
    private final List<String> folded = new ArrayList<>();
    /**
     * A graph imported from Keras computes in NHWC: its spatial maps are [n, h, w, c]. They are handed out as
     * [n, c, h, w], so the explanation code has one layout (BN folding is per output channel: layout-free).
     */
    private final boolean channelsLast;

    private ExplanationNetwork(Graph graph, List<String> folded) {
        this.graph = graph;
        this.channelsLast = channelsLast(graph.getConfiguration());
        this.input = graph.getConfiguration().getNetworkInputs().get(0);
        this.output = graph.getConfiguration().getNetworkOutputs().get(0);
        this.dataType = graph.params().dataType();
        this.folded.addAll(folded);
    }

    /** Builds the explanation copy; the original graph is not modified. */
    public static ExplanationNetwork of(ComputationGraph original) {
        return of(original, true);
    }

    /** @param foldBatchNorm false only in tests, to show the gradients DL4J's own BN backward pass would give */
    static ExplanationNetwork of(ComputationGraph original, boolean foldBatchNorm) {
        ComputationGraphConfiguration src = original.getConfiguration();
        if (src.getNetworkInputs().size() != 1 || src.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("explanations need a graph with one input and one output");
        }
        ComputationGraphConfiguration conf = src.clone();
        conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
        conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        // Frozen wrappers only stop training, but DL4J's FrozenLayer also returns no error to its input, which would
        // cut the gradient at the fixed SRM filter (and below a frozen backbone): unwrap them; this copy never trains.
        for (String name : new ArrayList<>(vertices.keySet())) {
            GraphVertex v = vertices.get(name);
            if (v instanceof org.deeplearning4j.nn.conf.graph.FrozenVertex fv) {
                vertices.put(name, fv.getUnderlying());
            } else if (v instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer fl) {
                replace(vertices, name, fl.getLayer().clone());
            }
        }
        Map<String, Integer> consumers = new HashMap<>();
        inputs.values().forEach(l -> l.forEach(n -> consumers.merge(n, 1, Integer::sum)));

        List<String> foldedConvs = new ArrayList<>();
        List<String> names = new ArrayList<>(vertices.keySet());
        List<ParamFix> fixes = new ArrayList<>();
        for (String name : names) {
            if (!(vertices.get(name) instanceof LayerVertex lv)) {
                continue;
            }
            Layer layer = lv.getLayerConf().getLayer();
            if (layer.getIDropout() != null) {
                // dropout is the identity at inference; left on a layer (as Keras import puts it on the layer after a
                // Dropout), backprop outside training finds no mask and fails
                layer = layer.clone();
                layer.setIDropout(null);
                replace(vertices, name, layer);
            }
            if (layer instanceof BatchNormalization bn && foldBatchNorm) {
                String prev = inputs.get(name).get(0);
                Layer prevLayer = vertices.get(prev) instanceof LayerVertex p ? p.getLayerConf().getLayer() : null;
                boolean foldable = prevLayer != null && prevLayer.getClass() == ConvolutionLayer.class
                        && consumers.getOrDefault(prev, 0) == 1
                        && ((ConvolutionLayer) prevLayer).getActivationFn() instanceof ActivationIdentity;
                if (foldable) {
                    ConvolutionLayer conv = (ConvolutionLayer) prevLayer.clone();
                    conv.setHasBias(true);
                    replace(vertices, prev, conv);
                    replace(vertices, name, new ActivationLayer.Builder().activation(Activation.IDENTITY).build());
                    foldedConvs.add(prev);
                    fixes.add(new ParamFix(FixKind.FOLD_INTO_CONV, name, prev, bn));
                } else if (prevLayer instanceof DenseLayer && consumers.getOrDefault(prev, 0) >= 1) {
                    long n = ((DenseLayer) prevLayer).getNOut();
                    replace(vertices, name, new ElementWiseMultiplicationLayer.Builder().nIn(n).nOut(n)
                            .weightInit(WeightInit.ONES).biasInit(0).updater(new NoOp())
                            .activation(Activation.IDENTITY).build());
                    fixes.add(new ParamFix(FixKind.ELEMENTWISE, name, null, bn));
                } else {
                    throw new UnsupportedOperationException("cannot make BatchNormalization '" + name
                            + "' exact for explanation (it does not follow a plain convolution or a dense layer)");
                }
            } else if (layer instanceof DropoutLayer) {
                replace(vertices, name, new ActivationLayer.Builder().activation(Activation.IDENTITY).build());
            } else if (layer instanceof OutputLayer out && name.equals(src.getNetworkOutputs().get(0))) {
                replace(vertices, name, new DenseLayer.Builder().nIn(out.getNIn()).nOut(out.getNOut())
                        .hasBias(out.hasBias()).activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER)
                        .biasInit(0).updater(new NoOp()).build());
            }
        }
        Graph g = new Graph(conf);
        g.init();
        copyParams(original, g);
        for (ParamFix f : fixes) {
            f.apply(original, g);
        }
        return new ExplanationNetwork(g, foldedConvs);
    }

    private static boolean channelsLast(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv) {
                Layer l = lv.getLayerConf().getLayer();
                if ((l instanceof ConvolutionLayer c && c.getCnn2dDataFormat() == CNN2DFormat.NHWC)
                        || (l instanceof BatchNormalization b && b.getCnn2DFormat() == CNN2DFormat.NHWC)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A rank-4 activation or gradient in NCHW, whatever the graph's layout. */
    private INDArray nchw(INDArray x) {
        return channelsLast && x != null && x.rank() == 4 ? x.permute(0, 3, 1, 2) : x;
    }

    private static void replace(Map<String, GraphVertex> vertices, String name, Layer layer) {
        LayerVertex old = (LayerVertex) vertices.get(name);
        NeuralNetConfiguration nnc = old.getLayerConf().clone();
        layer.setLayerName(name);
        nnc.setLayer(layer);
        vertices.put(name, new LayerVertex(nnc, old.getPreProcessor()));
    }

    private static void copyParams(ComputationGraph from, ComputationGraph to) {
        for (org.deeplearning4j.nn.api.Layer l : from.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            org.deeplearning4j.nn.api.Layer target = to.getLayer(name);
            Map<String, INDArray> dst = target.paramTable();
            for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                INDArray d = dst.get(e.getKey());
                if (d != null && d.length() == e.getValue().length()) {
                    d.assign(e.getValue().reshape(d.shape()));
                }
            }
        }
    }

    private enum FixKind { FOLD_INTO_CONV, ELEMENTWISE }

    /** BN's inference map y = scale * x + shift, per channel. */
    private record ParamFix(FixKind kind, String bnName, String convName, BatchNormalization bn) {
        void apply(ComputationGraph original, ComputationGraph copy) {
            org.deeplearning4j.nn.api.Layer bnLayer = original.getLayer(bnName);
            INDArray[] affine = org.deepguard.core.model.InferenceGraph.affine(bnLayer, bn);
            INDArray scale = affine[0];
            INDArray shift = affine[1];
            long n = scale.length();
            if (kind == FixKind.ELEMENTWISE) {
                org.deeplearning4j.nn.api.Layer l = copy.getLayer(bnName);
                l.getParam("W").assign(scale.reshape(l.getParam("W").shape()));
                l.getParam("b").assign(shift.reshape(l.getParam("b").shape()));
                return;
            }
            org.deeplearning4j.nn.api.Layer conv = copy.getLayer(convName);
            INDArray w = conv.getParam("W"); // [nOut, nIn, kH, kW]
            INDArray b = conv.getParam("b"); // [1, nOut]
            INDArray origW = original.getLayer(convName).getParam("W").castTo(DataType.DOUBLE);
            INDArray origB = original.getLayer(convName).paramTable().get("b");
            INDArray bias = origB == null ? Nd4j.zeros(DataType.DOUBLE, n) : origB.castTo(DataType.DOUBLE).reshape(-1);
            INDArray newW = origW.mul(scale.reshape(n, 1, 1, 1).broadcast(origW.shape()));
            w.assign(newW.castTo(w.dataType()));
            b.assign(bias.mul(scale).add(shift).reshape(b.shape()).castTo(b.dataType()));
        }
    }

    /** An independent copy with the same parameters (for randomisation checks). */
    public ExplanationNetwork copy() {
        Graph g = new Graph(graph.getConfiguration().clone());
        g.init(graph.params().dup(), false);
        return new ExplanationNetwork(g, folded);
    }

    public DataType dataType() {
        return dataType;
    }

    public String inputName() {
        return input;
    }

    ComputationGraph graph() {
        return graph;
    }

    /** Vertices whose activations in this copy differ from the original (a convolution with its BN folded in). */
    public List<String> foldedVertices() {
        return List.copyOf(folded);
    }

    /** Forward pass at inference; returns every vertex's activation (keyed by name). */
    public synchronized Map<String, INDArray> activations(INDArray batch) {
        Map<String, INDArray> acts = graph.feedForward(new INDArray[] {batch.castTo(dataType)}, false, true);
        if (channelsLast) {
            acts.replaceAll((name, a) -> nchw(a));
        }
        return acts;
    }

    /** Logits [n, classes] for a batch. */
    public synchronized INDArray logits(INDArray batch) {
        return graph.outputSingle(false, batch.castTo(dataType));
    }

    /**
     * Activations of {@code vertex} and the exact gradient of logit {@code targetClass} with respect to them, for a
     * single image ([1, C, H, W], or [1, H, W, C] for a graph imported from Keras; the capture is NCHW either way).
     */
    public LayerCapture capture(INDArray image, String vertex, int targetClass) {
        return capture(image, vertex, logits -> targetClass);
    }

    /**
     * As {@link #capture(INDArray, String, int)}, with the class chosen from the logits of the same forward pass (e.g.
     * the predicted class) so no second pass is needed.
     */
    public synchronized LayerCapture capture(INDArray image, String vertex, ToIntFunction<double[]> classOf) {
        if (image.size(0) != 1) {
            throw new IllegalArgumentException("capture takes one image at a time, got a batch of " + image.size(0));
        }
        if (graph.getVertex(vertex) == null) {
            throw new IllegalArgumentException("no layer named '" + vertex + "' in this network");
        }
        try {
            Map<String, INDArray> acts = graph.feedForward(new INDArray[] {image.castTo(dataType)}, false, false);
            INDArray logits = acts.get(output);
            double[] logit = logits.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            int targetClass = classOf.applyAsInt(logit.clone());
            if (targetClass < 0 || targetClass >= logits.size(1)) {
                throw new IllegalArgumentException("class index " + targetClass + " out of range");
            }
            INDArray seed = Nd4j.zeros(logits.dataType(), logits.shape());
            seed.putScalar(0, targetClass, 1.0);
            graph.backpropKeepingErrors(seed, vertex);
            INDArray a = nchw(acts.get(vertex));
            INDArray g = graph.getVertex(vertex).getEpsilon();
            if (g == null) {
                throw new IllegalArgumentException("layer '" + vertex + "' does not influence the output");
            }
            g = nchw(g);
            return LayerCapture.of(vertex, targetClass, logit, a, g);
        } finally {
            graph.clearLayersStates();
        }
    }

    /**
     * The logits of a batch and the exact gradient of {@code sum(seed * logits)} with respect to the network's input
     * (the normalised NCHW tensor): with seed rows [-w, +w] the gradient of w times each row's log-odds. Used by the
     * white-box attacks ({@code core.attack}); the same exact backward pass as {@link #capture}.
     *
     * @return {logits [n, classes], input gradient [n, C, H, W]}, both detached copies
     */
    public synchronized INDArray[] inputGradient(INDArray batch, INDArray seed) {
        try {
            Map<String, INDArray> acts = graph.feedForward(new INDArray[] {batch.castTo(dataType)}, false, false);
            INDArray logits = acts.get(output);
            if (!java.util.Arrays.equals(seed.shape(), logits.shape())) {
                throw new IllegalArgumentException("seed shape " + java.util.Arrays.toString(seed.shape())
                        + " differs from the logits' " + java.util.Arrays.toString(logits.shape()));
            }
            graph.backpropKeepingErrors(seed.castTo(logits.dataType()), input);
            INDArray g = graph.getVertex(input).getEpsilon();
            if (g == null) {
                throw new IllegalStateException("the backward pass left no error at the input vertex");
            }
            return new INDArray[] {logits.dup(), g.dup()};
        } finally {
            graph.clearLayersStates();
        }
    }

    /** Graph with access to the protected backward pass that keeps the vertices' errors afterwards. */
    static final class Graph extends ComputationGraph {
        private final Map<String, int[]> skipCache = new HashMap<>();

        Graph(ComputationGraphConfiguration conf) {
            super(conf);
        }

        /**
         * Backward pass from the output down to {@code target} only: every vertex that is not downstream of the
         * target (the target itself, everything feeding it, parallel branches such as the ResNet50 one when the
         * target is in the CNN branch) is wrapped as frozen for this call, so DL4J skips it. The errors reaching the
         * target are unchanged; the work below it is not done.
         */
        void backpropKeepingErrors(INDArray outputError, String target) {
            int[] skip = skipCache.computeIfAbsent(target, this::notDownstreamOf);
            org.deeplearning4j.nn.graph.vertex.GraphVertex[] saved = vertices.clone();
            try {
                for (int i : skip) {
                    vertices[i] = new FrozenVertex(saved[i]);
                }
                calcBackpropGradients(false, false, outputError);
            } finally {
                System.arraycopy(saved, 0, vertices, 0, saved.length);
            }
        }

        private int[] notDownstreamOf(String target) {
            boolean[] downstream = new boolean[vertices.length];
            java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
            queue.add(getVertex(target).getVertexIndex());
            while (!queue.isEmpty()) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex v = vertices[queue.poll()];
                if (v.getOutputVertices() == null) {
                    continue;
                }
                for (org.deeplearning4j.nn.graph.vertex.VertexIndices o : v.getOutputVertices()) {
                    if (!downstream[o.getVertexIndex()]) {
                        downstream[o.getVertexIndex()] = true;
                        queue.add(o.getVertexIndex());
                    }
                }
            }
            return java.util.stream.IntStream.range(0, vertices.length)
                    .filter(i -> !downstream[i] && !vertices[i].isInputVertex()).toArray();
        }
    }
}
