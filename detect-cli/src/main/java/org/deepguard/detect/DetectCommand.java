package org.deepguard.detect;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.ModelMixin;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

@Command(name = "detect", subcommands = ServeCommand.class,
        description = "Tell real from AI-generated images: prints Real/Fake and the probability of fake per image.",
        footer = {"", "Examples:",
                "  detect --model models/v1 --image face.png",
                "  detect -m models/v1 photos/ --json > scores.jsonl",
                "  find photos -name '*.png' | detect -m models/v1 - --json",
                "  DEEPGUARD_MODEL=models/v1 detect 'shots/**/*.jpg'",
                "  detect serve -m models/v1          # web page on http://127.0.0.1:8080/",
                "",
                "JSON lines: {path, label, p_fake, threshold, model_id, ms} per image;",
                "a failed file gives {path, error, message}. Exit 0 when every file was",
                "scored, 1 when some failed (the rest are still scored), 2 usage,",
                "3 model could not be loaded.",
                "",
                "Videos: one verdict per video from sampled frames:",
                "  detect -m models/v1 --video clip.mp4 --fps 2 --json",
                "  detect -m models/v1 --video clips/ --frames 16 --aggregate topk-mean",
                "JSON adds frames [{index, t, p_fake}], rule, frames_scored (and tracks with",
                "--faces); errors: truncated_video, unreadable, not_a_video, no_face, missing."})
public class DetectCommand extends BaseCommand {
    @Mixin
    ModelMixin model = new ModelMixin();

    @Option(names = {"-i", "--image"}, paramLabel = "PATH", description = "Image file, folder (recursive) or glob; repeatable.")
    List<String> images = new ArrayList<>();

    @Parameters(paramLabel = "PATH", arity = "0..*", description = "More images, folders, globs; '-' reads paths from stdin.")
    List<String> positional = new ArrayList<>();

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--threshold", description = "Decision threshold on p_fake (default: the bundle's).")
    Double threshold;

    @Option(names = "--batch-size", defaultValue = "16", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    VideoOptions video = new VideoOptions();

    InputStream stdin = System.in;

    @Override
    protected int run() throws Exception {
        List<String> specs = new ArrayList<>(images);
        specs.addAll(positional);
        if (specs.isEmpty() && !video.given()) {
            throw new CliException(ExitCode.USAGE, "no images given: pass --image PATH, folders, globs or '-'");
        }
        if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
            throw new CliException(ExitCode.USAGE, "--threshold must lie in [0, 1]");
        }
        video.check();
        ModelBundle bundle = model.load();
        Detector detector = threshold == null ? new Detector(bundle) : new Detector(bundle, threshold);
        int videoCode = ExitCode.OK;
        if (video.given()) {
            videoCode = new VideoDetection(video, json, quiet(), out(), err()).run(detector, batchSize, stdin);
            if (specs.isEmpty()) {
                return videoCode;
            }
        }
        int[] failures = {0};
        int[] scored = {0};
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        try {
            List<Path> pending = new ArrayList<>();
            InputCollector.collect(specs, stdin, path -> {
                pending.add(path);
                if (pending.size() >= batchSize) {
                    scoreBatch(detector, pending, pool, failures, scored);
                    pending.clear();
                }
            });
            scoreBatch(detector, pending, pool, failures, scored);
        } finally {
            pool.shutdownNow();
        }
        if (scored[0] + failures[0] == 0) {
            throw new CliException(ExitCode.INPUT, "no images found in " + String.join(", ", specs));
        }
        return failures[0] == 0 && videoCode == ExitCode.OK ? ExitCode.OK : ExitCode.PARTIAL;
    }

    private void scoreBatch(Detector detector, List<Path> paths, ExecutorService pool, int[] failures, int[] scored) {
        if (paths.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        List<CompletableFuture<Object>> loads = new ArrayList<>();
        for (Path p : paths) {
            loads.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return detector.prepare(p);
                } catch (ImageLoadException e) {
                    return e;
                }
            }, pool));
        }
        List<Detector.PreparedImage> tensors = new ArrayList<>();
        List<Integer> index = new ArrayList<>();
        Object[] results = new Object[paths.size()];
        for (int i = 0; i < paths.size(); i++) {
            Object r = loads.get(i).join();
            if (r instanceof Detector.PreparedImage t) {
                tensors.add(t);
                index.add(i);
            } else {
                results[i] = r;
            }
        }
        if (!tensors.isEmpty()) {
            List<Prediction> preds = detector.predictPrepared(tensors);
            for (int k = 0; k < preds.size(); k++) {
                results[index.get(k)] = preds.get(k);
            }
        }
        double msEach = (System.nanoTime() - t0) / 1e6 / paths.size();
        for (int i = 0; i < paths.size(); i++) {
            if (results[i] instanceof Prediction p) {
                scored[0]++;
                printPrediction(paths.get(i), p, detector, msEach);
            } else {
                failures[0]++;
                printFailure(paths.get(i), (ImageLoadException) results[i]);
            }
        }
        out().flush();
        err().flush();
    }

    private void printPrediction(Path path, Prediction p, Detector detector, double ms) {
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("path", path.toString());
            o.put("label", p.verdict().label());
            o.put("p_fake", round(p.pFake()));
            o.put("threshold", round(p.threshold()));
            o.put("model_id", detector.bundle().metadata().modelId);
            o.put("ms", Math.round(ms * 10) / 10.0);
            out().println(Json.line(o));
        } else {
            String label = switch (p.verdict()) {
                case FAKE -> "Fake";
                case REAL -> "Real";
                case UNCERTAIN -> "Uncertain";
            };
            out().printf("%-9s p_fake=%.4f  %s%n", label, p.pFake(), path);
        }
    }

    private void printFailure(Path path, ImageLoadException e) {
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("path", path.toString());
            o.put("error", e.problem().code());
            o.put("message", e.getMessage());
            out().println(Json.line(o));
        }
        err().println("error: " + e.getMessage());
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    public static void main(String[] args) {
        Cli.main(new DetectCommand(), args);
    }
}
