package org.deepguard.core.video;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Scores a video: streams its frames, scores the sampled ones with the image {@link Detector} (same preprocessing,
 * same network, batched), and aggregates them into a {@link VideoVerdict}. Holds at most one batch of frame tensors.
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

    public VideoDetector(Detector detector, FrameSampling sampling, Aggregation aggregation, int batchSize) {
        this(detector, sampling, aggregation, batchSize, 0);
    }

    /** @param keepTop how many of the most suspicious frames to keep as images in the result (0: none) */
    public VideoDetector(Detector detector, FrameSampling sampling, Aggregation aggregation, int batchSize,
                         int keepTop) {
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
    }

    public Detector detector() {
        return detector;
    }

    public VideoResult detect(Path file) throws VideoException {
        return detect(file, new Listener() {});
    }

    public VideoResult detect(Path file, Listener listener) throws VideoException {
        try (VideoReader reader = VideoReader.open(file)) {
            listener.opened(file, reader.info(), reader.info().frameCount());
            Batch batch = new Batch(listener);
            long t0 = System.nanoTime();
            long decoded = reader.read(sampling, batch);
            batch.flush();
            double total = (System.nanoTime() - t0) / 1e9;
            if (batch.scores.isEmpty()) {
                throw new VideoException(file.toString(), VideoProblem.UNREADABLE, "no frame was sampled");
            }
            ModelMetadata m = detector.bundle().metadata();
            double[] z = batch.scores.stream().mapToDouble(FrameScore::logOdds).toArray();
            VideoVerdict verdict = aggregation.apply(z, m.temperature, detector.threshold(), m.uncertainBand);
            List<VideoResult.KeptFrame> kept = new ArrayList<>(batch.top);
            kept.sort(Comparator.comparingDouble((VideoResult.KeptFrame k) -> k.score().logOdds()).reversed());
            return new VideoResult(file, reader.info(), sampling, batch.scores, verdict, decoded,
                    Math.max(0, total - batch.scoreSeconds), batch.scoreSeconds, kept);
        }
    }

    /** Collects sampled frames as tensors and scores them a batch at a time. */
    private final class Batch implements VideoReader.FrameSink {
        final Listener listener;
        final List<FrameScore> scores = new ArrayList<>();
        final List<float[]> tensors = new ArrayList<>();
        final List<Long> indices = new ArrayList<>();
        final List<Double> times = new ArrayList<>();
        final List<BufferedImage> images = new ArrayList<>();
        /** The keepTop most suspicious frames so far, least suspicious at the head. */
        final PriorityQueue<VideoResult.KeptFrame> top =
                new PriorityQueue<>(Comparator.comparingDouble(k -> k.score().logOdds()));
        double scoreSeconds;

        Batch(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void frame(long index, double seconds, BufferedImage image) {
            long t0 = System.nanoTime();
            tensors.add(detector.preprocessor().toTensor(image)); // copies: the reader reuses the image
            indices.add(index);
            times.add(seconds);
            if (keepTop > 0) {
                images.add(copy(image));
            }
            scoreSeconds += (System.nanoTime() - t0) / 1e9;
            if (tensors.size() >= batchSize) {
                flush();
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
            long t0 = System.nanoTime();
            List<Prediction> preds = detector.predictTensors(tensors);
            for (int i = 0; i < preds.size(); i++) {
                Prediction p = preds.get(i);
                FrameScore score = new FrameScore(indices.get(i), times.get(i), p.logOdds(), p.pFake());
                scores.add(score);
                if (keepTop > 0) {
                    top.add(new VideoResult.KeptFrame(score, images.get(i)));
                    if (top.size() > keepTop) {
                        top.poll();
                    }
                }
            }
            images.clear();
            tensors.clear();
            indices.clear();
            times.clear();
            scoreSeconds += (System.nanoTime() - t0) / 1e9;
        }
    }

    private static BufferedImage copy(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.setData(src.getData());
        return out;
    }
}
