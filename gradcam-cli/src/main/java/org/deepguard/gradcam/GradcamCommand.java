package org.deepguard.gradcam;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.ModelMixin;
import org.deepguard.cli.Progress;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.ManifestException;
import org.deepguard.core.data.Split;
import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Faithfulness;
import org.deepguard.core.explain.Heatmap;
import org.deepguard.core.explain.LayerInfo;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.explain.Sanity;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

@CommandLine.Command(name = "gradcam",
        description = {"Explain detections with Grad-CAM++ (or Grad-CAM) heatmaps: for each image writes "
                + "<name>_gradcam.png (overlay on the network's input), <name>_heatmap.png (raw map, 8-bit grey, "
                + "input size) and <name>.json (class, p_fake, layer, method, map size, faithfulness).",
                "Gradients are exact: BatchNorm is folded into the convolutions of an explanation copy of the model."},
        footer = {"", "Examples:",
                "  gradcam --model model --image face.png -o heatmaps",
                "  gradcam --model model --image data/test/fake --method gradcam --alpha 0.4 -o heatmaps",
                "  gradcam --model model --manifest manifest.csv --split test -o heatmaps",
                "  gradcam --model model --list-layers",
                "  gradcam --model model --image face.png --sanity -o heatmaps"})
public class GradcamCommand extends BaseCommand {
    private static final Set<String> IMAGE_EXTENSIONS =
            Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff");

    @CommandLine.Mixin
    ModelMixin model = new ModelMixin();

    @CommandLine.Option(names = {"-i", "--image"}, paramLabel = "PATH",
            description = "Image file or folder (searched recursively); repeatable.")
    List<Path> images = new ArrayList<>();

    @CommandLine.Option(names = "--manifest", paramLabel = "CSV", description = "Explain the usable rows of a "
            + "dataset manifest.")
    Path manifest;

    @CommandLine.Option(names = "--split", paramLabel = "SPLIT", description = "With --manifest: only this split "
            + "(train, val, test).")
    String split;

    @CommandLine.Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Output folder.")
    Path output;

    @CommandLine.Option(names = "--method", paramLabel = "M", defaultValue = "gradcampp",
            description = "gradcampp (default) or gradcam.")
    String method;

    @CommandLine.Option(names = "--layer", paramLabel = "NAME",
            description = "Layer to explain (default: the deepest CNN-branch activation with a map of at least "
                    + "8x8; see --list-layers).")
    String layer;

    @CommandLine.Option(names = "--list-layers", description = "List the layers that can be explained and exit.")
    boolean listLayers;

    @CommandLine.Option(names = "--class", paramLabel = "CLASS",
            description = "Class to explain: fake or real (default: the predicted class).")
    String targetClass;

    @CommandLine.Option(names = "--alpha", paramLabel = "A", defaultValue = "0.5",
            description = "Opacity of the colour map in the overlay, 0..1 (default 0.5).")
    double alpha;

    @CommandLine.Option(names = "--no-faithfulness", description = "Skip the deletion test (11 extra forward passes "
            + "per image).")
    boolean noFaithfulness;

    @CommandLine.Option(names = "--sanity", description = "Also run the cascading weight-randomisation check on the "
            + "first image: prints the rank correlation with the original map per randomised layer and writes "
            + "sanity.json.")
    boolean sanity;

    @CommandLine.Option(names = "--json", description = "Print one JSON object per image on stdout.")
    boolean json;

    public static void main(String[] a) {
        Cli.main(new GradcamCommand(), a);
    }

