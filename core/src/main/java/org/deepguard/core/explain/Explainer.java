package org.deepguard.core.explain;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.preprocess.Preprocessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The explanation engine: bundle preprocessing in (the same tensor detect uses), class-activation maps out. One
 * mechanism (capture A and exact d(logit)/dA on a vertex, combine as ReLU(sum_k w_k A_k), normalise, upsample); the
 * {@link CamMethod} only supplies the channel weights.
 *
 * <p>Default layer: the deepest CNN-branch activation {@code cnnN_relu} whose map is at least 8x8 at the input size.
 * The CNN branch is shallow and pools only between blocks (4 blocks at 128 px give 16x16), and its activations sit
 * after BN and ReLU, so they are the detector's own artifact features; the ResNet50 branch downsamples 32-64x and
 * ends at 2x2-4x4 at 128 px, too coarse to read.
 */
public final class Explainer {
    public static final int MIN_MAP_SIDE = 8;

    private final ModelBundle bundle;
    private final Preprocessor preprocessor;
    private final ExplanationNetwork network;
    private final List<ExplanationNetwork> members;
    private List<LayerInfo> layers;

    /** Explains every member of an ensemble (the seed ensemble's members share one architecture). */
    public Explainer(ModelBundle bundle) {
        this.bundle = bundle;
        this.preprocessor = new Preprocessor(bundle.metadata().preprocessing);
        List<ExplanationNetwork> all = new ArrayList<>();
        for (ComputationGraph g : bundle.networks()) {
            all.add(ExplanationNetwork.of(g));
        }
        this.members = List.copyOf(all);
        this.network = members.get(0);
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** The first member (layer listing and the randomisation check run on it). */
    public ExplanationNetwork network() {
        return network;
    }

    /** Ensemble members explained and averaged (1 for a plain model). */
    public int members() {
        return members.size();
    }

    public int inputSize() {
        return preprocessor.spec().inputSize();
    }

    /** Vertices with a spatial map, in forward order, with their map sizes at the model's input size. */
    public synchronized List<LayerInfo> listLayers() {
        if (layers == null) {
            ComputationGraph g = network.graph();
            int s = inputSize();
            Map<String, INDArray> acts = network.activations(preprocessor.batch(List.of(new float[3 * s * s])));
            List<LayerInfo> out = new ArrayList<>();
            for (int idx : g.topologicalSortOrder()) {
                GraphVertex v = g.getVertices()[idx];
                INDArray a = acts.get(v.getVertexName());
                if (v.isInputVertex() || a == null || a.rank() != 4
                        || network.foldedVertices().contains(v.getVertexName())) {
                    continue;
                }
                String type = v.hasLayer() ? v.getLayer().conf().getLayer().getClass().getSimpleName()
                        : v.getClass().getSimpleName();
                if (bundle.network().getVertex(v.getVertexName()).hasLayer()) {
                    type = bundle.network().getLayer(v.getVertexName()).conf().getLayer().getClass().getSimpleName();
                }
                out.add(new LayerInfo(v.getVertexName(), type, (int) a.size(1), (int) a.size(2), (int) a.size(3)));
            }
            layers = List.copyOf(out);
        }
        return layers;
    }

    /** See the class comment for why. */
    public String defaultLayer() {
        int blocks = bundle.metadata().network == null ? 0 : bundle.metadata().network.cnnChannels().length;
        List<LayerInfo> all = listLayers();
        String fallback = null;
        for (int b = blocks; b >= 1; b--) {
            String name = HybridNetwork.cnnActivation(b);
            for (LayerInfo l : all) {
                if (l.name().equals(name)) {
                    if (Math.min(l.height(), l.width()) >= MIN_MAP_SIDE) {
                        return name;
                    }
                    fallback = name;
                }
            }
        }
        if (fallback != null) {
            return fallback;
        }
        // Not a hybrid network: the deepest listed layer with a large enough map.
        for (int i = all.size() - 1; i >= 0; i--) {
            if (Math.min(all.get(i).height(), all.get(i).width()) >= MIN_MAP_SIDE) {
                return all.get(i).name();
            }
        }
        throw new IllegalStateException("the network has no layer with a spatial map");
    }

    /** Checks a user-given layer name against {@link #listLayers()}; null means the default. */
    public String resolveLayer(String layer) {
        if (layer == null || layer.isBlank()) {
            return defaultLayer();
        }
        for (LayerInfo l : listLayers()) {
            if (l.name().equals(layer)) {
                return layer;
            }
        }
        if (network.foldedVertices().contains(layer)) {
            throw new IllegalArgumentException("layer '" + layer + "' is merged with its BatchNorm for exact "
                    + "gradients; explain the BatchNorm or ReLU vertex after it instead");
        }
        throw new IllegalArgumentException("no layer '" + layer + "' with a spatial map (see --list-layers)");
    }

    public Explanation explain(Path file, String layer, CamMethod method, Integer targetClass)
            throws ImageLoadException {
        return explain(preprocessor.load(file), layer, method, targetClass);
    }

    /**
     * @param tensor      CHW tensor from this bundle's {@link Preprocessor}
     * @param layer       vertex name, or null for {@link #defaultLayer()}
     * @param targetClass class to explain, or null for the predicted class
     */
    public Explanation explain(float[] tensor, String layer, CamMethod method, Integer targetClass) {
        String name = resolveLayer(layer);
        INDArray batch = preprocessor.batch(List.of(tensor));
        ModelMetadata meta = bundle.metadata();
        int cls = targetClass != null ? targetClass : predictedClass(predictionOf(meanLogits(batch), meta));
        Member avg = memberMean(batch, name, method, cls);
        Heatmap map = avg.map().normalised();
        int s = inputSize();
        return new Explanation(name, method, cls, predictionOf(avg.logits(), meta), avg.logits(), map,
                map.resize(s, s), tensor);
    }

    /** The ensemble's mean logits (their difference is the mean of the members' log-odds, as {@code detect}). */
    private double[] meanLogits(INDArray batch) {
        double[] sum = null;
        for (ExplanationNetwork m : members) {
            double[] z = m.logits(batch).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).reshape(-1)
                    .toDoubleVector();
            if (sum == null) {
                sum = z;
            } else {
                for (int i = 0; i < z.length; i++) {
                    sum[i] += z[i];
                }
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= members.size();
        }
        return sum;
    }

    /** A raw (un-normalised) map and the logits, averaged over the members. */
    private record Member(Heatmap map, double[] logits) {}

    /**
     * Every member's raw map for one view, averaged: the ensemble's score is the mean of its members' log-odds, so
     * the mean of their (gradient-weighted, same-scale) maps is the ensemble's map; normalising each member first
     * would let a member that barely contributes count as much as the others.
     */
    private Member memberMean(INDArray batch, String layer, CamMethod method, int cls) {
        double[] sum = null;
        double[] logits = null;
        int w = 0;
        int h = 0;
        for (ExplanationNetwork m : members) {
            LayerCapture c = m.capture(batch, layer, cls);
            Heatmap raw = rawCamMap(c, method);
            if (sum == null) {
                sum = raw.values().clone();
                logits = c.logits().clone();
                w = raw.width();
                h = raw.height();
            } else {
                if (raw.width() != w || raw.height() != h) {
                    throw new IllegalStateException("ensemble members differ at layer " + layer);
                }
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += raw.values()[i];
                }
                for (int i = 0; i < logits.length; i++) {
                    logits[i] += c.logits()[i];
                }
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= members.size();
        }
        for (int i = 0; i < logits.length; i++) {
            logits[i] /= members.size();
        }
        return new Member(new Heatmap(w, h, sum), logits);
    }

    /** The class a verdict stands for; inside an uncertainty band the side of the threshold decides. */
    static int predictedClass(Prediction p) {
        return p.pFake() >= p.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL;
    }

    static Prediction predictionOf(double[] logits, ModelMetadata meta) {
        double logOdds = logits[HybridNetwork.FAKE] - logits[HybridNetwork.REAL];
        return Prediction.of(logOdds, meta.temperature, meta.threshold, meta.uncertainBand);
    }

    /** The shared mechanism: ReLU(sum_k w_k A_k), min-max normalised, at the layer's resolution. */
    public static Heatmap camMap(LayerCapture c, CamMethod method) {
        return rawCamMap(c, method).normalised();
    }

    /**
     * A whole-image map for a patch-voting model: every inference patch is explained for the same class (the image's
     * verdict, or {@code targetClass}) by every ensemble member, the members' raw maps averaged (un-normalised, so
     * patches stay comparable), upsampled onto the patch and blended where patches overlap by {@link PatchBlend} (a
     * smooth window per patch, so no seam shows at patch borders), then min-max normalised. Pixels no patch covers
     * stay 0.
     *
     * @return the map over the image the patches were cut from (the decoded image, or its enlargement when it is
     *         smaller than a patch) and the number of patches explained
     */
    public Mosaic explainMosaic(BufferedImage rgb, String layer, CamMethod method, int targetClass) {
        return explainMosaic(rgb, layer, method, targetClass, Integer.MAX_VALUE);
    }

    /**
     * As {@link #explainMosaic(BufferedImage, String, CamMethod, int)}, with the map built at most {@code maxSide}
     * pixels on its longest side (aspect kept): the patches are still cut and explained at native resolution, only
     * the canvas they are accumulated on is smaller, so a page showing a 40-megapixel photo does not hold maps of
     * its full size.
     */
    public Mosaic explainMosaic(BufferedImage rgb, String layer, CamMethod method, int targetClass, int maxSide) {
        if (maxSide < 1) {
            throw new IllegalArgumentException("max side must be positive, got " + maxSide);
        }
        String name = resolveLayer(layer);
        Preprocessor.PatchGrid grid = preprocessor.patchGrid(rgb);
        double scale = Math.min(1.0, (double) maxSide / Math.max(grid.width(), grid.height()));
        int w = Math.max(1, (int) Math.round(grid.width() * scale));
        int h = Math.max(1, (int) Math.round(grid.height() * scale));
        PatchBlend blend = new PatchBlend(w, h);
        int s = inputSize();
        for (Preprocessor.Patch p : grid.patches()) {
            Heatmap raw = memberMean(preprocessor.batch(List.of(p.tensor())), name, method, targetClass).map();
            // the patch's footprint on the canvas: [x0, x1) x [y0, y1)
            int x0 = (int) Math.round(p.x() * scale);
            int y0 = (int) Math.round(p.y() * scale);
            int x1 = Math.min(w, Math.max(x0 + 1, (int) Math.round((p.x() + s) * scale)));
            int y1 = Math.min(h, Math.max(y0 + 1, (int) Math.round((p.y() + s) * scale)));
            blend.add(raw, x0, y0, x1, y1);
        }
        return new Mosaic(name, method, targetClass, blend.result().normalised(), grid.patches().size());
    }

    /**
     * A single view's map ({@link Explanation#upsampled}) laid back onto the image it was made from, following the
     * resize policy's geometry (STRETCH: the whole image; CENTER_CROP and NATIVE_CROP: the centred square the view
     * was cut from; PAD: the image inside the padding), at most {@code maxSide} pixels on its longest side. Pixels
     * the view does not show get 0: the network never saw them (the hand-crafted cue may have).
     */
    public Heatmap viewMapOnImage(Heatmap upsampled, int imageWidth, int imageHeight, int maxSide) {
        int size = inputSize();
        double scale = Math.min(1.0, (double) maxSide / Math.max(imageWidth, imageHeight));
        int w = Math.max(1, (int) Math.round(imageWidth * scale));
        int h = Math.max(1, (int) Math.round(imageHeight * scale));
        int side = Math.min(imageWidth, imageHeight);
        Heatmap view = upsampled;
        double x0;
        double y0;
        double fw;
        double fh;
        switch (preprocessor.spec().resize()) {
            case STRETCH -> {
                x0 = 0;
                y0 = 0;
                fw = imageWidth;
                fh = imageHeight;
            }
            case NATIVE_CROP -> {
                int s = side >= size ? size : side;
                x0 = side >= size ? (imageWidth - size) / 2 : Math.floor((imageWidth - side) / 2.0);
                y0 = side >= size ? (imageHeight - size) / 2 : Math.floor((imageHeight - side) / 2.0);
                fw = s;
                fh = s;
            }
            case PAD -> {
                double f = (double) size / Math.max(imageWidth, imageHeight);
                int outW = Math.max(1, (int) Math.round(imageWidth * f));
                int outH = Math.max(1, (int) Math.round(imageHeight * f));
                int ox = (size - outW) / 2;
                int oy = (size - outH) / 2;
                double[] v = new double[outW * outH];
                for (int y = 0; y < outH; y++) {
                    for (int x = 0; x < outW; x++) {
                        v[y * outW + x] = upsampled.at(x + ox, y + oy);
                    }
                }
                view = new Heatmap(outW, outH, v);
                x0 = 0;
                y0 = 0;
                fw = imageWidth;
                fh = imageHeight;
            }
            default -> { // CENTER_CROP
                x0 = Math.floor((imageWidth - side) / 2.0);
                y0 = Math.floor((imageHeight - side) / 2.0);
                fw = side;
                fh = side;
            }
        }
        int cx0 = (int) Math.round(x0 * scale);
        int cy0 = (int) Math.round(y0 * scale);
        int cx1 = Math.min(w, Math.max(cx0 + 1, (int) Math.round((x0 + fw) * scale)));
        int cy1 = Math.min(h, Math.max(cy0 + 1, (int) Math.round((y0 + fh) * scale)));
        Heatmap placed = view.resize(cx1 - cx0, cy1 - cy0);
        double[] out = new double[w * h];
        for (int y = cy0; y < cy1; y++) {
            for (int x = cx0; x < cx1; x++) {
                out[y * w + x] = placed.at(x - cx0, y - cy0);
            }
        }
        return new Heatmap(w, h, out);
    }

    /** A whole-image explanation stitched from patch explanations. */
    public record Mosaic(String layer, CamMethod method, int targetClass, Heatmap map, int patches) {}

    /** ReLU(sum_k w_k A_k) at the layer's resolution, not normalised. */
    static Heatmap rawCamMap(LayerCapture c, CamMethod method) {
        double[] w = method.channelWeights(c);
        int hw = c.height() * c.width();
        double[] m = new double[hw];
        for (int k = 0; k < c.channels(); k++) {
            double wk = w[k];
            if (wk == 0) {
                continue;
            }
            double[] a = c.activations()[k];
            for (int i = 0; i < hw; i++) {
                m[i] += wk * a[i];
            }
        }
        for (int i = 0; i < hw; i++) {
            m[i] = Math.max(m[i], 0);
        }
        return new Heatmap(c.width(), c.height(), m);
    }
}
