package org.deepguard.core.model;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageProblem;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The translator between images and the network (as DJL's Translator): {@link #prepare} turns an image into what
 * the model consumes (its views: one resized input or the native-resolution patches of patch voting), on any
 * thread; {@link #predictPrepared} runs the network(s) and turns outputs into calibrated {@link Prediction}s.
 * Shared by detect, evaluate, the web page, video and Spark scoring so they all report the same numbers.
 *
 * <p>Image log-odds: per view, the mean of the ensemble members' log-odds (one member for a plain model); per
 * image, the patch aggregate of {@link PatchVoting} over its views; with the spectral cue, fused with the spectral
 * classifier's log-odds of the whole image; then temperature, threshold and band.
 */
public final class Detector {
    /** Views per forward pass: bounds activation memory when many patches are scored at once. */
    private static final int MAX_VIEWS_PER_PASS = 64;

    private final ModelBundle bundle;
    private final Preprocessor preprocessor;
    private final double threshold;
    /**
     * Views scored before the folded, merged graph is built: building it costs about as much CPU as scoring some
     * tens of views the plain way, so a one-image run (a cold {@code detect --image}) never pays for it.
     */
    private static final long FOLD_AFTER_VIEWS = 64;

    /** The members folded and merged for scoring ({@link InferenceGraph}), built once worth it. */
    private volatile InferenceGraph inference;
    private final java.util.concurrent.atomic.AtomicLong viewsScored = new java.util.concurrent.atomic.AtomicLong();

    /**
     * One image made ready for the model: its views (CHW tensors), scored together, the spectral classifier's
     * log-odds (NaN when the bundle has no spectral cue), and the short side of the image as decoded (for the
     * bundle's scale calibration; 0 when unknown, scored as full size).
     */
    public record PreparedImage(List<float[]> views, double spectralLogOdds, int shortSide) {
        public PreparedImage {
            if (views.isEmpty()) {
                throw new IllegalArgumentException("an image needs at least one view");
            }
            views = List.copyOf(views);
        }

        public PreparedImage(List<float[]> views, double spectralLogOdds) {
            this(views, spectralLogOdds, 0);
        }
    }

    public Detector(ModelBundle bundle) {
        this(bundle, bundle.metadata().threshold);
    }

    public Detector(ModelBundle bundle, double threshold) {
        this.bundle = bundle;
        this.preprocessor = new Preprocessor(bundle.metadata().preprocessing);
        this.threshold = threshold;
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    public double threshold() {
        return threshold;
    }

    /** Decodes and prepares a file (thread-safe: call it from decoding workers). */
    public PreparedImage prepare(Path file) throws ImageLoadException {
        return prepare(preprocessor.decode(file).rgb(), file.toString());
    }

    /**
     * Prepares a decoded image, refusing one too small for the bundle's hand-crafted cue (16 px for the spectral
     * profile, 18 px with the resampling part) as {@link ImageProblem#TOO_SMALL}, named by {@code source}.
     */
    public PreparedImage prepare(BufferedImage image, String source) throws ImageLoadException {
        try {
            return prepare(image);
        } catch (IllegalArgumentException e) { // the hand-crafted cue needs a minimum side
            throw new ImageLoadException(source, ImageProblem.TOO_SMALL, e.getMessage());
        }
    }

    /** Prepares a decoded image (thread-safe). */
    public PreparedImage prepare(BufferedImage image) {
        SpectralClassifier spectral = bundle.metadata().spectral;
        return new PreparedImage(preprocessor.views(image), spectral == null ? Double.NaN : spectral.logOdds(image),
                Math.min(image.getWidth(), image.getHeight()));
    }

    public Prediction predict(Path file) throws ImageLoadException {
        return predictPrepared(List.of(prepare(file))).get(0);
    }

    public Prediction predict(BufferedImage image) {
        return predictPrepared(List.of(prepare(image))).get(0);
    }

    public List<Prediction> predictImages(List<BufferedImage> images) {
        List<PreparedImage> prepared = new ArrayList<>(images.size());
        for (BufferedImage img : images) {
            prepared.add(prepare(img));
        }
        return predictPrepared(prepared);
    }

    public List<Prediction> predictPrepared(List<PreparedImage> images) {
        return predictions(imageLogOdds(images));
    }

    /** Log-odds to verdicts: the bundle's temperature and band, this detector's threshold. */
    private List<Prediction> predictions(double[] z) {
        ModelMetadata m = bundle.metadata();
        List<Prediction> out = new ArrayList<>(z.length);
        for (double v : z) {
            out.add(Prediction.of(v, m.temperature, threshold, m.uncertainBand));
        }
        return out;
    }

    /**
     * Uncalibrated image log-odds: ensemble mean per view, then the patch aggregate per image, fused with the
     * hand-crafted cue, and for inputs smaller than the training images the bundle's scale calibration.
     */
    public double[] imageLogOdds(List<PreparedImage> images) {
        List<float[]> views = new ArrayList<>();
        for (PreparedImage img : images) {
            views.addAll(img.views());
        }
        double[] perView = new double[views.size()];
        for (int start = 0; start < views.size(); start += MAX_VIEWS_PER_PASS) {
            int end = Math.min(views.size(), start + MAX_VIEWS_PER_PASS);
            double[] z = logOdds(preprocessor.batch(views.subList(start, end)));
            System.arraycopy(z, 0, perView, start, z.length);
        }
        double[] z = aggregateViews(perView, images.stream().mapToInt(i -> i.views().size()).toArray(),
                preprocessor.spec().patches());
        ScoreFusion fusion = bundle.metadata().fusion;
        if (fusion != null) {
            for (int i = 0; i < z.length; i++) {
                z[i] = fusion.fuse(z[i], images.get(i).spectralLogOdds());
            }
        }
        org.deepguard.core.metrics.ScaleCalibration scale = bundle.metadata().scaleCalibration;
        if (scale != null) {
            for (int i = 0; i < z.length; i++) {
                z[i] = scale.adjust(z[i], images.get(i).shortSide());
            }
        }
        return z;
    }

    /** Per-image log-odds from consecutive per-view log-odds ({@code counts[i]} views for image i). */
    public static double[] aggregateViews(double[] perView, int[] counts, PatchVoting voting) {
        double[] out = new double[counts.length];
        int at = 0;
        for (int i = 0; i < counts.length; i++) {
            double[] mine = java.util.Arrays.copyOfRange(perView, at, at + counts[i]);
            at += counts[i];
            out[i] = voting == null ? mine[0] : voting.aggregate(mine);
        }
        if (at != perView.length) {
            throw new IllegalArgumentException("view counts cover " + at + " of " + perView.length + " views");
        }
        return out;
    }

    /** Raw per-view log-odds for a prepared NCHW batch: the mean over the ensemble's members. */
    public double[] logOdds(INDArray batch) {
        if (!InferenceGraph.enabled()) {
            return memberMeanLogOdds(bundle.networks(), batch);
        }
        InferenceGraph g = inference;
        if (g == null && viewsScored.addAndGet(batch.size(0)) <= FOLD_AFTER_VIEWS) {
            return memberMeanLogOdds(bundle.networks(), batch); // same scores to float rounding
        }
        return inferenceGraph().meanLogOdds(batch);
    }

    /**
     * The scoring graph: the bundle's members with BatchNorm folded into their layers, merged into one graph that
     * scores a batch in one pass. Built once per detector from the networks as they are then (on the first call of
     * this method, or once more than {@value #FOLD_AFTER_VIEWS} views have been scored), and used from then on; the
     * networks themselves (which training and explanations use) are left untouched.
     */
    public InferenceGraph inferenceGraph() {
        InferenceGraph g = inference;
        if (g == null) {
            synchronized (this) {
                g = inference;
                if (g == null) {
                    g = InferenceGraph.of(bundle.networks());
                    inference = g;
                }
            }
        }
        return g;
    }

    /** Mean over networks of each row's log-odds (one network: its log-odds). */
    public static double[] memberMeanLogOdds(List<ComputationGraph> networks, INDArray batch) {
        double[] sum = null;
        for (ComputationGraph net : networks) {
            INDArray out;
            synchronized (net) { // a ComputationGraph is not safe for concurrent output() calls
                out = net.outputSingle(false, batch);
            }
            double[] z = Scores.logOdds(out);
            if (sum == null) {
                sum = z;
            } else {
                for (int i = 0; i < z.length; i++) {
                    sum[i] += z[i];
                }
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= networks.size();
        }
        return sum;
    }

    /**
     * Network-only predictions for single-view tensors (one CHW tensor per image; no patch voting, no spectral
     * fusion): for callers that hold the exact tensor the network should see, as explanations do.
     */
    public List<Prediction> predictTensors(List<float[]> tensors) {
        return predictions(logOdds(preprocessor.batch(tensors)));
    }
}
