package org.deepguard.core.attack;

import org.deepguard.core.explain.ExplanationNetwork;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Resampler;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.spectral.CueGradient;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The whole detector as a white-box, differentiable function of the pixels (0-255, real-valued): the same views
 * as {@code Preprocessor} (patches at native resolution, or the resize policy, then scaling and normalisation), every
 * ensemble member through an {@link ExplanationNetwork} (exact backward pass: BatchNorm folded, the fixed SRM
 * high-pass filter included since it is a layer of the graph), the patch aggregate, the hand-crafted cue through
 * {@link CueGradient} (analytic, no BPDA), the fusion weights and the temperature.
 *
 * <p>Gradients flow back through normalisation (1 / (255 std)), patch extraction (each patch's gradient added back
 * at its position, so overlapping patches sum) and any resampling (its exact adjoint,
 * {@link Resampler#resizeAdjoint}). The network's log-odds is the logit difference, not the clamped log of softmax
 * probabilities the detector reports, so the gradient does not vanish on saturated images (a source of gradient
 * masking); on unsaturated images the two agree. Thread-confined: use one instance per thread.
 */
public final class DetectorScorer implements DifferentiableScorer {
    private final Preprocessing spec;
    private final List<ExplanationNetwork> members = new ArrayList<>();
    private final SpectralClassifier cue;
    private final ScoreFusion fusion;
    private final double temperature;
    private final org.deepguard.core.metrics.ScaleCalibration scaleCalibration;
    private final DetectorParts part;
    private final double threshold;

    /** The fused score at the bundle's threshold. */
    public DetectorScorer(ModelBundle bundle) {
        this(bundle, DetectorParts.FUSED, bundle.metadata().threshold);
    }

    /**
     * @param probabilityThreshold the decision threshold on the calibrated p_fake, used for {@link DetectorParts#FUSED}
     */
    public DetectorScorer(ModelBundle bundle, DetectorParts part, double probabilityThreshold) {
        ModelMetadata m = bundle.metadata();
        if (part == DetectorParts.CUE && m.spectral == null) {
            throw new IllegalArgumentException("the bundle has no hand-crafted cue to attack alone");
        }
        this.spec = m.preprocessing;
        if (part != DetectorParts.CUE) {
            for (ComputationGraph g : bundle.networks()) {
                members.add(ExplanationNetwork.of(g));
            }
        }
        this.cue = part == DetectorParts.NETWORK ? null : m.spectral;
        this.fusion = part == DetectorParts.FUSED ? m.fusion : null;
        this.temperature = part == DetectorParts.FUSED ? m.temperature : 1.0;
        this.scaleCalibration = part == DetectorParts.FUSED ? m.scaleCalibration : null;
        this.part = part;
        this.threshold = part == DetectorParts.FUSED ? logit(probabilityThreshold) : 0.0;
    }

    static double logit(double p) {
        return Math.log(p) - Math.log1p(-p);
    }

    public DetectorParts part() {
        return part;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public double score(Pixels image) {
        return evaluate(image, false).value();
    }

    @Override
    public Gradient gradient(Pixels image) {
        return evaluate(image, true);
    }

    private Gradient evaluate(Pixels image, boolean withGradient) {
        int w = image.width();
        int h = image.height();
        double[] rgb = image.values();
        double[] grad = withGradient ? new double[rgb.length] : null;
        double zNet = 0;
        double zCue = 0;
        double netWeight = part == DetectorParts.FUSED && fusion != null ? fusion.a() : 1;
        double cueWeight = part == DetectorParts.FUSED ? (fusion != null ? fusion.b() : 0) : 1;
        if (part != DetectorParts.CUE) {
            zNet = network(rgb, w, h, grad, netWeight / temperature);
        }
        if (cue != null && cueWeight != 0) {
            CueGradient.Result r = CueGradient.of(cue, rgb, w, h, withGradient);
            zCue = r.logOdds();
            if (withGradient) { // a cue cap (ScoreFusion.cueCap) scales the cue's gradient by its own slope
                double k = cueWeight * (part == DetectorParts.FUSED && fusion != null ? fusion.capSlope(zCue) : 1)
                        / temperature;
                double[] g = r.gradient();
                for (int i = 0; i < g.length; i++) {
                    grad[i] += k * g[i];
                }
            }
        }
        double z = switch (part) {
            case NETWORK -> zNet;
            case CUE -> zCue;
            // the scale calibration of a small input is a shift fixed by the image's size: no gradient of its own
            case FUSED -> ((fusion != null ? fusion.fuse(zNet, zCue) : zNet)
                    + (scaleCalibration != null ? scaleCalibration.offset(Math.min(w, h)) : 0)) / temperature;
        };
        return new Gradient(z, grad);
    }

    /** One view: its normalised CHW tensor and how it was cut (for the backward pass). */
    private record View(float[] tensor, Geometry geometry) {}

    /**
     * Where a view's canvas comes from: the source region (x0, y0, w, h) of the native planes resampled to outW x
     * outH (identity when the region's size is the output's and the origin integral), then the size x size window
     * at (cropX, cropY) of that, placed at (dstX, dstY) of the input canvas.
     */
    private record Geometry(boolean resample, double x0, double y0, double w, double h, int outW, int outH,
                            int cropX, int cropY, int width, int height, int dstX, int dstY) {}

    /** The geometries of the views {@code Preprocessor.views} would cut from a w x h image. */
    List<Geometry> geometries(int w, int h) {
        int size = spec.inputSize();
        PatchVoting voting = spec.patches();
        List<Geometry> out = new ArrayList<>();
        if (voting != null) {
            int nw = w;
            int nh = h;
            boolean enlarge = Math.min(w, h) < size;
            if (enlarge) {
                double scale = (double) size / Math.min(w, h);
                nw = Math.max(size, (int) Math.round(w * scale));
                nh = Math.max(size, (int) Math.round(h * scale));
            }
            for (int y : voting.offsets(nh, size)) {
                for (int x : voting.offsets(nw, size)) {
                    out.add(new Geometry(enlarge, 0, 0, w, h, nw, nh, x, y, size, size, 0, 0));
                }
            }
            return out;
        }
        ResizePolicy policy = spec.resize();
        int side = Math.min(w, h);
        Geometry g = switch (policy) {
            case STRETCH -> new Geometry(true, 0, 0, w, h, size, size, 0, 0, size, size, 0, 0);
            case CENTER_CROP -> new Geometry(true, Math.floor((w - side) / 2.0), Math.floor((h - side) / 2.0), side,
                    side, size, size, 0, 0, size, size, 0, 0);
            case NATIVE_CROP -> side >= size
                    ? new Geometry(true, (w - size) / 2, (h - size) / 2, size, size, size, size, 0, 0, size, size, 0, 0)
                    : new Geometry(true, Math.floor((w - side) / 2.0), Math.floor((h - side) / 2.0), side, side, size,
                            size, 0, 0, size, size, 0, 0);
            case PAD -> {
                double scale = (double) size / Math.max(w, h);
                int outW = Math.max(1, (int) Math.round(w * scale));
                int outH = Math.max(1, (int) Math.round(h * scale));
                yield new Geometry(true, 0, 0, w, h, outW, outH, 0, 0, outW, outH, (size - outW) / 2,
                        (size - outH) / 2);
            }
        };
        out.add(g);
        return out;
    }

    /** The normalised CHW views of an image, exactly as {@code Preprocessor.views} computes them on 8-bit pixels. */
    List<float[]> views(double[] rgb, int w, int h) {
        List<float[]> out = new ArrayList<>();
        float[][] planes = planes(rgb, w, h);
        float[][] resampled = null;
        Geometry last = null;
        for (Geometry g : geometries(w, h)) {
            float[][] src = planes;
            int stride = w;
            if (g.resample()) {
                if (last == null || !sameResampling(last, g)) {
                    resampled = Resampler.resize(planes, w, h, g.x0(), g.y0(), g.w(), g.h(), g.outW(), g.outH());
                }
                src = resampled;
                stride = g.outW();
            }
            last = g;
            out.add(normalise(src, stride, g));
        }
        return out;
    }

    private static boolean sameResampling(Geometry a, Geometry b) {
        return a.x0() == b.x0() && a.y0() == b.y0() && a.w() == b.w() && a.h() == b.h() && a.outW() == b.outW()
                && a.outH() == b.outH();
    }

    private static float[][] planes(double[] rgb, int w, int h) {
        float[][] p = new float[3][w * h];
        for (int i = 0; i < w * h; i++) {
            p[0][i] = (float) rgb[3 * i];
            p[1][i] = (float) rgb[3 * i + 1];
            p[2][i] = (float) rgb[3 * i + 2];
        }
        return p;
    }

    /** Same arithmetic as Preprocessor.normalise: (v / 255f - mean) / std in float; 0 outside the window. */
    private float[] normalise(float[][] src, int stride, Geometry g) {
        int size = spec.inputSize();
        float[] mean = spec.mean();
        float[] std = spec.std();
        float[] out = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            int base = c * size * size;
            for (int y = 0; y < g.height(); y++) {
                int row = (y + g.cropY()) * stride + g.cropX();
                int dst = base + (y + g.dstY()) * size + g.dstX();
                for (int x = 0; x < g.width(); x++) {
                    out[dst + x] = (src[c][row + x] / 255f - mean[c]) / std[c];
                }
            }
        }
        return out;
    }

    /**
     * The network's image log-odds (member mean per view, patch aggregate); with {@code grad} not null, adds
     * {@code scale} times its gradient with respect to the interleaved pixels into it.
     */
    private double network(double[] rgb, int w, int h, double[] grad, double scale) {
        List<Geometry> geos = geometries(w, h);
        List<float[]> views = views(rgb, w, h);
        int n = views.size();
        int size = spec.inputSize();
        int per = 3 * size * size;
        float[] flat = new float[n * per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(views.get(i), 0, flat, i * per, per);
        }
        INDArray batch = Nd4j.create(flat, new long[] {n, 3, size, size}, 'c');
        double[] perView = new double[n];
        double[][] viewGrad = grad == null ? null : new double[n][per];
        for (ExplanationNetwork net : members) {
            INDArray logits;
            INDArray g = null;
            if (grad == null) {
                logits = net.logits(batch);
            } else {
                INDArray seed = Nd4j.zeros(net.dataType(), n, 2);
                for (int i = 0; i < n; i++) {
                    seed.putScalar(i, HybridNetwork.REAL, -1.0);
                    seed.putScalar(i, HybridNetwork.FAKE, 1.0);
                }
                INDArray[] r = net.inputGradient(batch, seed);
                logits = r[0];
                g = r[1];
            }
            double[] l = logits.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
            for (int i = 0; i < n; i++) {
                perView[i] += (l[2 * i + HybridNetwork.FAKE] - l[2 * i + HybridNetwork.REAL]) / members.size();
            }
            if (g != null) {
                double[] gv = g.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < per; j++) {
                        viewGrad[i][j] += gv[i * per + j] / members.size();
                    }
                }
            }
        }
        double[] weights = aggregateWeights(perView);
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += weights[i] * perView[i];
        }
        if (grad != null) {
            backward(viewGrad, weights, geos, w, h, grad, scale);
        }
        return z;
    }

    /** d(aggregate)/d(view log-odds): 1/n for the mean; the two interpolated order statistics for a quantile. */
    private double[] aggregateWeights(double[] perView) {
        int n = perView.length;
        double[] wts = new double[n];
        PatchVoting voting = spec.patches();
        if (voting == null || voting.aggregate() == PatchVoting.Aggregate.MEAN_LOGIT) {
            Arrays.fill(wts, 1.0 / n);
            return wts;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(perView[a], perView[b]));
        double pos = voting.quantile() * (n - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(n - 1, lo + 1);
        double t = pos - lo;
        wts[order[lo]] += 1 - t;
        wts[order[hi]] += t;
        return wts;
    }

    private void backward(double[][] viewGrad, double[] weights, List<Geometry> geos, int w, int h, double[] grad,
                          double scale) {
        int size = spec.inputSize();
        float[] std = spec.std();
        double[][] nativeGrad = new double[3][w * h];
        double[][] canvas = null; // gradient on the current resampled planes
        Geometry canvasOf = null;
        for (int v = 0; v < geos.size(); v++) {
            Geometry g = geos.get(v);
            if (weights[v] == 0) {
                continue;
            }
            if (g.resample() && (canvasOf == null || !sameResampling(canvasOf, g))) {
                flush(canvas, canvasOf, w, h, nativeGrad);
                canvas = new double[3][g.outW() * g.outH()];
                canvasOf = g;
            }
            double[][] target = g.resample() ? canvas : nativeGrad;
            int stride = g.resample() ? g.outW() : w;
            for (int c = 0; c < 3; c++) {
                double k = weights[v] / (255.0 * std[c]);
                int base = c * size * size;
                for (int y = 0; y < g.height(); y++) {
                    int row = (y + g.cropY()) * stride + g.cropX();
                    int src = base + (y + g.dstY()) * size + g.dstX();
                    for (int x = 0; x < g.width(); x++) {
                        target[c][row + x] += k * viewGrad[v][src + x];
                    }
                }
            }
        }
        flush(canvas, canvasOf, w, h, nativeGrad);
        for (int i = 0; i < w * h; i++) {
            grad[3 * i] += scale * nativeGrad[0][i];
            grad[3 * i + 1] += scale * nativeGrad[1][i];
            grad[3 * i + 2] += scale * nativeGrad[2][i];
        }
    }

    private static void flush(double[][] canvas, Geometry g, int w, int h, double[][] nativeGrad) {
        if (canvas == null) {
            return;
        }
        double[][] back = Resampler.resizeAdjoint(canvas, w, h, g.x0(), g.y0(), g.w(), g.h(), g.outW(), g.outH());
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < back[c].length; i++) {
                nativeGrad[c][i] += back[c][i];
            }
        }
    }
}
