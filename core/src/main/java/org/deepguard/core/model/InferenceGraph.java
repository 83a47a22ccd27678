package org.deepguard.core.model;

import org.deepguard.core.Backend;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scoring form of a bundle's network(s): one inference-only graph in which every ensemble member is a parallel
 * sub-graph over the shared input, so a batch of views goes through all members in one {@code output()} call, and
 * every BatchNormalization is gone at inference:
 * <ul>
 *   <li>conv - BN (- activation): the BN's fixed affine map is folded into the convolution's weights and bias, and
 *       a following activation layer becomes the convolution's own activation;</li>
 *   <li>dense - BN (- dropout) - dense/output: the affine map is folded forward into the next layer's weights and
 *       bias (the ReLU sits before the BN, so it cannot go backwards);</li>
 *   <li>dropout layers are dropped (identity at inference);</li>
 *   <li>identical frozen layers on the input (the fixed SRM high-pass filters every member shares) are computed
 *       once.</li>
 * </ul>
 * A BN that fits none of these stays as it is, which is still exact at inference. The members' own graphs are
 * only read: training, gradients and explanations keep using them. Each member keeps its softmax output, so the
 * scores are the same function of the outputs as {@link Detector#memberMeanLogOdds}; only float rounding differs.
 */
public final class InferenceGraph {
    /** Off switch for side-by-side measurements: {@code -Ddeepguard.fold=false} scores with the members' graphs. */
    public static final String SWITCH_PROPERTY = "deepguard.fold";

    private final ComputationGraph graph;
    private final int members;
    private final int removedBatchNorms;

    private InferenceGraph(ComputationGraph graph, int members, int removedBatchNorms) {
        this.graph = graph;
        this.members = members;
        this.removedBatchNorms = removedBatchNorms;
    }

    /** Whether scoring should use the folded, merged graph (the default). */
    public static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(SWITCH_PROPERTY, "true").trim());
    }

    /** The merged graph (for inspection in tests and benchmarks; do not train it). */
    public ComputationGraph graph() {
        return graph;
    }

    /** How many BatchNormalization layers of all members were folded away. */
    public int removedBatchNorms() {
        return removedBatchNorms;
    }

    /** Mean over members of each row's log-odds, as {@link Detector#memberMeanLogOdds} on the members. */
    public double[] meanLogOdds(INDArray batch) {
        INDArray[] out;
        synchronized (graph) { // a ComputationGraph is not safe for concurrent output() calls
            out = graph.output(false, batch);
        }
        double[] sum = new double[(int) batch.size(0)];
        for (INDArray o : out) {
            double[] z = Scores.logOdds(o);
            for (int i = 0; i < z.length; i++) {
                sum[i] += z[i];
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= members;
        }
        return sum;
    }

    /** Builds the scoring graph of {@code networks} (each with one input and one softmax output). */
    public static InferenceGraph of(List<ComputationGraph> networks) {
        return of(networks, true);
    }

    /**
     * @param foldBatchNorm false only to measure the merge alone: BN, activation and dropout layers stay as they
     *                      are (shared frozen input layers are still computed once)
     */
    public static InferenceGraph of(List<ComputationGraph> networks, boolean foldBatchNorm) {
        ComputationGraphConfiguration first = networks.get(0).getConfiguration();
        for (ComputationGraph n : networks) {
            if (n.getConfiguration().getNetworkInputs().size() != 1
                    || n.getConfiguration().getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("scoring graphs need one input and one output per member");
            }
        }
        String input = first.getNetworkInputs().get(0);
        Builder b = new Builder(input, foldBatchNorm);
        for (int m = 0; m < networks.size(); m++) {
            b.addMember(m, networks.get(m));
        }
        ComputationGraphConfiguration conf = first.clone();
        conf.setVertices(b.vertices);
        conf.setVertexInputs(b.inputs);
        conf.setNetworkInputs(new ArrayList<>(List.of(input)));
        conf.setNetworkOutputs(b.outputs);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        Backend.init(); // before the layers are created: oneDNN helpers are decided per layer at init()
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        for (Map.Entry<String, Source> e : b.sources.entrySet()) {
            Source s = e.getValue();
            Map<String, INDArray> dst = graph.getLayer(e.getKey()).paramTable();
            Map<String, INDArray> src = s.network.getLayer(s.name).paramTable();
            for (Map.Entry<String, INDArray> p : dst.entrySet()) {
                INDArray from = src.get(p.getKey());
                if (from == null) {
                    p.getValue().assign(0); // the bias a folded convolution gains
                } else {
                    p.getValue().assign(from.reshape(p.getValue().shape()));
                }
            }
        }
        for (Fold f : b.folds) {
            f.apply(graph);
        }
        return new InferenceGraph(graph, networks.size(), b.folds.size());
    }

    /** Where a layer of the merged graph takes its parameters from. */
    private record Source(ComputationGraph network, String name) {}

    /** A BN of a member folded into a layer of the merged graph: backwards into a conv, or forwards into a dense. */
    private record Fold(ComputationGraph network, String bnName, String target, boolean forward) {
        void apply(ComputationGraph merged) {
            org.deeplearning4j.nn.api.Layer bnLayer = network.getLayer(bnName);
            BatchNormalization bn = (BatchNormalization) bnLayer.conf().getLayer();
            INDArray[] affine = affine(bnLayer, bn);
            INDArray scale = affine[0];
            INDArray shift = affine[1];
            long n = scale.length();
            org.deeplearning4j.nn.api.Layer layer = merged.getLayer(target);
            INDArray w = layer.getParam("W");
            INDArray b = layer.getParam("b");
            INDArray w64 = w.castTo(DataType.DOUBLE);
            INDArray b64 = b.castTo(DataType.DOUBLE).reshape(-1);
            if (forward) { // y = W^T (scale * x + shift) + b, W is [nIn, nOut]
                INDArray newB = b64.add(shift.reshape(1, n).mmul(w64).reshape(-1));
                INDArray newW = w64.mulColumnVector(scale.reshape(n, 1));
                w.assign(newW.castTo(w.dataType()));
                b.assign(newB.reshape(b.shape()).castTo(b.dataType()));
            } else { // conv W is [nOut, nIn, kH, kW]: scale each output channel
                INDArray newW = w64.mul(scale.reshape(n, 1, 1, 1).broadcast(w64.shape()));
                w.assign(newW.castTo(w.dataType()));
                b.assign(b64.mul(scale).add(shift).reshape(b.shape()).castTo(b.dataType()));
            }
        }
    }

    /**
     * BN's inference map y = scale * x + shift, per channel, in double precision: {scale, shift}. Shared by this
     * folded scoring graph and the explanation copy (explain.ExplanationNetwork).
     */
    public static INDArray[] affine(org.deeplearning4j.nn.api.Layer bnLayer, BatchNormalization bn) {
        INDArray mean = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).castTo(DataType.DOUBLE)
                .reshape(-1);
        INDArray var;
        if (bn.isUseLogStd()) {
            INDArray log10s = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                    .castTo(DataType.DOUBLE).reshape(-1);
            INDArray std = Transforms.pow(Nd4j.valueArrayOf(log10s.shape(), 10.0, DataType.DOUBLE), log10s);
            var = std.mul(std);
        } else {
            var = bnLayer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR).castTo(DataType.DOUBLE)
                    .reshape(-1);
        }
        long n = mean.length();
        INDArray gamma;
        INDArray beta;
        if (bn.isLockGammaBeta()) {
            gamma = Nd4j.valueArrayOf(new long[] {n}, bn.getGamma(), DataType.DOUBLE);
            beta = Nd4j.valueArrayOf(new long[] {n}, bn.getBeta(), DataType.DOUBLE);
        } else {
            gamma = bnLayer.getParam(BatchNormalizationParamInitializer.GAMMA).castTo(DataType.DOUBLE).reshape(-1);
            beta = bnLayer.getParam(BatchNormalizationParamInitializer.BETA).castTo(DataType.DOUBLE).reshape(-1);
        }
        INDArray scale = gamma.div(Transforms.sqrt(var.add(bn.getEps())));
        return new INDArray[] {scale, beta.sub(mean.mul(scale))};
    }

    /** Copies members' vertices into one configuration, renamed {@code m<i>_<name>}, rewriting as it goes. */
    private static final class Builder {
        final String input;
        final Map<String, GraphVertex> vertices = new LinkedHashMap<>();
        final Map<String, List<String>> inputs = new LinkedHashMap<>();
        final List<String> outputs = new ArrayList<>();
        final Map<String, Source> sources = new LinkedHashMap<>();
        final List<Fold> folds = new ArrayList<>();
        /** Frozen input layers already added, to share identical ones between members. */
        final List<String> sharedFrozen = new ArrayList<>();

        final boolean fold;

        Builder(String input, boolean fold) {
            this.input = input;
            this.fold = fold;
        }

        void addMember(int m, ComputationGraph net) {
            ComputationGraphConfiguration src = net.getConfiguration();
            Map<String, Integer> consumers = new HashMap<>();
            src.getVertexInputs().values().forEach(l -> l.forEach(n -> consumers.merge(n, 1, Integer::sum)));
            Map<String, List<String>> consumerNames = new HashMap<>();
            src.getVertexInputs().forEach((v, ins) -> ins.forEach(i ->
                    consumerNames.computeIfAbsent(i, k -> new ArrayList<>()).add(v)));
            String outName = src.getNetworkOutputs().get(0);
            // old name -> name in the merged graph of the vertex whose output it now is
            Map<String, String> alias = new HashMap<>();
            alias.put(input, input);
            // old names whose value is the output of a merged convolution with identity activation that nothing
            // else reads: a BN or an activation layer that follows may still be folded into it
            Map<String, String> openConv = new HashMap<>();
            // old name of a BN folded forward -> old name of the dense/output layer that absorbs it
            Map<String, String> pendingForward = new HashMap<>();
            for (int idx : net.topologicalSortOrder()) {
                String name = net.getVertices()[idx].getVertexName();
                if (name.equals(input)) {
                    continue;
                }
                GraphVertex v = src.getVertices().get(name);
                List<String> in = src.getVertexInputs().get(name);
                Layer layer = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
                boolean single = consumers.getOrDefault(name, 0) == 1 && !name.equals(outName);
                String newName = "m" + m + "_" + name;
                if (!fold) {
                    openConv.clear();
                    pendingForward.clear();
                }
                if (layer instanceof BatchNormalization && openConv.containsKey(in.get(0))) {
                    String conv = openConv.remove(in.get(0));
                    ((ConvolutionLayer) layerOf(conv)).setHasBias(true);
                    folds.add(new Fold(net, name, conv, false));
                    alias.put(name, conv);
                    if (single) {
                        openConv.put(name, conv);
                    }
                    continue;
                }
                if (layer instanceof BatchNormalization && single && fold) {
                    String next = forwardTarget(name, consumerNames, consumers, src, outName);
                    if (next != null) {
                        pendingForward.put(next, name);
                        alias.put(name, alias.get(in.get(0)));
                        continue;
                    }
                }
                if (layer instanceof ActivationLayer act && openConv.containsKey(in.get(0))) {
                    String conv = openConv.remove(in.get(0));
                    ((ConvolutionLayer) layerOf(conv)).setActivationFn(act.getActivationFn());
                    alias.put(name, conv);
                    continue;
                }
                if (layer instanceof DropoutLayer && !name.equals(outName) && fold) {
                    alias.put(name, alias.get(in.get(0)));
                    continue;
                }
                if (layer instanceof FrozenLayer && in.size() == 1 && in.get(0).equals(input)) {
                    String same = sameFrozen(net, name);
                    if (same != null) {
                        alias.put(name, same);
                        continue;
                    }
                }
                List<String> newInputs = new ArrayList<>();
                for (String i : in) {
                    newInputs.add(alias.get(i));
                }
                GraphVertex copy;
                if (v instanceof LayerVertex lv) {
                    NeuralNetConfiguration nnc = lv.getLayerConf().clone();
                    nnc.getLayer().setLayerName(newName);
                    LayerVertex lvCopy = new LayerVertex(nnc, lv.getPreProcessor() == null ? null
                            : lv.getPreProcessor().clone());
                    lvCopy.setOutputVertex(lv.isOutputVertex());
                    copy = lvCopy;
                    sources.put(newName, new Source(net, name));
                    Layer l = nnc.getLayer();
                    if (l.getClass() == ConvolutionLayer.class
                            && ((ConvolutionLayer) l).getActivationFn() instanceof ActivationIdentity && single) {
                        openConv.put(name, newName);
                    }
                    if (l instanceof FrozenLayer && in.size() == 1 && in.get(0).equals(input)) {
                        sharedFrozen.add(newName);
                    }
                    String bn = pendingForward.remove(name);
                    if (bn != null) {
                        folds.add(new Fold(net, bn, newName, true));
                    }
                } else {
                    copy = v.clone();
                }
                vertices.put(newName, copy);
                inputs.put(newName, newInputs);
                alias.put(name, newName);
            }
            outputs.add(alias.get(outName));
        }

        private Layer layerOf(String mergedName) {
            return ((LayerVertex) vertices.get(mergedName)).getLayerConf().getLayer();
        }

        /**
         * The dense or output layer that alone reads BN {@code bn} (directly or through one dropout layer) and can
         * absorb its affine map, or null.
         */
        private static String forwardTarget(String bn, Map<String, List<String>> consumerNames,
                                            Map<String, Integer> consumers, ComputationGraphConfiguration src,
                                            String outName) {
            String next = consumerNames.get(bn).get(0);
            Layer l = layerAt(src, next);
            if (l instanceof DropoutLayer && consumers.getOrDefault(next, 0) == 1 && !next.equals(outName)) {
                next = consumerNames.get(next).get(0);
                l = layerAt(src, next);
            }
            boolean affineLayer = (l != null && l.getClass() == DenseLayer.class && ((DenseLayer) l).hasBias())
                    || (l != null && l.getClass() == OutputLayer.class && ((OutputLayer) l).hasBias());
            if (!affineLayer || src.getVertexInputs().get(next).size() != 1
                    || ((LayerVertex) src.getVertices().get(next)).getPreProcessor() != null) {
                return null;
            }
            return next;
        }

        private static Layer layerAt(ComputationGraphConfiguration src, String name) {
            return src.getVertices().get(name) instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
        }

        /** A frozen input layer added for an earlier member with the same configuration and parameters, or null. */
        private String sameFrozen(ComputationGraph net, String name) {
            Layer mine = layerAt(net.getConfiguration(), name);
            for (String other : sharedFrozen) {
                Source s = sources.get(other);
                Layer theirs = layerAt(s.network.getConfiguration(), s.name);
                if (!theirs.equals(mine)) {
                    continue;
                }
                Map<String, INDArray> a = s.network.getLayer(s.name).paramTable();
                Map<String, INDArray> b = net.getLayer(name).paramTable();
                if (a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> a.get(k).equals(b.get(k)))) {
                    return other;
                }
            }
            return null;
        }
    }
}