    @Override
    protected int run() throws Exception {
        CamMethod cam = parseMethod();
        Integer cls = parseClass();
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new CliException(ExitCode.USAGE, "--alpha must lie in [0, 1], got " + alpha);
        }
        if (!listLayers && images.isEmpty() && manifest == null) {
            throw new CliException(ExitCode.USAGE, "nothing to explain: give --image PATH or --manifest CSV");
        }
        if (!listLayers && output == null) {
            throw new CliException(ExitCode.USAGE, "missing output folder: -o DIR");
        }
        ModelBundle bundle = model.load();
        Explainer explainer;
        try {
            explainer = new Explainer(bundle);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            throw new CliException(ExitCode.MODEL, bundle.directory() + ": cannot explain this model ("
                    + e.getMessage() + ")", e);
        }
        if (listLayers) {
            String def = explainer.defaultLayer();
            for (LayerInfo l : explainer.listLayers()) {
                out().printf(Locale.ROOT, "%-24s %-22s %5d x %3d x %-3d%s%n", l.name(), l.type(), l.channels(),
                        l.height(), l.width(), l.name().equals(def) ? "  (default)" : "");
            }
            out().flush();
            return ExitCode.OK;
        }
        String layerName;
        try {
            layerName = explainer.resolveLayer(layer);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
        List<Path> inputs = collectInputs();
        if (inputs.isEmpty()) {
            throw new CliException(ExitCode.INPUT, "no images found in the given inputs");
        }
        Files.createDirectories(output);
        Detector detector = new Detector(bundle);
        int failed = 0;
        Set<String> usedNames = new HashSet<>();
        boolean sanityDone = false;
        info("explaining " + inputs.size() + " image(s) with " + cam.id() + " on layer " + layerName);
        try (Progress bar = progress("gradcam", inputs.size())) {
            for (Path file : inputs) {
                try {
                    if (explainer.preprocessor().spec().patches() != null) {
                        Map<String, Object> record = writeMosaic(file, uniqueName(file, usedNames), detector,
                                explainer, layerName, cam, cls);
                        if (json) {
                            out().println(Json.line(record));
                        } else {
                            out().printf(Locale.ROOT, "%s: %s (p_fake %.4f), %s on %s over %s patches -> %s%n", file,
                                    record.get("predicted"), (double) record.get("p_fake"), cam.id(), layerName,
                                    record.get("patches"), output.resolve((String) record.get("overlay")));
                        }
                        out().flush();
                        if (sanity && !sanityDone) { // on the centred patch: the check is about the network
                            float[] centre = explainer.preprocessor().load(file);
                            runSanity(explainer, centre, explainer.explain(centre, layerName, cam, cls), cam);
                            sanityDone = true;
                        }
                        bar.step();
                        continue;
                    }
                    float[] tensor = explainer.preprocessor().load(file);
                    Explanation ex = explainer.explain(tensor, layerName, cam, cls);
                    Faithfulness faith = noFaithfulness ? null
                            : Faithfulness.measure(detector, tensor, ex.upsampled());
                    String name = uniqueName(file, usedNames);
                    Map<String, Object> record = write(file, name, ex, faith, explainer);
                    if (json) {
                        out().println(Json.line(record));
                    } else {
                        out().printf(Locale.ROOT, "%s: %s (p_fake %.4f), %s on %s -> %s%n", file,
                                ex.prediction().verdict().label(), ex.prediction().pFake(), cam.id(), ex.layer(),
                                output.resolve(name + "_gradcam.png"));
                    }
                    out().flush();
                    if (sanity && !sanityDone) {
                        runSanity(explainer, tensor, ex, cam);
                        sanityDone = true;
                    }
                } catch (ImageLoadException e) {
                    failed++;
                    err().println("error: " + e.getMessage());
                    err().flush();
                } catch (IOException e) {
                    if (e instanceof java.nio.file.NoSuchFileException || !Files.isRegularFile(file)) {
                        failed++;
                        err().println("error: " + file + ": cannot read (" + e.getMessage() + ")");
                        err().flush();
                    } else {
                        throw new CliException(ExitCode.IO, "cannot write output for " + file + " ("
                                + e.getMessage() + ")", e);
                    }
                }
                bar.step();
            }
        }
        if (failed > 0) {
            info(failed + " of " + inputs.size() + " image(s) failed");
            return failed == inputs.size() ? ExitCode.INPUT : ExitCode.PARTIAL;
        }
        return ExitCode.OK;
    }

    private CamMethod parseMethod() {
        try {
            return CamMethod.byId(method);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--method: " + e.getMessage());
        }
    }

    private Integer parseClass() {
        if (targetClass == null) {
            return null;
        }
        return switch (targetClass.toLowerCase(Locale.ROOT)) {
            case "fake" -> HybridNetwork.FAKE;
            case "real" -> HybridNetwork.REAL;
            default -> throw new CliException(ExitCode.USAGE, "--class must be fake or real, got " + targetClass);
        };
    }

