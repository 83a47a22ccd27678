package org.deepguard.evaluate;

import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.metrics.ShortcutFeatures;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.Prediction;

import org.deepguard.core.video.Aggregation;
import org.deepguard.core.video.FrameSampling;
import org.deepguard.core.video.FrameScore;
import org.deepguard.core.video.VideoDetector;
import org.deepguard.core.video.VideoException;
import org.deepguard.core.video.VideoFiles;
import org.deepguard.core.video.VideoResult;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * One streaming pass of a detector over manifest rows: decode, optionally perturb, preprocess with the bundle's
 * definition, and predict in batches. Only one batch of tensors is held at a time; an image that cannot be used
 * becomes a {@link Failure} and the pass goes on.
 */
final class Evaluator {
    /** A scored image. fileBytes and sharpness are the shortcut cues of the unperturbed file. */
    record Scored(ManifestEntry entry, double pFake, double logOdds, long fileBytes, double sharpness) {
        boolean isFake() {
            return entry.label().isFake();
        }
    }

    record Failure(ManifestEntry entry, String reason, String message) {}

    /** One sampled frame of a video row, labelled with the video's label (frame-level metrics). */
    record FrameScored(ManifestEntry entry, double pFake) {}

    record Pass(List<Scored> scored, List<Failure> failures, List<FrameScored> frames) {}

    private final Detector detector;
    private final Manifest manifest;
    private final int batchSize;
    private VideoDetector videos;

    Evaluator(Detector detector, Manifest manifest, int batchSize) {
        this.detector = detector;
        this.manifest = manifest;
        this.batchSize = batchSize;
    }

    /**
     * @param perturbation applied to every decoded image, or null for the clean pass
     * @param seed         base seed of random perturbations (mixed with each path, so results do not depend on order)
     * @param onImage      called once per row processed (progress)
     */
    Pass run(List<ManifestEntry> rows, Perturbation perturbation, long seed, IntConsumer onImage) {
        List<Scored> scored = new ArrayList<>(rows.size());
        List<Failure> failures = new ArrayList<>();
        List<ManifestEntry> batchRows = new ArrayList<>(batchSize);
        List<Detector.PreparedImage> tensors = new ArrayList<>(batchSize);
        List<Long> sizes = new ArrayList<>(batchSize);
        List<Double> sharpness = new ArrayList<>(batchSize);
        List<FrameScored> frames = new ArrayList<>();
        for (ManifestEntry e : rows) {
            Path file = manifest.resolve(e);
            if (VideoFiles.isVideo(file)) {
                // Videos are scored whole in the clean pass only: the perturbation sweep is defined on images.
                if (perturbation == null) {
                    scoreVideo(e, file, scored, failures, frames);
                }
                onImage.accept(1);
                continue;
            }
            try {
                DecodedImage img = detector.preprocessor().decode(file);
                BufferedImage rgb = img.rgb();
                double sharp = perturbation == null ? ShortcutFeatures.laplacianVariance(rgb) : Double.NaN;
                if (perturbation != null) {
                    rgb = perturbation.apply(rgb, seed ^ e.path().hashCode());
                }
                tensors.add(detector.prepare(rgb));
                batchRows.add(e);
                sizes.add(img.fileBytes());
                sharpness.add(sharp);
            } catch (ImageLoadException ex) {
                failures.add(new Failure(e, ex.problem().code(), ex.getMessage()));
            } catch (RuntimeException ex) {
                // A decoder bug on one hostile file must not end a batch run.
                failures.add(new Failure(e, "decode_error", file + ": " + ex.getClass().getSimpleName() + ": "
                        + ex.getMessage()));
            }
            onImage.accept(1);
            if (tensors.size() == batchSize) {
                flush(batchRows, tensors, sizes, sharpness, scored);
            }
        }
        if (!tensors.isEmpty()) {
            flush(batchRows, tensors, sizes, sharpness, scored);
        }
        return new Pass(scored, failures, frames);
    }

    /**
     * A video row counts as one item scored by its aggregate verdict (the bundle's calibration and threshold, as
     * `detect --video` with its defaults: 2 frames per second, mean of frame log-odds); its frames feed the
     * frame-level metrics. It has no sharpness cue (NaN), only its file size.
     */
    private void scoreVideo(ManifestEntry e, Path file, List<Scored> scored, List<Failure> failures,
                            List<FrameScored> frames) {
        if (videos == null) {
            videos = new VideoDetector(detector, new FrameSampling.Fps(2), Aggregation.meanLogit(), batchSize);
        }
        try {
            VideoResult r = videos.detect(file);
            scored.add(new Scored(e, r.verdict().pFake(), r.verdict().score(), Files.size(file), Double.NaN));
            for (FrameScore f : r.frames()) {
                frames.add(new FrameScored(e, f.pFake()));
            }
        } catch (VideoException ex) {
            failures.add(new Failure(e, ex.problem().code(), ex.getMessage()));
        } catch (IOException | RuntimeException ex) {
            failures.add(new Failure(e, "unreadable", file + ": " + ex.getMessage()));
        }
    }

    private void flush(List<ManifestEntry> rows, List<Detector.PreparedImage> tensors, List<Long> sizes,
                       List<Double> sharpness,
                       List<Scored> sink) {
        List<Prediction> preds = detector.predictPrepared(tensors);
        for (int i = 0; i < preds.size(); i++) {
            sink.add(new Scored(rows.get(i), preds.get(i).pFake(), preds.get(i).logOdds(), sizes.get(i),
                    sharpness.get(i)));
        }
        rows.clear();
        tensors.clear();
        sizes.clear();
        sharpness.clear();
    }
}
