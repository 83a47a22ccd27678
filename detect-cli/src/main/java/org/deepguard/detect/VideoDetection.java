package org.deepguard.detect;

import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.Progress;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.video.FrameScore;
import org.deepguard.core.video.TrackVerdict;
import org.deepguard.core.video.VideoDetector;
import org.deepguard.core.video.VideoException;
import org.deepguard.core.video.VideoInfo;
import org.deepguard.core.video.VideoResult;
import org.deepguard.core.video.VideoVerdict;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code detect --video}: one verdict line (or JSON line) per video; a bad video gets an error line, the rest go on. */
final class VideoDetection {
    /** Videos with more frames than this get a progress bar (about 10 s at 30 fps). */
    static final long PROGRESS_MIN_FRAMES = 300;

    private final VideoOptions options;
    private final boolean json;
    private final boolean quiet;
    private final PrintWriter out;
    private final PrintWriter err;

    VideoDetection(VideoOptions options, boolean json, boolean quiet, PrintWriter out, PrintWriter err) {
        this.options = options;
        this.json = json;
        this.quiet = quiet;
        this.out = out;
        this.err = err;
    }

    /** Scores every video named; returns OK, or PARTIAL when some failed. */
    int run(Detector detector, int batchSize, InputStream stdin) throws IOException {
        VideoDetector videos = new VideoDetector(detector, options.sampling(), options.aggregation(),
                Math.max(1, batchSize), options.framesOut == null ? 0 : Math.max(0, options.framesOutCount));
        if (options.faces) {
            videos = videos.withFaces(options.faceMargin);
        }
        List<Path> files = new ArrayList<>();
        InputCollector.collect(options.videos, stdin, VideoDetection::hasVideoExtension, files::add);
        if (files.isEmpty()) {
            throw new CliException(ExitCode.INPUT, "no videos found in " + String.join(", ", options.videos));
        }
        int failures = 0;
        for (Path file : files) {
            try {
                VideoResult r = detectWithProgress(videos, file);
                print(r, detector);
                if (options.framesOut != null) {
                    writeFrames(r, detector);
                }
            } catch (VideoException e) {
                failures++;
                printFailure(file, e.problem().code(), e.getMessage());
            }
            out.flush();
            err.flush();
        }
        return failures == 0 ? ExitCode.OK : ExitCode.PARTIAL;
    }

    static boolean hasVideoExtension(Path p) {
        return org.deepguard.core.video.VideoFiles.isVideo(p);
    }

