package org.deepguard.core.bench;

import org.deepguard.core.Backend;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.InferenceGraph;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import com.sun.management.OperatingSystemMXBean;

import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The shipped scoring pipeline end to end (decode, patch views, hand-crafted cue, ensemble network, aggregation,
 * fusion) over a folder of images, per CPU-second of the whole process; driven by bench/run-speed.sh, which runs
 * bench/torch_pipeline.py on the same folders in the same invocation. Not a test (no Test suffix).
 *
 * <p>Usage: {@code PipelineBenchmark LABEL BUNDLE_DIR IMAGE_DIR ROUNDS}. Alternates rounds of the plain path (each
 * member's own graph), of the members merged into one graph with BN kept, and of the folded, merged scoring graph
 * ({@link InferenceGraph}, what Detector runs) in one JVM, so all see the same load; images are scored in batches of {@value #BATCH} as detect does. Prints one JSON line per path with
 * CPU milliseconds per image for each phase (medians over rounds after one warm-up round of each), images per
 * CPU-second, GMAC per image and per CPU-second of the network phase, and the process's peak RSS.
 */
public final class PipelineBenchmark {
    private static final int BATCH = 16;
    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private PipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        String label = args[0];
        ModelBundle bundle = ModelBundle.load(Path.of(args[1]));
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[2]))) {
            files = s.filter(p -> p.toString().matches("(?i).*\\.(jpe?g|png)")).sorted().toList();
        }
        int rounds = Integer.parseInt(args[3]);
        Backend.Status backend = Backend.init();
        Detector detector = new Detector(bundle);
        long build0 = OS.getProcessCpuTime();
        InferenceGraph folded = InferenceGraph.of(bundle.networks()); // built once per run, as detect does
        double buildMs = (OS.getProcessCpuTime() - build0) / 1e6;
        InferenceGraph merged = InferenceGraph.of(bundle.networks(), false);

        // plain: each member's own graph in turn (Detector.memberMeanLogOdds, the path before issue 21);
        // merged: the members as one graph, BN kept; folded: merged with BN folded (what Detector now runs)
        Map<String, Function<INDArray, double[]>> scorers = new LinkedHashMap<>();
        scorers.put("plain", batch -> Detector.memberMeanLogOdds(bundle.networks(), batch));
        scorers.put("merged", merged::meanLogOdds);
        scorers.put("folded", folded::meanLogOdds);
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        scorers.keySet().forEach(m -> results.put(m, new ArrayList<>()));
        for (int r = 0; r <= rounds; r++) {
            for (var m : scorers.entrySet()) {
                double[] phases = pass(detector, files, m.getValue());
                if (r > 0) {
                    results.get(m.getKey()).add(phases);
                }
            }
        }
        double macs = macsPerView(bundle);
        int views = 0;
        for (Path f : files.subList(0, Math.min(files.size(), 8))) {
            views += detector.prepare(f).views().size();
        }
        double viewsPerImage = views / (double) Math.min(files.size(), 8);
        for (String m : scorers.keySet()) {
            double[] med = medians(results.get(m));
            double total = med[0] + med[1] + med[2] + med[3];
            double gmacImage = macs * viewsPerImage / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("impl", label + "-" + m);
            out.put("images", files.size());
            out.put("rounds", rounds);
            out.put("decode_cpu_ms", round(med[0]));
            out.put("views_cpu_ms", round(med[1]));
            out.put("cue_cpu_ms", round(med[2]));
            out.put("network_cpu_ms", round(med[3]));
            out.put("total_cpu_ms", round(total));
            out.put("images_per_cpu_s", round(1000 / total));
            out.put("gmac_per_image", round(gmacImage));
            out.put("network_gmac_per_cpu_s", round(gmacImage / (med[3] / 1000)));
            out.put("peak_rss_mb", MemoryTrace.peakRssMb());
            out.put("fold_build_cpu_ms", m.equals("folded") ? round(buildMs) : 0);
            out.put("backend", backend.reason());
            System.out.println(Json.line(out));
        }
    }

    /** One pass over the folder: CPU ms per image of {decode, views, cue, network}. */
    private static double[] pass(Detector detector, List<Path> files, Function<INDArray, double[]> scorer)
            throws ImageLoadException {
        SpectralClassifier spectral = detector.bundle().metadata().spectral;
        double[] ns = new double[4];
        for (int start = 0; start < files.size(); start += BATCH) {
            List<Detector.PreparedImage> batch = new ArrayList<>();
            for (Path f : files.subList(start, Math.min(files.size(), start + BATCH))) {
                long t0 = OS.getProcessCpuTime();
                BufferedImage img = detector.preprocessor().decode(f).rgb();
                long t1 = OS.getProcessCpuTime();
                List<float[]> views = detector.preprocessor().views(img);
                long t2 = OS.getProcessCpuTime();
                double cue = spectral == null ? Double.NaN : spectral.logOdds(img);
                long t3 = OS.getProcessCpuTime();
                batch.add(new Detector.PreparedImage(views, cue));
                ns[0] += t1 - t0;
                ns[1] += t2 - t1;
                ns[2] += t3 - t2;
            }
            long t0 = OS.getProcessCpuTime();
            score(detector, batch, scorer);
            ns[3] += OS.getProcessCpuTime() - t0;
        }
        for (int i = 0; i < ns.length; i++) {
            ns[i] /= 1e6 * files.size();
        }
        return ns;
    }

    /** Detector.imageLogOdds and predictions with a chosen network scorer: batch, score, aggregate, fuse. */
    private static List<Prediction> score(Detector detector, List<Detector.PreparedImage> images,
                                          Function<INDArray, double[]> scorer) {
        List<float[]> views = new ArrayList<>();
        images.forEach(i -> views.addAll(i.views()));
        double[] perView = scorer.apply(detector.preprocessor().batch(views));
        double[] z = Detector.aggregateViews(perView, images.stream().mapToInt(i -> i.views().size()).toArray(),
                detector.preprocessor().spec().patches());
        ModelMetadata m = detector.bundle().metadata();
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < z.length; i++) {
            double v = m.fusion == null ? z[i] : m.fusion.fuse(z[i], images.get(i).spectralLogOdds());
            out.add(Prediction.of(v, m.temperature, detector.threshold(), m.uncertainBand));
        }
        return out;
    }

    /** Multiply-accumulates of one view through all members (convolutions and dense layers). */
    static double macsPerView(ModelBundle bundle) {
        double total = 0;
        for (ComputationGraph net : bundle.networks()) {
            ComputationGraphConfiguration conf = net.getConfiguration();
            int size = bundle.metadata().preprocessing.inputSize();
            Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(size, size, 3));
            for (var e : conf.getVertices().entrySet()) {
                if (!(e.getValue() instanceof LayerVertex lv)) {
                    continue;
                }
                Layer l = lv.getLayerConf().getLayer();
                if (l instanceof FrozenLayer f) {
                    l = f.getLayer();
                }
                if (l instanceof ConvolutionLayer c) {
                    InputType.InputTypeConvolutional o = (InputType.InputTypeConvolutional) types.get(e.getKey());
                    total += (double) o.getHeight() * o.getWidth() * c.getNOut() * c.getNIn()
                            * c.getKernelSize()[0] * c.getKernelSize()[1];
                } else if (l instanceof DenseLayer || l instanceof BaseOutputLayer) {
                    FeedForwardLayer d = (FeedForwardLayer) l;
                    total += (double) d.getNIn() * d.getNOut();
                }
            }
        }
        return total;
    }

    private static double[] medians(List<double[]> rows) {
        double[] out = new double[rows.get(0).length];
        for (int i = 0; i < out.length; i++) {
            final int k = i;
            double[] col = rows.stream().mapToDouble(r -> r[k]).sorted().toArray();
            out[i] = col.length % 2 == 1 ? col[col.length / 2] : (col[col.length / 2 - 1] + col[col.length / 2]) / 2;
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

}
