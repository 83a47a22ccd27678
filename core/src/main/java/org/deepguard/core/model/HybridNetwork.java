package org.deepguard.core.model;

import org.deepguard.core.Backend;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deepguard.core.preprocess.Preprocessing;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;

/**
 * Builds the hybrid detector: a ResNet50 branch and an artifact-sensitive CNN branch read the same input, each is
 * globally average-pooled, the two are concatenated and a dense head (512 - BN - dropout - 128 - BN - dropout)
 * ends in a 2-way softmax over [real, fake].
 *
 * <p>ResNet50 vertices carry the DL4J zoo's names ({@code res2a_branch2a}, {@code bn2a_branch2a}, ...) so ImageNet
 * weights transfer by name.
 */
public final class HybridNetwork {
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String CNN_POOL = "cnn_gap";
    public static final String BACKBONE_LAST = "res5c_branch";
    public static final String BACKBONE_POOL = "backbone_gap";
    public static final String MERGE = "merge";
    public static final String HIGH_PASS = "highpass";
    /** The fixed layer that gives a Keras-geometry backbone caffe-style input (see {@link Backbone#RESNET50_KERAS}). */
    public static final String KERAS_CAFFE = "keras_caffe";
    /** The zero padding before a Keras-geometry stem: present only in that geometry. */
    public static final String KERAS_STEM_PAD = "stem-pad1";
    /** Stem and stage widths (bottleneck widths of stages 2-5) of ResNet50. */
    public static final int[] RESNET50_WIDTHS = {64, 64, 128, 256, 512};
    /** Keras's BatchNormalization epsilon in ResNet50. */
    public static final double KERAS_BN_EPS = 1.001e-5;
    /** keras.applications.resnet50.preprocess_input's mean, in BGR order and 0-255 units. */
    static final double[] CAFFE_MEAN_BGR = {103.939, 116.779, 123.68};
    /** Class indices of the softmax output. */
    public static final int REAL = 0;
    public static final int FAKE = 1;

    private HybridNetwork() {}

    /** Name of the ReLU output of CNN block {@code i} (1-based). */
    public static String cnnActivation(int block) {
        return "cnn" + block + "_relu";
    }

    public static ComputationGraph build(NetworkConfig config) {
        return build(config, new Adam(1e-3), null);
    }

    /**
     * @param classWeights loss weight per class [real, fake], or null for unweighted
     */
    public static ComputationGraph build(NetworkConfig config, IUpdater updater, double[] classWeights) {
        return init(new ComputationGraph(configuration(config, updater, classWeights)));
    }

    /** Initialises a graph built from {@link #configuration}, including the fixed high-pass weights. */
    public static ComputationGraph init(ComputationGraph graph) {
        Backend.init(); // before the layers are created: DL4J decides on oneDNN helpers per layer at init()
        graph.init();
        if (graph.getConfiguration().getVertices().containsKey(HIGH_PASS)) {
            graph.getLayer(HIGH_PASS).getParam("W").assign(HighPassFilters.weights());
        }
        if (graph.getConfiguration().getVertices().containsKey(KERAS_CAFFE)) {
            INDArray[] wb = caffeAffine(Preprocessing.IMAGENET_MEAN, Preprocessing.IMAGENET_STD);
            graph.getLayer(KERAS_CAFFE).getParam("W").assign(wb[0]);
            graph.getLayer(KERAS_CAFFE).getParam("b").assign(wb[1]);
        }
        return graph;
    }

    public static ComputationGraphConfiguration configuration(NetworkConfig config, IUpdater updater,
                                                              double[] classWeights) {
        return configuration(config, updater, classWeights, name -> false, 0.0);
    }