    /** Files in the order given; folders expanded (sorted, recursive). Missing paths stay in and fail one by one. */
    private List<Path> collectInputs() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : images) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).filter(GradcamCommand::looksLikeImage).sorted()
                            .forEach(out::add);
                }
            } else {
                out.add(p);
            }
        }
        if (manifest != null) {
            try {
                Manifest m = Manifest.read(manifest);
                Split s = split == null ? null : Split.parse(split);
                for (ManifestEntry e : m.select(e -> e.isUsable() && (s == null || e.split() == s))) {
                    out.add(m.resolve(e));
                }
            } catch (ManifestException e) {
                throw new CliException(ExitCode.INPUT, e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--split must be train, val or test, got " + split);
            }
        }
        return out;
    }

    private static boolean looksLikeImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && !n.startsWith(".") && IMAGE_EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String uniqueName(Path file, Set<String> used) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String stem = dot > 0 ? n.substring(0, dot) : n;
        String name = stem;
        for (int i = 2; !used.add(name); i++) {
            name = stem + "-" + i;
        }
        return name;
    }

    private Map<String, Object> write(Path file, String name, Explanation ex, Faithfulness faith, Explainer explainer)
            throws IOException {
        Map<String, Object> r = recordHead(file, ex.targetClass(), ex.prediction());
        r.put("logits", Map.of("real", ex.logits()[HybridNetwork.REAL], "fake", ex.logits()[HybridNetwork.FAKE]));
        r.put("layer", ex.layer());
        r.put("method", ex.method().id());
        r.put("map_size", List.of(ex.map().height(), ex.map().width()));
        r.put("input_size", explainer.inputSize());
        r.put("alpha", alpha);
        if (faith != null) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("p_fake_drop_top10", faith.dropTop10());
            f.put("p_fake_drop_top20", faith.dropTop20());
            f.put("deletion_auc", faith.deletionAuc());
            f.put("deletion_curve", faith.deletionCurve());
            f.put("removal", "pixels set to the preprocessing mean, hottest first");
            r.put("faithfulness", f);
        }
        return writeFiles(name, Overlays.inputImage(ex.input(), explainer.preprocessor().spec()), ex.upsampled(), r);
    }

    /** The fields every record starts with: the image, the explained class and the image's verdict. */
    private static Map<String, Object> recordHead(Path file, int target, Prediction p) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", file.toString());
        r.put("class", target == HybridNetwork.FAKE ? "fake" : "real");
        r.put("predicted", p.verdict().label());
        r.put("p_fake", p.pFake());
        r.put("threshold", p.threshold());
        return r;
    }

    /** Writes NAME_gradcam.png (the map over {@code base}), NAME_heatmap.png and NAME.json (the record + both names). */
    private Map<String, Object> writeFiles(String name, BufferedImage base, Heatmap map, Map<String, Object> r)
            throws IOException {
        Path overlay = output.resolve(name + "_gradcam.png");
        Path heat = output.resolve(name + "_heatmap.png");
        writePng(overlay, Overlays.overlay(base, map, alpha));
        writePng(heat, Overlays.grey(map));
        r.put("overlay", overlay.getFileName().toString());
        r.put("heatmap", heat.getFileName().toString());
        AtomicFiles.writeString(output.resolve(name + ".json"), Json.pretty(r));
        return r;
    }

    /**
     * A patch-voting model: the image's own verdict (patch vote, ensemble and spectral cue, as detect reports it) and
     * a map stitched from every patch's explanation for that class, over the whole image.
     */
    private Map<String, Object> writeMosaic(Path file, String name, Detector detector, Explainer explainer,
                                            String layerName, CamMethod cam, Integer cls)
            throws ImageLoadException, IOException {
        BufferedImage rgb = explainer.preprocessor().decode(file).rgb();
        Prediction p = detector.predict(rgb);
        int target = cls != null ? cls : (p.pFake() >= p.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL);
        Explainer.Mosaic m = explainer.explainMosaic(rgb, layerName, cam, target);
        Map<String, Object> r = recordHead(file, target, p);
        r.put("layer", m.layer());
        r.put("method", m.method().id());
        r.put("scope", "whole image: patch maps averaged where patches overlap (first ensemble member, network "
                + "part of the score)");
        r.put("patches", m.patches());
        r.put("map_size", List.of(m.map().height(), m.map().width()));
        r.put("input_size", explainer.inputSize());
        r.put("alpha", alpha);
        return writeFiles(name, rgb, m.map(), r);
    }

    private static void writePng(Path target, BufferedImage img) throws IOException {
        AtomicFiles.write(target, o -> {
            if (!ImageIO.write(img, "png", o)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private void runSanity(Explainer explainer, float[] tensor, Explanation ex, CamMethod cam) throws IOException {
        info("sanity: cascading weight randomisation from the output down (Spearman vs the original map)");
        List<Sanity.Step> steps = Sanity.cascadingRandomisation(explainer.network(),
                explainer.preprocessor().batch(List.of(tensor)), ex.layer(), cam, ex.targetClass(), 42);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Sanity.Step s : steps) {
            out().printf(Locale.ROOT, "  randomised down to %-24s spearman %+.3f%n", s.layer(), s.spearman());
            rows.add(Map.of("layer", s.layer(), "spearman", s.spearman()));
        }
        double last = steps.isEmpty() ? 1 : steps.get(steps.size() - 1).spearman();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("layer", ex.layer());
        r.put("method", cam.id());
        r.put("steps", rows);
        r.put("final_spearman", last);
        AtomicFiles.writeString(output.resolve("sanity.json"), Json.pretty(r));
        out().printf(Locale.ROOT, "sanity: final rank correlation %+.3f (%s)%n", last,
                Math.abs(last) < 0.5 ? "map depends on the weights" : "WARNING: map barely depends on the weights");
    }
}