    private VideoResult detectWithProgress(VideoDetector videos, Path file) throws VideoException {
        Progress[] bar = {null};
        long[] shown = {0};
        try {
            return videos.detect(file, new VideoDetector.Listener() {
                @Override
                public void opened(Path f, VideoInfo info, long frames) {
                    long expected = frames >= 0 ? frames : Math.round(info.durationSeconds() * info.frameRate());
                    if (expected > PROGRESS_MIN_FRAMES) {
                        bar[0] = Progress.start("frames " + f.getFileName(), frames >= 0 ? frames : -1, err, quiet);
                    }
                }

                @Override
                public void progress(long decoded, int scored) {
                    if (bar[0] != null) {
                        bar[0].stepBy(decoded - shown[0]);
                        shown[0] = decoded;
                        bar[0].message(" " + scored + " scored");
                    }
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
    }

    private void print(VideoResult r, Detector detector) {
        VideoVerdict v = r.verdict();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("path", r.file().toString());
            o.put("type", "video");
            o.put("label", v.verdict().label());
            o.put("p_fake", round(v.pFake()));
            o.put("threshold", round(v.threshold()));
            o.put("rule", v.aggregation().describe());
            o.put("score", round(v.score()));
            o.put("frames_scored", v.frames());
            o.put("frames_decoded", r.framesDecoded());
            o.put("sampling", r.sampling().describe());
            o.put("duration_s", round(r.info().durationSeconds()));
            o.put("fps", round(r.info().frameRate()));
            o.put("width", r.info().width());
            o.put("height", r.info().height());
            if (r.info().rotation() != 0) {
                o.put("rotation", r.info().rotation());
            }
            o.put("model_id", detector.bundle().metadata().modelId);
            o.put("ms", Math.round((r.decodeSeconds() + r.scoreSeconds()) * 1e4) / 10.0);
            List<Map<String, Object>> frames = new ArrayList<>(r.frames().size());
            for (FrameScore f : r.frames()) {
                Map<String, Object> fo = new LinkedHashMap<>();
                fo.put("index", f.index());
                fo.put("t", round(f.seconds()));
                fo.put("p_fake", round(f.pFake()));
                if (f.box() != null) {
                    fo.put("track", f.track());
                    fo.put("box", List.of(f.box().x, f.box().y, f.box().width, f.box().height));
                }
                frames.add(fo);
            }
            o.put("frames", frames);
            if (!r.tracks().isEmpty()) {
                List<Map<String, Object>> tracks = new ArrayList<>();
                for (TrackVerdict t : r.tracks()) {
                    Map<String, Object> to = new LinkedHashMap<>();
                    to.put("track", t.track());
                    to.put("label", t.verdict().verdict().label());
                    to.put("p_fake", round(t.verdict().pFake()));
                    to.put("frames", t.verdict().frames());
                    to.put("from_s", round(t.fromSeconds()));
                    to.put("to_s", round(t.toSeconds()));
                    tracks.add(to);
                }
                o.put("tracks", tracks);
            }
            out.println(Json.line(o));
        } else {
            String label = switch (v.verdict()) {
                case FAKE -> "Fake";
                case REAL -> "Real";
                case UNCERTAIN -> "Uncertain";
            };
            String what = r.tracks().isEmpty() ? v.frames() + " of " + r.framesDecoded() + " frames"
                    : r.tracks().size() + " face track(s), worst over " + v.frames() + " frames";
            out.printf(Locale.ROOT, "%-9s p_fake=%.4f  %s  [%s, %s]%n", label, v.pFake(), r.file(),
                    v.aggregation().describe(), what);
        }
    }

    private GradCamOverlay overlays;

    /**
     * {@code <video name>_f<index>_p<p_fake>.png}, most suspicious first, each with its Grad-CAM++ overlay
     * ({@code ..._gradcam.png}, for the class the frame was called) from core's explanation engine, and the whole
     * score explained: {@code ..._score.png} (occlusion map of the frame's full score), {@code ..._contributions.png}
     * (the score's shares as bars) and {@code ..._explain.json} (shares, faithfulness); about 70 score evaluations
     * per written frame.
     */
    private void writeFrames(VideoResult r, Detector detector) throws IOException {
        if (overlays == null) {
            overlays = GradCamOverlay.forDetector(detector);
        }
        Path dir = options.framesOut;
        Files.createDirectories(dir);
        String stem = r.file().getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        for (VideoResult.KeptFrame k : r.kept()) {
            Path target = dir.resolve(String.format(Locale.ROOT, "%s_f%06d_p%.4f.png", stem, k.score().index(),
                    k.score().pFake()));
            AtomicFiles.write(target, os -> ImageIO.write(k.image(), "png", os));
            Prediction p = Prediction.of(k.score().logOdds(), detector.bundle().metadata().temperature,
                    detector.threshold(), 0);
            java.awt.image.BufferedImage overlay = overlays.render(k.image(), p);
            AtomicFiles.write(dir.resolve(target.getFileName().toString().replace(".png", "_gradcam.png")),
                    os -> ImageIO.write(overlay, "png", os));
            GradCamOverlay.Explained ex = overlays.explainFrame(k.image());
            String base = target.getFileName().toString().replace(".png", "");
            AtomicFiles.write(dir.resolve(base + "_score.png"), os -> ImageIO.write(ex.overlay(), "png", os));
            AtomicFiles.write(dir.resolve(base + "_contributions.png"), os -> ImageIO.write(ex.chart(), "png", os));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("video", r.file().toString());
            json.put("index", k.score().index());
            json.put("t", round(k.score().seconds()));
            json.put("p_fake", round(k.score().pFake()));
            json.putAll(ex.explanation().toJson());
            AtomicFiles.writeString(dir.resolve(base + "_explain.json"), Json.pretty(json));
        }
    }

    private void printFailure(Path path, String code, String message) {
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("path", path.toString());
            o.put("type", "video");
            o.put("error", code);
            o.put("message", message);
            out.println(Json.line(o));
        }
        err.println("error: " + message);
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
