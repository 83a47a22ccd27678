package org.deepguard.core.video;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Scores a video: streams its frames, scores the sampled ones with the image {@link Detector} (same preprocessing,
 * same network, batched), and aggregates them into a {@link VideoVerdict}. Holds at most one batch of frame tensors.
 *
 * <p>With {@link #withFaces}, each sampled frame is searched for faces (Haar cascade); each face, cropped square
 * with a margin, is scored instead of the whole frame; faces are followed across frames by box overlap
 * ({@link FaceTracker}); each track is aggregated with the same rule, tracks seen in fewer than
 * {@link #MIN_TRACK_FRAMES} sampled frames are ignored when longer ones exist (stray detections), and the video
 * verdict is that of the most suspicious track. No face in any sampled frame gives {@code no_face}.
 */
public final class VideoDetector {
    /** Progress callbacks, e.g. for a progress bar. */
    public interface Listener {
        /** @param frames frames expected (-1 when the container does not say) */
        default void opened(Path file, VideoInfo info, long frames) {}

        default void progress(long decoded, int scored) {}
    }

    private final Detector detector;
    private final FrameSampling sampling;
    private final Aggregation aggregation;
    private final int batchSize;
    private final int keepTop;
    private final double faceMargin; // < 0: whole frames

    /** Fewer sampled frames than this make a track a stray detection (unless no track is longer). */
    public static final int MIN_TRACK_FRAMES = 2;
    /** Face tracking: boxes overlapping at least this much (IoU) are the same face. */
    public static final double TRACK_MIN_IOU = 0.3;
    /** Face tracking: a face may be missed in this many consecutive sampled frames and keep its track. */
    public static final int TRACK_MAX_GAP = 2;

    public VideoDetector(Detector detector, FrameSampling sampling, Aggregation aggregation, int batchSize) {
        this(detector, sampling, aggregation, batchSize, 0);
    }

    /** @param keepTop how many of the most suspicious frames to keep as images in the result (0: none) */
    public VideoDetector(Detector detector, FrameSampling sampling, Aggregation aggregation, int batchSize,
                         int keepTop) {
        this(detector, sampling, aggregation, batchSize, keepTop, -1);
    }

    private VideoDetector(Detector detector, FrameSampling sampling, Aggregation aggregation, int batchSize,
                          int keepTop, double faceMargin) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (keepTop < 0) {
            throw new IllegalArgumentException("frames to keep must be >= 0, got " + keepTop);
        }
        this.detector = detector;
        this.sampling = sampling;
        this.aggregation = aggregation;
        this.batchSize = batchSize;
        this.keepTop = keepTop;
        this.faceMargin = faceMargin;
    }

    /** Score tracked faces instead of whole frames; {@code margin} grows each face box by that share per side. */
    public VideoDetector withFaces(double margin) {
        if (!(margin >= 0 && margin <= 1)) {
            throw new IllegalArgumentException("face margin must lie in [0, 1], got " + margin);
        }
        return new VideoDetector(detector, sampling, aggregation, batchSize, keepTop, margin);
    }

    public Detector detector() {
        return detector;
    }

    public VideoResult detect(Path file) throws VideoException {
        return detect(file, new Listener() {});
    }

    public VideoResult detect(Path file, Listener listener) throws VideoException {
        FaceFinder finder = null;
        try (VideoReader reader = VideoReader.open(file)) {
            if (faceMargin >= 0) {
                try {
                    finder = FaceFinder.haar();
                } catch (IOException e) {
                    throw new IllegalStateException("face cascade unavailable: " + e.getMessage(), e);
                }
            }
            listener.opened(file, reader.info(), reader.info().frameCount());
            Batch batch = new Batch(listener, finder);
            long t0 = System.nanoTime();
            long decoded = reader.read(sampling, batch);
            long tf = System.nanoTime();
            batch.flush();
            batch.scoreSeconds += (System.nanoTime() - tf) / 1e9;
            double total = (System.nanoTime() - t0) / 1e9;
            if (batch.scores.isEmpty()) {
                throw finder != null ? new VideoException(file.toString(), VideoProblem.NO_FACE,
                        batch.sampled + " frames searched")
                        : new VideoException(file.toString(), VideoProblem.UNREADABLE, "no frame was sampled");
            }
            ModelMetadata m = detector.bundle().metadata();
            List<TrackVerdict> tracks = new ArrayList<>();
            VideoVerdict verdict;
            if (finder == null) {
                verdict = aggregate(batch.scores, m);
            } else {
                tracks = trackVerdicts(batch.scores, m);
                verdict = tracks.stream().map(TrackVerdict::verdict)
                        .max(Comparator.comparingDouble(VideoVerdict::pFake)).orElseThrow();
            }
            List<VideoResult.KeptFrame> kept = new ArrayList<>(batch.top);
            kept.sort(Comparator.comparingDouble((VideoResult.KeptFrame k) -> k.score().logOdds()).reversed());
            return new VideoResult(file, reader.info(), sampling, batch.scores, verdict, decoded,
                    Math.max(0, total - batch.scoreSeconds), batch.scoreSeconds, kept, tracks);
        } finally {
            if (finder != null) {
                finder.close();
            }
        }
    }

    private VideoVerdict aggregate(List<FrameScore> scores, ModelMetadata m) {
        double[] z = scores.stream().mapToDouble(FrameScore::logOdds).toArray();
        return aggregation.apply(z, m.temperature, detector.threshold(), m.uncertainBand);
    }

    private List<TrackVerdict> trackVerdicts(List<FrameScore> scores, ModelMetadata m) {
        Map<Integer, List<FrameScore>> byTrack = new LinkedHashMap<>();
        for (FrameScore s : scores) {
            byTrack.computeIfAbsent(s.track(), k -> new ArrayList<>()).add(s);
        }
        int longest = byTrack.values().stream().mapToInt(List::size).max().orElse(0);
        int minFrames = Math.min(MIN_TRACK_FRAMES, longest);
        List<TrackVerdict> out = new ArrayList<>();
        for (Map.Entry<Integer, List<FrameScore>> e : byTrack.entrySet()) {
            List<FrameScore> t = e.getValue();
            if (t.size() >= minFrames) {
                out.add(new TrackVerdict(e.getKey(), t.get(0).seconds(), t.get(t.size() - 1).seconds(),
                        aggregate(t, m)));
            }
        }
        return out;
    }

    /** Collects sampled frames as tensors and scores them a batch at a time. */
    private final class Batch implements VideoReader.FrameSink {
        final Listener listener;
        final FaceFinder finder;
        final FaceTracker tracker = new FaceTracker(TRACK_MIN_IOU, TRACK_MAX_GAP);
        final List<FrameScore> scores = new ArrayList<>();
        final List<Integer> tracks = new ArrayList<>();
        final List<Rectangle> boxes = new ArrayList<>();
        long sampled;
        final List<Detector.PreparedImage> tensors = new ArrayList<>();
        final List<Long> indices = new ArrayList<>();
        final List<Double> times = new ArrayList<>();
        final List<BufferedImage> images = new ArrayList<>();
        /** The keepTop most suspicious frames so far, least suspicious at the head. */
        final PriorityQueue<VideoResult.KeptFrame> top =
                new PriorityQueue<>(Comparator.comparingDouble(k -> k.score().logOdds()));
        double scoreSeconds;

        Batch(Listener listener, FaceFinder finder) {
            this.listener = listener;
            this.finder = finder;
        }

        @Override
        public void frame(long index, double seconds, BufferedImage image) {
            long t0 = System.nanoTime();
            sampled++;
            if (finder == null) {
                add(index, seconds, image, -1, null);
            } else {
                List<Rectangle> faces = finder.find(image);
                int[] ids = tracker.update(faces);
                for (int i = 0; i < faces.size(); i++) {
                    Rectangle crop = FaceFinder.cropBox(faces.get(i), faceMargin, image.getWidth(), image.getHeight());
                    add(index, seconds, image.getSubimage(crop.x, crop.y, crop.width, crop.height), ids[i],
                            faces.get(i));
                }
            }
            scoreSeconds += (System.nanoTime() - t0) / 1e9;
        }

        private void add(long index, double seconds, BufferedImage image, int track, Rectangle box) {
            tensors.add(detector.prepare(image)); // copies: the reader reuses the image
            indices.add(index);
            times.add(seconds);
            tracks.add(track);
            boxes.add(box);
            if (keepTop > 0) {
                images.add(copy(image));
            }
            if (tensors.size() >= batchSize) {
                flush(); // timed by frame()
            }
        }

        @Override
        public void decoded(long count) {
            listener.progress(count, scores.size() + tensors.size());
        }

        void flush() {
            if (tensors.isEmpty()) {
                return;
            }
            List<Prediction> preds = detector.predictPrepared(tensors);
            for (int i = 0; i < preds.size(); i++) {
                Prediction p = preds.get(i);
                FrameScore score = new FrameScore(indices.get(i), times.get(i), p.logOdds(), p.pFake(),
                        tracks.get(i), boxes.get(i));
                scores.add(score);
                if (keepTop > 0) {
                    top.add(new VideoResult.KeptFrame(score, images.get(i)));
                    if (top.size() > keepTop) {
                        top.poll();
                    }
                }
            }
            images.clear();
            tracks.clear();
            boxes.clear();
            tensors.clear();
            indices.clear();
            times.clear();
        }
    }

    private static BufferedImage copy(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(src, 0, 0, null); // works for sub-images too (their rasters are offset)
        return out;
    }
}
