package org.deepguard.detect;

import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.video.Aggregation;
import org.deepguard.core.video.FrameSampling;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options of {@code detect --video}: which videos, which frames, how frame scores become a verdict. */
public class VideoOptions {
    static final double DEFAULT_FPS = 2;

    @Option(names = "--video", paramLabel = "PATH",
            description = "Video file, folder (recursive, video extensions) or glob; '-' reads paths from stdin. "
                    + "Repeatable.")
    List<String> videos = new ArrayList<>();

    @Option(names = "--every", paramLabel = "N", description = "Score every N-th frame (0, N, 2N, ...).")
    Integer every;

    @Option(names = "--fps", paramLabel = "F",
            description = "Score F frames per second of video, the frame nearest each 1/F step (default: 2).")
    Double fps;

    @Option(names = "--frames", paramLabel = "K", description = "Score K frames spread evenly over the video.")
    Integer frames;

    @Option(names = "--aggregate", paramLabel = "RULE", defaultValue = "mean-logit",
            description = "Video verdict from frame scores: mean-logit (mean log-odds, calibrated like an image), "
                    + "topk-mean (mean of the --topk highest log-odds) or fraction-above (share of frames with "
                    + "p_fake >= threshold; fake when >= --min-fraction). Default: ${DEFAULT-VALUE}.")
    String aggregate;

    @Option(names = "--topk", paramLabel = "K", defaultValue = "" + Aggregation.DEFAULT_K,
            description = "Frames averaged by topk-mean (default: ${DEFAULT-VALUE}).")
    int topk;

    @Option(names = "--min-fraction", paramLabel = "F", defaultValue = "" + Aggregation.DEFAULT_MIN_FRACTION,
            description = "Share of fake frames that makes a video fake under fraction-above "
                    + "(default: ${DEFAULT-VALUE}).")
    double minFraction;

    @Option(names = "--faces", description = "Score faces instead of whole frames: find them (OpenCV Haar cascade), "
            + "follow each across frames by box overlap, verdict of the most suspicious face track.")
    boolean faces;

    @Option(names = "--face-margin", paramLabel = "F", defaultValue = "0.2",
            description = "With --faces: grow each face box by this share of its side on every edge "
                    + "(default: ${DEFAULT-VALUE}).")
    double faceMargin;

    @Option(names = "--frames-out", paramLabel = "DIR",
            description = "Write the most suspicious frames of each video as PNG (see --frames-out-count).")
    Path framesOut;

    @Option(names = "--frames-out-count", paramLabel = "N", defaultValue = "3",
            description = "Frames per video written by --frames-out (default: ${DEFAULT-VALUE}).")
    int framesOutCount;

    boolean given() {
        return !videos.isEmpty();
    }

    /** Usage errors before the model is loaded. */
    void check() {
        if (given()) {
            sampling();
            aggregation();
            if (!(faceMargin >= 0 && faceMargin <= 1)) {
                throw new CliException(ExitCode.USAGE, "--face-margin must lie in [0, 1]");
            }
            if (framesOutCount < 1) {
                throw new CliException(ExitCode.USAGE, "--frames-out-count must be at least 1");
            }
        }
    }

    FrameSampling sampling() {
        int chosen = (every != null ? 1 : 0) + (fps != null ? 1 : 0) + (frames != null ? 1 : 0);
        if (chosen > 1) {
            throw new CliException(ExitCode.USAGE, "--every, --fps and --frames exclude each other: pick one");
        }
        try {
            if (every != null) {
                return new FrameSampling.Every(every);
            }
            if (frames != null) {
                return new FrameSampling.Frames(frames);
            }
            return new FrameSampling.Fps(fps != null ? fps : DEFAULT_FPS);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
    }

    Aggregation aggregation() {
        try {
            return new Aggregation(Aggregation.Rule.fromId(aggregate), topk, minFraction);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage().replace("top-k", "--topk")
                    .replace("min fraction", "--min-fraction"));
        }
    }
}