    /**
     * @param weightDecay L2 coefficient on all weights (the first head layer keeps its own, larger one)
     * @param frozen layers for which this is true are wrapped in DL4J's FrozenLayer: their parameters do not change
     *               and they run in inference mode (BatchNorm uses its running statistics), as a frozen pretrained
     *               backbone should
     */
    public static ComputationGraphConfiguration configuration(NetworkConfig config, IUpdater updater,
                                                              double[] classWeights, Predicate<String> frozen,
                                                              double weightDecay) {
        GraphBuilder g = new GraphBuilder(new NeuralNetConfiguration.Builder()
                .seed(config.seed())
                .updater(updater)
                .weightInit(WeightInit.RELU) // He-normal
                .l2(weightDecay)
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same)
                .gradientNormalization(GradientNormalization.ClipL2PerLayer)
                .gradientNormalizationThreshold(5.0)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(config.inputSize(), config.inputSize(), 3)), frozen);

        List<String> pooled = new ArrayList<>();
        pooled.add(addCnnBranch(g, config.cnnChannels(), config.highPass(), config.residualOnly()));
        if (config.backbone() == Backbone.RESNET50_KERAS) {
            pooled.add(addKerasResNet50(g, RESNET50_WIDTHS));
        } else if (config.backbone().isResNet()) {
            pooled.add(addResNet50(g, config.backbone() == Backbone.RESNET50_LITE));
        }
        String features = pooled.get(0);
        if (pooled.size() > 1) {
            g.addVertex(MERGE, new MergeVertex(), pooled.toArray(String[]::new));
            features = MERGE;
        }
        features = addHead(g, config, features);
        LossMCXENT loss = classWeights == null ? new LossMCXENT()
                : new LossMCXENT(org.nd4j.linalg.factory.Nd4j.createFromArray(classWeights).castTo(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(1, 2));
        g.addLayer(OUTPUT, new OutputLayer.Builder(loss).nOut(2).activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER).build(), features);
        g.setOutputs(OUTPUT);
        return g.build();
    }

    /** DL4J's graph builder, with layers selected by name wrapped as frozen. */
    private static final class GraphBuilder {
        private final ComputationGraphConfiguration.GraphBuilder g;
        private final Predicate<String> frozen;

        GraphBuilder(ComputationGraphConfiguration.GraphBuilder g, Predicate<String> frozen) {
            this.g = g;
            this.frozen = frozen;
        }

        GraphBuilder addLayer(String name, Layer layer, String... inputs) {
            g.addLayer(name, frozen.test(name) ? new FrozenLayer(layer) : layer, inputs);
            return this;
        }

        GraphBuilder addVertex(String name, GraphVertex vertex, String... inputs) {
            // Parameterless vertices inside a frozen region must be frozen too, or backprop stops at them.
            g.addVertex(name, frozen.test(name) ? new org.deeplearning4j.nn.conf.graph.FrozenVertex(vertex) : vertex,
                    inputs);
            return this;
        }

        void setOutputs(String... names) {
            g.setOutputs(names);
        }

        ComputationGraphConfiguration build() {
            ComputationGraphConfiguration conf = g.build();
            // ReLUs overwrite their input in training as at inference: one stored activation less per block
            InPlaceReLU.applyWhereSafe(conf.getVertices(), conf.getVertexInputs());
            return conf;
        }
    }

    /** Backbone layer names in graph order (stem first, res5c last): what "the last N layers" counts. */
    public static List<String> backboneLayerOrder(ComputationGraph net) {
        List<String> out = new ArrayList<>();
        for (int idx : net.topologicalSortOrder()) {
            var v = net.getVertices()[idx];
            if (v.hasLayer() && isBackboneVertex(v.getVertexName())) {
                out.add(v.getVertexName());
            }
        }
        return out;
    }

    /** Copies parameters of same-named, same-shaped layers from one graph to another; returns layers copied. */
    public static int copyParameters(ComputationGraph from, ComputationGraph to, Predicate<String> which) {
        int copied = 0;
        for (org.deeplearning4j.nn.api.Layer target : to.getLayers()) {
            String name = target.conf().getLayer().getLayerName();
            if (!which.test(name) || from.getConfiguration().getVertices().get(name) == null) {
                continue;
            }
            var src = from.getLayer(name).paramTable();
            var dst = target.paramTable();
            if (!src.keySet().equals(dst.keySet()) || dst.entrySet().stream()
                    .anyMatch(e -> !java.util.Arrays.equals(e.getValue().shape(), src.get(e.getKey()).shape()))) {
                continue;
            }
            dst.forEach((k, v) -> v.assign(src.get(k)));
            copied++;
        }
        return copied;
    }

    private static String addCnnBranch(GraphBuilder g, int[] channels, boolean highPass, boolean residualOnly) {
        String in = INPUT;
        if (highPass) {
            // Fixed (frozen) SRM residual filters, 3 kernels x 3 colour channels, concatenated with the RGB input.
            g.addLayer(HIGH_PASS, new FrozenLayer(new ConvolutionLayer.Builder(5, 5).stride(1, 1)
                    .nOut(HighPassFilters.COUNT * 3).hasBias(false).build()), INPUT);
            if (residualOnly) {
                in = HIGH_PASS;
            } else {
                g.addVertex("cnn_input", new MergeVertex(), INPUT, HIGH_PASS);
                in = "cnn_input";
            }
        }
        for (int i = 0; i < channels.length; i++) {
            int b = i + 1;
            g.addLayer("cnn" + b + "_conv", new ConvolutionLayer.Builder(3, 3).stride(1, 1).nOut(channels[i])
                    .hasBias(false).build(), in);
            g.addLayer("cnn" + b + "_bn", new BatchNormalization.Builder().build(), "cnn" + b + "_conv");
            g.addLayer(cnnActivation(b), new ActivationLayer.Builder().activation(Activation.RELU).build(),
                    "cnn" + b + "_bn");
            in = cnnActivation(b);
            if (b < channels.length) {
                g.addLayer("cnn" + b + "_pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), in);
                in = "cnn" + b + "_pool";
            }
        }
        g.addLayer(CNN_POOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
        return CNN_POOL;
    }

    private static String addResNet50(GraphBuilder g, boolean lite) {
        g.addLayer("stem-cnn1", new ConvolutionLayer.Builder(7, 7).stride(2, 2).nOut(64).build(), INPUT);
        g.addLayer("stem-batch1", new BatchNormalization.Builder().build(), "stem-cnn1");
        g.addLayer("stem-act1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem-batch1");
        g.addLayer("stem-maxpool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .build(), "stem-act1");
        String in = "stem-maxpool1";
        int[][] widths = {{64, 256}, {128, 512}, {256, 1024}, {512, 2048}};
        int[] blocks = {3, 4, 6, 3};
        for (int s = 0; s < 4; s++) {
            String stage = String.valueOf(s + 2);
            for (int b = 0; b < blocks[s]; b++) {
                String block = String.valueOf((char) ('a' + b));
                int stride = b > 0 ? 1 : (s == 0 ? (lite ? 2 : 1) : 2);
                in = bottleneck(g, stage + block, in, widths[s][0], widths[s][1], stride, b == 0);
            }
        }
        g.addLayer(BACKBONE_POOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
        return BACKBONE_POOL;
    }

    /**
     * The Keras-geometry ResNet50 branch alone, for tests with small Keras fixtures and for feature extraction:
     * input (the hybrid's: ImageNet-normalised RGB, NCHW) - fixed caffe layer - ResNet50 - global average pool,
     * which is the output. {@code widths}: stem and stage widths, {@link #RESNET50_WIDTHS} for ResNet50.
     */
    public static ComputationGraph kerasResNet50(int inputSize, int[] widths) {
        GraphBuilder g = new GraphBuilder(new NeuralNetConfiguration.Builder()
                .weightInit(WeightInit.RELU)
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(inputSize, inputSize, 3)), name -> false);
        g.setOutputs(addKerasResNet50(g, widths));
        return init(new ComputationGraph(g.build()));
    }

    /**
     * The 1x1 convolution (W [3, 3, 1, 1], b [3]) from {@code (x/255 - mean)/std} in RGB to Keras's caffe input
     * {@code 255 x - mean_caffe} in BGR: output channel o (B, G, R) reads RGB channel 2 - o.
     */
    static INDArray[] caffeAffine(float[] mean, float[] std) {
        INDArray w = Nd4j.zeros(DataType.FLOAT, 3, 3, 1, 1);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 3);
        for (int o = 0; o < 3; o++) {
            int rgb = 2 - o;
            w.putScalar(new long[] {o, rgb, 0, 0}, 255.0 * std[rgb]);
            b.putScalar(0, o, 255.0 * mean[rgb] - CAFFE_MEAN_BGR[o]);
        }
        return new INDArray[] {w, b};
    }

    /**
     * ResNet50 with Keras geometry (see {@link Backbone#RESNET50_KERAS}) behind its fixed caffe layer, with the
     * zoo's vertex names (so freezing, fine-tuning and Grad-CAM treat it as the other ResNet50s).
     */
    private static String addKerasResNet50(GraphBuilder g, int[] widths) {
        // frozen always: it is preprocessing; explanation and attack copies unwrap it, so gradients reach the input
        g.addLayer(KERAS_CAFFE, new FrozenLayer(new ConvolutionLayer.Builder(1, 1).stride(1, 1).nOut(3)
                .hasBias(true).build()), INPUT);
        g.addLayer(KERAS_STEM_PAD, new ZeroPaddingLayer.Builder(3, 3).build(), KERAS_CAFFE);
        g.addLayer("stem-cnn1", new ConvolutionLayer.Builder(7, 7).stride(2, 2).nOut(widths[0])
                .convolutionMode(ConvolutionMode.Truncate).build(), KERAS_STEM_PAD);
        g.addLayer("stem-batch1", kerasBatchNorm().build(), "stem-cnn1");
        g.addLayer("stem-act1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "stem-batch1");
        g.addLayer("stem-pad2", new ZeroPaddingLayer.Builder(1, 1).build(), "stem-act1");
        g.addLayer("stem-maxpool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).build(), "stem-pad2");
        String in = "stem-maxpool1";
        int[] blocks = {3, 4, 6, 3};
        for (int s = 0; s < 4; s++) {
            String stage = String.valueOf(s + 2);
            int width = widths[s + 1];
            for (int b = 0; b < blocks[s]; b++) {
                String block = String.valueOf((char) ('a' + b));
                int stride = b == 0 && s > 0 ? 2 : 1;
                in = bottleneck(g, stage + block, in, width, 4 * width, stride, b == 0, true);
            }
        }
        g.addLayer(BACKBONE_POOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), in);
        return BACKBONE_POOL;
    }

    private static BatchNormalization.Builder kerasBatchNorm() {
        return new BatchNormalization.Builder().eps(KERAS_BN_EPS).useLogStd(false);
    }

    /** A bottleneck block 1x1 - 3x3 - 1x1 with identity or projection shortcut; returns the block's output. */
    private static String bottleneck(GraphBuilder g, String id, String in, int width,
                                     int out, int stride, boolean project) {
        return bottleneck(g, id, in, width, out, stride, project, false);
    }

    /** @param keras Keras's BatchNormalization epsilon (1.001e-5) instead of DL4J's default */
    private static String bottleneck(GraphBuilder g, String id, String in, int width,
                                     int out, int stride, boolean project, boolean keras) {
        String conv = "res" + id + "_branch";
        String bn = "bn" + id + "_branch";
        String act = "act" + id + "_branch";
        g.addLayer(conv + "2a", new ConvolutionLayer.Builder(1, 1).stride(stride, stride).nOut(width).build(), in);
        g.addLayer(bn + "2a", batchNorm(keras).build(), conv + "2a");
        g.addLayer(act + "2a", new ActivationLayer.Builder().activation(Activation.RELU).build(), bn + "2a");
        g.addLayer(conv + "2b", new ConvolutionLayer.Builder(3, 3).nOut(width).build(), act + "2a");
        g.addLayer(bn + "2b", batchNorm(keras).build(), conv + "2b");
        g.addLayer(act + "2b", new ActivationLayer.Builder().activation(Activation.RELU).build(), bn + "2b");
        g.addLayer(conv + "2c", new ConvolutionLayer.Builder(1, 1).nOut(out).build(), act + "2b");
        // Last BN scale starts at zero (Goyal et al., 2017): each block begins as the identity, so the residual
        // stream does not grow through 16 blocks of a random backbone. ImageNet weights overwrite it.
        g.addLayer(bn + "2c", batchNorm(keras).gamma(0.0).build(), conv + "2c");
        String shortcut = in;
        if (project) {
            g.addLayer(conv + "1", new ConvolutionLayer.Builder(1, 1).stride(stride, stride).nOut(out).build(), in);
            g.addLayer(bn + "1", batchNorm(keras).build(), conv + "1");
            shortcut = bn + "1";
        }
        g.addVertex("short" + id + "_branch", new ElementWiseVertex(ElementWiseVertex.Op.Add), bn + "2c", shortcut);
        g.addLayer(conv, new ActivationLayer.Builder().activation(Activation.RELU).build(), "short" + id + "_branch");
        return conv;
    }

    private static BatchNormalization.Builder batchNorm(boolean keras) {
        return keras ? kerasBatchNorm() : new BatchNormalization.Builder();
    }

    private static String addHead(GraphBuilder g, NetworkConfig config, String in) {
        int[] units = config.headUnits();
        for (int i = 0; i < units.length; i++) {
            int n = i + 1;
            DenseLayer.Builder dense = new DenseLayer.Builder().nOut(units[i]).activation(Activation.RELU);
            if (i == 0 && config.headL2() > 0) {
                dense.l2(config.headL2());
            }
            g.addLayer("head_dense" + n, dense.build(), in);
            g.addLayer("head_bn" + n, new BatchNormalization.Builder().build(), "head_dense" + n);
            in = "head_bn" + n;
            double drop = config.headDropout()[i];
            if (drop > 0) {
                // DL4J's dropOut(p) takes the probability of KEEPING an activation.
                g.addLayer("head_drop" + n, new DropoutLayer.Builder(1.0 - drop).build(), in);
                in = "head_drop" + n;
            }
        }
        return in;
    }

    /** Names of the vertices that belong to the backbone (for freezing and for listing layers). */
    public static boolean isBackboneVertex(String name) {
        return name.startsWith("stem-") || name.startsWith("res") || name.startsWith("bn") || name.startsWith("act")
                || name.startsWith("short") || name.equals(BACKBONE_POOL);
    }
}
