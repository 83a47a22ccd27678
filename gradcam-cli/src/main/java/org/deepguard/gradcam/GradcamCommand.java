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
import org.deepguard.core.explain.Baseline;
import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Faithfulness;
import org.deepguard.core.explain.Heatmap;
import org.deepguard.core.explain.ImageScorer;
import org.deepguard.core.explain.LayerInfo;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.explain.Sanity;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.explain.ScoreMaps;
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
        description = {"Explain detections: for each image writes <name>_gradcam.png (the map over the image, or "
                + "over the network's input for a single-view Grad-CAM), <name>_heatmap.png (raw map, 8-bit grey), "
                + "<name>_contributions.png (the score's shares as bars) and <name>.json (class, p_fake, method, "
                + "map size, contributions, faithfulness).",
                "Methods: gradcam++ (default) and gradcam explain the network, averaged over every ensemble member "
                        + "(gradients are exact: BatchNorm is folded into an explanation copy of the model); "
                        + "occlusion and rise explain the whole score exactly as detect computes it (patches, all "
                        + "members, the fused spectral/resampling cue) by perturbing the image: occlusion costs "
                        + "grid^2 + 1 score evaluations (default 50), rise masks + 1 (default 201).",
                "contributions: the fused log-odds split exactly into the network's share, each cue feature group "
                        + "(spectral bands, resampling periods), the intercepts and the fusion bias.",
                "faithfulness: p_fake of the whole score as the hottest pixels are deleted (replaced by the blurred "
                        + "image) and inserted (into it), for every model; a single-view Grad-CAM map is laid back "
                        + "onto the image, and its network-only measure is kept as faithfulness_network."},
        footer = {"", "Examples:",
                "  gradcam --model model --image face.png -o heatmaps",
                "  gradcam --model model --image data/test/fake --method gradcam --alpha 0.4 -o heatmaps",
                "  gradcam --model model --manifest manifest.csv --split test -o heatmaps",
                "  gradcam --model model --list-layers",
                "  gradcam --model model --image face.png --sanity -o heatmaps",
                "  gradcam --model model --image face.png --method occlusion -o heatmaps",
                "  gradcam --model model --image face.png --method rise --masks 400 --seed 7 -o heatmaps"})
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
            description = "gradcam++ (default; also gradcampp), gradcam, occlusion or rise.")
    String method;

    @CommandLine.Option(names = "--grid", paramLabel = "N", defaultValue = "7",
            description = "occlusion: window positions per axis (N^2 + 1 score evaluations; default 7).")
    int grid;

    @CommandLine.Option(names = "--masks", paramLabel = "N", defaultValue = "200",
            description = "rise: random masks (N + 1 score evaluations; default 200).")
    int masks;

    @CommandLine.Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "rise: random seed (default 42).")
    long seed;

    @CommandLine.Option(names = "--baseline", paramLabel = "B", defaultValue = "blur",
            description = "What removed pixels become for occlusion, rise and faithfulness: blur (default) or grey.")
    String baselineName;

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

    @CommandLine.Option(names = "--no-faithfulness", description = "Skip the deletion and insertion test (22 extra "
            + "score evaluations per image).")
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
        String whole = wholeScoreMethod();
        CamMethod cam = whole != null ? CamMethod.GRAD_CAM_PLUS_PLUS : parseMethod();
        ScoreMaps.Options mapOptions = mapOptions();
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
        info("explaining " + inputs.size() + " image(s) with " + (whole != null ? whole + " of the whole score"
                : cam.id() + " on layer " + layerName));
        try (Progress bar = progress("gradcam", inputs.size())) {
            for (Path file : inputs) {
                try {
                    if (whole != null) {
                        Map<String, Object> record = writeWholeScore(file, uniqueName(file, usedNames), detector,
                                whole, mapOptions, cls);
                        if (json) {
                            out().println(Json.line(record));
                        } else {
                            out().printf(Locale.ROOT, "%s: %s (p_fake %.4f), %s of the whole score (%s evaluations) "
                                    + "-> %s%n", file, record.get("predicted"), (double) record.get("p_fake"), whole,
                                    record.get("evaluations"), output.resolve((String) record.get("overlay")));
                        }
                        out().flush();
                        if (sanity && !sanityDone) {
                            float[] centre = explainer.preprocessor().load(file);
                            runSanity(explainer, centre, explainer.explain(centre, layerName, cam, cls), cam);
                            sanityDone = true;
                        }
                        bar.step();
                        continue;
                    }
                    if (explainer.preprocessor().spec().patches() != null) {
                        Map<String, Object> record = writeMosaic(file, uniqueName(file, usedNames), detector,
                                explainer, layerName, cam, cls, mapOptions.baseline());
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
                    String name = uniqueName(file, usedNames);
                    BufferedImage decoded = explainer.preprocessor().decode(file).rgb();
                    detector.prepare(decoded, file.toString()); // refuses, by name, an image too small for the cue
                    Faithfulness network = null;
                    Faithfulness wholeFaith = null;
                    if (!noFaithfulness) {
                        network = Faithfulness.measure(detector, tensor, ex.upsampled());
                        wholeFaith = Faithfulness.measure(ImageScorer.of(detector), decoded, explainer.viewMapOnImage(
                                ex.upsampled(), decoded.getWidth(), decoded.getHeight(), 1024), mapOptions.baseline());
                    }
                    Map<String, Object> record = write(file, name, ex, network, wholeFaith, mapOptions.baseline(),
                            explainer, ScoreBreakdown.of(detector, decoded));
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

    /** "occlusion" or "rise" when --method names a whole-score method, else null. */
    private String wholeScoreMethod() {
        String m = method.toLowerCase(Locale.ROOT);
        return m.equals("occlusion") || m.equals("rise") ? m : null;
    }

    private ScoreMaps.Options mapOptions() {
        Baseline b;
        try {
            b = Baseline.valueOf(baselineName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--baseline must be blur or grey, got " + baselineName);
        }
        if (grid < 2 || grid > 64) {
            throw new CliException(ExitCode.USAGE, "--grid must lie in [2, 64], got " + grid);
        }
        if (masks < 2 || masks > 100_000) {
            throw new CliException(ExitCode.USAGE, "--masks must lie in [2, 100000], got " + masks);
        }
        return ScoreMaps.Options.defaults().withGrid(grid).withMasks(masks).withSeed(seed).withBaseline(b);
    }

    private CamMethod parseMethod() {
        try {
            return CamMethod.byId(method);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--method: unknown method '" + method
                    + "' (use gradcam++, gradcam, occlusion or rise)");
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

    private Map<String, Object> write(Path file, String name, Explanation ex, Faithfulness faith, Faithfulness whole,
                                      Baseline baseline, Explainer explainer, ScoreBreakdown breakdown)
            throws IOException {
        Map<String, Object> r = recordHead(file, ex.targetClass(), ex.prediction());
        r.put("logits", Map.of("real", ex.logits()[HybridNetwork.REAL], "fake", ex.logits()[HybridNetwork.FAKE]));
        r.put("layer", ex.layer());
        r.put("method", ex.method().id());
        r.put("map_size", List.of(ex.map().height(), ex.map().width()));
        r.put("input_size", explainer.inputSize());
        r.put("alpha", alpha);
        r.put("members", explainer.members());
        r.put("scope", "network part of the score on its input view" + (explainer.members() > 1
                ? ", maps of all " + explainer.members() + " ensemble members averaged" : ""));
        r.put("contributions", breakdown.toJson());
        if (whole != null) {
            r.put("faithfulness", whole.toJson("whole score (the view's map laid back onto the image; pixels outside "
                    + "the view come last)", removalNote(baseline)));
        }
        if (faith != null) {
            r.put("faithfulness_network", faith.toJson("network (the network's input tensor; network-only p_fake)",
                    "pixels set to the preprocessing mean, hottest first; insertion from the all-mean tensor"));
        }
        return writeFiles(name, Overlays.inputImage(ex.input(), explainer.preprocessor().spec()), ex.upsampled(), r,
                breakdown);
    }

    /**
     * A whole-score map (occlusion or RISE) over the decoded image: the score detect reports, every part of it
     * (patches, ensemble members, fused cue), with its faithfulness on the same score.
     */
    private Map<String, Object> writeWholeScore(Path file, String name, Detector detector, String whole,
                                                ScoreMaps.Options o, Integer cls)
            throws ImageLoadException, IOException {
        BufferedImage rgb = detector.preprocessor().decode(file).rgb();
        Prediction p = detector.predictPrepared(List.of(detector.prepare(rgb, file.toString()))).get(0);
        int target = cls != null ? cls : (p.pFake() >= p.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL);
        ImageScorer scorer = ImageScorer.of(detector);
        ScoreMaps.Result m = whole.equals("rise") ? ScoreMaps.rise(scorer, rgb, target, o)
                : ScoreMaps.occlusion(scorer, rgb, target, o);
        Map<String, Object> r = recordHead(file, target, p);
        r.put("method", whole);
        r.put("scope", m.describe() + ": the score detect reports (all patches, all ensemble members, the fused cue)");
        r.put("evaluations", m.evaluations());
        r.put("baseline", o.baseline().name().toLowerCase(Locale.ROOT));
        if (whole.equals("rise")) {
            r.put("masks", o.masks());
            r.put("seed", o.seed());
        } else {
            r.put("grid", o.grid());
        }
        r.put("log_odds", m.logOdds());
        r.put("map_size", List.of(m.signed().height(), m.signed().width()));
        r.put("map_max_log_odds", m.signed().max());
        r.put("alpha", alpha);
        ScoreBreakdown breakdown = ScoreBreakdown.of(detector, rgb);
        r.put("contributions", breakdown.toJson());
        if (!noFaithfulness) {
            r.put("faithfulness", Faithfulness.measure(scorer, rgb, m.heat(), o.baseline()).toJson(
                    "whole score", removalNote(o.baseline())));
        }
        return writeFiles(name, rgb, m.heat(), r, breakdown);
    }

    private static String removalNote(Baseline b) {
        return "pixels replaced by the " + b.name().toLowerCase(Locale.ROOT) + " image, hottest first; insertion "
                + "restores them hottest first from it";
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

    /**
     * Writes NAME_gradcam.png (the map over {@code base}), NAME_heatmap.png, NAME_contributions.png and NAME.json (the
     * record + the file names).
     */
    private Map<String, Object> writeFiles(String name, BufferedImage base, Heatmap map, Map<String, Object> r,
                                           ScoreBreakdown breakdown) throws IOException {
        Path overlay = output.resolve(name + "_gradcam.png");
        Path heat = output.resolve(name + "_heatmap.png");
        Path bars = output.resolve(name + "_contributions.png");
        writePng(overlay, Overlays.overlay(base, map, alpha));
        writePng(heat, Overlays.grey(map));
        writePng(bars, breakdown.chartImage(560, 360));
        r.put("overlay", overlay.getFileName().toString());
        r.put("heatmap", heat.getFileName().toString());
        r.put("contributions_chart", bars.getFileName().toString());
        AtomicFiles.writeString(output.resolve(name + ".json"), Json.pretty(r));
        return r;
    }

    /**
     * A patch-voting model: the image's own verdict (patch vote, ensemble and spectral cue, as detect reports it) and
     * a map stitched from every patch's explanation for that class, over the whole image.
     */
    private Map<String, Object> writeMosaic(Path file, String name, Detector detector, Explainer explainer,
                                            String layerName, CamMethod cam, Integer cls, Baseline baseline)
            throws ImageLoadException, IOException {
        BufferedImage rgb = explainer.preprocessor().decode(file).rgb();
        Prediction p = detector.predictPrepared(List.of(detector.prepare(rgb, file.toString()))).get(0);
        int target = cls != null ? cls : (p.pFake() >= p.threshold() ? HybridNetwork.FAKE : HybridNetwork.REAL);
        Explainer.Mosaic m = explainer.explainMosaic(rgb, layerName, cam, target);
        Map<String, Object> r = recordHead(file, target, p);
        r.put("layer", m.layer());
        r.put("method", m.method().id());
        r.put("scope", "whole image: network part of the score, patch maps blended with a smooth window where "
                + "patches overlap" + (explainer.members() > 1 ? ", all " + explainer.members() + " ensemble members "
                + "averaged" : ""));
        r.put("members", explainer.members());
        r.put("patches", m.patches());
        r.put("map_size", List.of(m.map().height(), m.map().width()));
        r.put("input_size", explainer.inputSize());
        r.put("alpha", alpha);
        ScoreBreakdown breakdown = ScoreBreakdown.of(detector, rgb);
        r.put("contributions", breakdown.toJson());
        if (!noFaithfulness) {
            r.put("faithfulness", Faithfulness.measure(ImageScorer.of(detector), rgb, m.map(), baseline).toJson(
                    "whole score", removalNote(baseline)));
        }
        return writeFiles(name, rgb, m.map(), r, breakdown);
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
