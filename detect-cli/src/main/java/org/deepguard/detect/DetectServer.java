package org.deepguard.detect;

import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.image.ImageProblem;
import org.deepguard.core.image.ImageScaling;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.Prediction;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepguard.core.video.Aggregation;
import org.deepguard.core.video.FrameSampling;
import org.deepguard.core.video.FrameScore;
import org.deepguard.core.video.VideoDetector;
import org.deepguard.core.video.VideoException;
import org.deepguard.core.video.VideoInfo;
import org.deepguard.core.video.VideoProblem;
import org.deepguard.core.video.VideoReader;
import org.deepguard.core.video.VideoResult;

/**
 * The web face of {@link Detector}: one page, {@code POST /api/detect}, {@code POST /api/detect-video},
 * {@code GET /health} and {@code GET /metrics}. The model is loaded by the caller once; uploads are sniffed and
 * size-checked by core's {@link ImageLoader} (the file name and the declared content type are never trusted) on the
 * request thread (at most {@code maxConcurrent} decoding at once), so a bad file gets its 4xx before it takes a
 * place in the queue. Good ones wait in a bounded {@link BatchingQueue} whose single worker scores the waiting images
 * in one forward pass; 503 (with Retry-After) only when the queue is full or a request's deadline passes while it
 * waits. {@link #close} refuses new uploads and answers the queued ones before stopping.
 */
public final class DetectServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DetectServer.class);

    /** Room for multipart boundaries and part headers on top of the image bytes. */
    static final long MULTIPART_SLACK = 64 * 1024;

    /** Draws the explanation overlay for a decoded image; kept behind an interface so the page works without one. */
    public interface OverlayRenderer {
        BufferedImage render(BufferedImage rgb, Prediction prediction);

        /** The whole score explained (JSON-ready, pictures as data URIs), or null when not offered. */
        default Map<String, Object> explain(BufferedImage rgb, Prediction prediction) {
            return null;
        }
    }

    /**
     * @param maxConcurrent uploads decoded and prepared at once (more wait for a turn, within their deadline)
     * @param queueSize     prepared uploads that may wait for the batching worker; one more gets 503
     * @param deadlineMillis longest an upload may wait (for a decoding turn and in the queue) before 503
     * @param maxBatch      most images in one forward pass
     * @param maxWaitMillis how long the worker waits for a batch to fill once an image is waiting
     */
    public record Settings(long maxBytes, long maxPixels, int maxConcurrent, int queueSize, long deadlineMillis,
                           int maxBatch, long maxWaitMillis) {
        public static final int DEFAULT_QUEUE_SIZE = 64;
        public static final long DEFAULT_DEADLINE_MILLIS = 10_000;
        public static final int DEFAULT_MAX_BATCH = 16;
        public static final long DEFAULT_MAX_WAIT_MILLIS = 2;

        public Settings {
            if (maxBytes <= 0 || maxPixels <= 0 || maxConcurrent <= 0 || queueSize <= 0 || deadlineMillis <= 0
                    || maxBatch <= 0 || maxWaitMillis < 0) {
                throw new IllegalArgumentException("upload limits, concurrency, queue size, deadline and batch size "
                        + "must be positive, the batch wait >= 0");
            }
        }

        /** The given limits with the default queue, deadline and batching. */
        public Settings(long maxBytes, long maxPixels, int maxConcurrent) {
            this(maxBytes, maxPixels, maxConcurrent, DEFAULT_QUEUE_SIZE, DEFAULT_DEADLINE_MILLIS, DEFAULT_MAX_BATCH,
                    DEFAULT_MAX_WAIT_MILLIS);
        }
    }

    /** Work for the batching worker: a prepared image (batched with others) or a video (scored alone). */
    sealed interface Work permits ImageWork, VideoWork {}

    record ImageWork(Detector.PreparedImage image) implements Work {}

    record VideoWork(Path file) implements Work {}

    /** One item's outcome: a prediction, a video result, or the video's own failure. */
    record Outcome(Prediction prediction, VideoResult video, VideoException videoError) {}

    private final Detector detector;
    private final OverlayRenderer overlay;
    private final Settings settings;
    private final Semaphore permits;
    private final String page;
    private final BatchingQueue<Work, Outcome> queue;
    private final ServeMetrics metrics;
    private volatile boolean stopping;
    private Javalin app;

    public DetectServer(Detector detector, OverlayRenderer overlay, Settings settings) {
        this.detector = detector;
        this.overlay = overlay;
        this.settings = settings;
        this.permits = new Semaphore(settings.maxConcurrent());
        this.page = resource("web/index.html");
        ServeMetrics[] m = new ServeMetrics[1];
        this.queue = new BatchingQueue<>("detect-serve-batcher", settings.queueSize(), settings.maxBatch(),
                TimeUnit.MILLISECONDS.toNanos(settings.maxWaitMillis()), this::score, new BatchingQueue.Listener() {
                    @Override
                    public void batch(int size, long nanos) {
                        m[0].batch(size);
                    }

                    @Override
                    public void expired() {
                        m[0].expired();
                    }
                });
        this.metrics = new ServeMetrics(queue::depth, settings.queueSize());
        m[0] = metrics;
    }

    /**
     * The batching worker's job: every image of the batch in one forward pass, each video on its own (a video's
     * frames are decoded and scored in {@link VideoDetector}'s own batches).
     */
    private List<Outcome> score(List<Work> items) {
        List<Detector.PreparedImage> images = new java.util.ArrayList<>();
        for (Work w : items) {
            if (w instanceof ImageWork iw) {
                images.add(iw.image());
            }
        }
        java.util.Iterator<Prediction> predictions = images.isEmpty() ? java.util.Collections.emptyIterator()
                : detector.predictPrepared(images).iterator();
        List<Outcome> out = new java.util.ArrayList<>(items.size());
        for (Work w : items) {
            if (w instanceof VideoWork vw) {
                try {
                    out.add(new Outcome(null, new VideoDetector(detector, new FrameSampling.Frames(VIDEO_FRAMES),
                            Aggregation.meanLogit(), VIDEO_FRAMES, VIDEO_FRAMES).detect(vw.file()), null));
                } catch (VideoException e) {
                    out.add(new Outcome(null, null, e));
                }
            } else {
                out.add(new Outcome(predictions.next(), null, null));
            }
        }
        return out;
    }

    /** Starts listening; port 0 picks a free port (see {@link #port()}). */
    public DetectServer start(String host, int port) {
        quietJetty();
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.disableCompression();
            // Uploads spill to a temp folder above 1 MiB instead of sitting in the heap.
            config.jetty.multipartConfig.maxFileSize(settings.maxBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(settings.maxBytes() + MULTIPART_SLACK, SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            // Graceful stop: Javalin writes a handler's result after the handler returns, so counting handlers is not
            // enough; Jetty's StatisticsHandler knows when a request is complete, and with a stop timeout Jetty waits
            // for those in progress before it closes connections (without it a queued upload's answer was lost now
            // and then on a loaded machine). Javalin nests its own handler inside this one.
            config.jetty.modifyServer(server -> {
                server.setHandler(new StatisticsHandler());
                server.setStopTimeout(STOP_TIMEOUT_MILLIS);
            });
        });
        app.get("/", ctx -> ctx.html(page));
        app.get("/health", this::health);
        app.get("/metrics", ctx -> ctx.status(200).contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        app.post("/api/detect", this::detect);
        app.post("/api/detect-video", this::detectVideo);
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("{} {} failed", ctx.method(), ctx.path(), e); // the client gets no stack trace; the operator does
            error(ctx, 500, "internal", "internal error: " + e.getClass().getSimpleName());
        });
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    /** The batching queue; tests pause its worker to let requests pile up. */
    BatchingQueue<Work, Outcome> queue() {
        return queue;
    }

    ServeMetrics metrics() {
        return metrics;
    }

    /** How long stopping Jetty waits for requests still in progress (their answers being written). */
    static final long STOP_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(30);

    /**
     * Graceful stop: new uploads get 503 {@code shutting_down}, every queued one is scored and answered, then the
     * listener closes once every request in progress has been completed (Jetty's graceful stop, see {@link #start}).
     */
    @Override
    public void close() {
        stopping = true;
        try {
            if (!queue.close(TimeUnit.MINUTES.toMillis(2))) {
                LOG.warn("the batching worker did not finish the queue within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (app != null) {
            app.stop();
        }
    }

    private void health(Context ctx) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("status", "ok");
        o.put("model_id", detector.bundle().metadata().modelId);
        o.put("threshold", detector.threshold());
        o.put("overlay", overlay != null);
        o.put("capacity", settings.maxConcurrent());
        o.put("available", permits.availablePermits());
        o.put("queue_size", settings.queueSize());
        o.put("queue_depth", queue.depth());
        o.put("max_batch", settings.maxBatch());
        o.put("deadline_ms", settings.deadlineMillis());
        o.put("stopping", stopping);
        json(ctx, 200, o);
    }

    /**
     * What an endpoint does with an accepted upload; {@code t0} is when the request was admitted and
     * {@code deadline} ({@link System#nanoTime()} scale) when it must have started scoring.
     */
    private interface UploadHandler {
        void handle(UploadedFile file, long t0, long deadline, Runnable checked) throws IOException, InterruptedException;
    }

    /** Metric label of a request's outcome, set where the answer is chosen. */
    private static final String OUTCOME = "deepguard.outcome";

    /** Scores {@code work} through the queue; null when the request has been answered with a 503. */
    private Outcome enqueue(Context ctx, Work work, long deadline) throws InterruptedException {
        BatchingQueue<Work, Outcome>.Ticket ticket;
        try {
            ticket = queue.submit(work, deadline);
        } catch (BatchingQueue.Rejected e) {
            if (e.reason() == BatchingQueue.Rejected.Reason.CLOSED) {
                shuttingDown(ctx);
            } else {
                unavailable(ctx, "queue_full", "the server is busy: " + queue.capacity()
                        + " uploads are already waiting; retry in a moment");
            }
            return null;
        }
        try {
            return ticket.await();
        } catch (BatchingQueue.DeadlinePassed e) {
            deadlinePassed(ctx);
            return null;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private void deadlinePassed(Context ctx) {
        unavailable(ctx, "deadline", "the upload waited longer than " + settings.deadlineMillis()
                + " ms for its turn; retry in a moment");
    }

    private void shuttingDown(Context ctx) {
        unavailable(ctx, "shutting_down", "the server is shutting down");
    }

    /** 503 with Retry-After: 1 s (a batch takes well under that; the client then finds room or a later deadline). */
    private void unavailable(Context ctx, String code, String message) {
        ctx.header("Retry-After", "1");
        error(ctx, 503, code, message);
    }

    /**
     * The admission rules shared by the upload endpoints: a declared size over the limit is refused before the body
     * is read, a part over the limit is 413 and a missing field 400; then {@code handler} checks the upload while
     * holding a decoding turn, which it gives back ({@code checked}) before it waits in the queue. Every answer is
     * counted in the metrics by endpoint and outcome.
     */
    private void withUpload(Context ctx, String endpoint, String field, UploadHandler handler)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        metrics.enter();
        boolean answered = false;
        try {
            upload(ctx, field, handler, t0);
            answered = true;
        } finally {
            String outcome = ctx.attribute(OUTCOME);
            if (!answered) {
                outcome = "error";
            } else if (outcome == null) {
                outcome = ctx.statusCode() < 300 ? "ok" : ctx.statusCode() < 500 ? "client_error" : "error";
            }
            metrics.request(endpoint, outcome, (System.nanoTime() - t0) / 1e9);
            metrics.leave();
        }
    }

    private void upload(Context ctx, String field, UploadHandler handler, long t0)
            throws IOException, InterruptedException {
        if (stopping) {
            shuttingDown(ctx);
            return;
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > settings.maxBytes() + MULTIPART_SLACK) {
            error(ctx, 413, ImageProblem.TOO_LARGE.code(), "upload of " + declared + " bytes exceeds the limit of "
                    + settings.maxBytes() + " bytes");
            return;
        }
        long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(settings.deadlineMillis());
        // A turn to read and check the upload: bounded so that many large uploads cannot fill the heap at once.
        if (!permits.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            deadlinePassed(ctx);
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean(true);
        Runnable checked = () -> {
            if (held.compareAndSet(true, false)) {
                permits.release();
            }
        };
        try {
            UploadedFile file;
            try {
                file = ctx.uploadedFile(field);
            } catch (IllegalStateException e) {
                // Jetty's multipart parser reports a part over maxFileSize this way.
                error(ctx, 413, ImageProblem.TOO_LARGE.code(), "upload exceeds the limit of " + settings.maxBytes()
                        + " bytes");
                return;
            }
            if (file == null) {
                error(ctx, 400, "missing_field", "send the " + field + " as multipart/form-data field '" + field + "'");
                return;
            }
            handler.handle(file, t0, deadline, checked);
        } finally {
            checked.run();
        }
    }

    private void detect(Context ctx) throws IOException, InterruptedException {
        withUpload(ctx, "image", "image", (file, t0, deadline, checked) -> detectImage(ctx, file, t0, deadline, checked));
    }

    private void detectImage(Context ctx, UploadedFile file, long t0, long deadline, Runnable checked)
            throws IOException, InterruptedException {
        if (file.size() > settings.maxBytes()) {
            error(ctx, 413, ImageProblem.TOO_LARGE.code(), "upload of " + file.size()
                    + " bytes exceeds the limit of " + settings.maxBytes() + " bytes");
            return;
        }
        String name = displayName(file.filename());
        byte[] bytes;
        try (InputStream in = file.content()) {
            bytes = in.readAllBytes();
        }
        DecodedImage image;
        Detector.PreparedImage prepared;
        try {
            image = ImageLoader.decode(bytes, name,
                    new ImageLoader.Limits(settings.maxBytes(), settings.maxPixels()));
            prepared = detector.prepare(image.rgb(), name);
        } catch (ImageLoadException e) {
            error(ctx, statusFor(e.problem()), e.problem().code(), e.getMessage());
            return;
        }
        bytes = null; // the prepared views are all that waits in the queue (and the decoded image, for the overlay)
        checked.run();
        Outcome scored = enqueue(ctx, new ImageWork(prepared), deadline);
        if (scored == null) {
            return;
        }
        Prediction p = scored.prediction();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("label", p.verdict().label());
        o.put("p_fake", round(p.pFake()));
        o.put("threshold", round(p.threshold()));
        o.put("model_id", detector.bundle().metadata().modelId);
        o.put("width", image.width());
        o.put("height", image.height());
        if (wantsOverlay(ctx)) {
            o.put("overlay", overlay == null ? null : dataUri(overlay.render(image.rgb(), p)));
        }
        if (overlay != null && "true".equalsIgnoreCase(ctx.queryParam("explain"))) { // the page asks; costs ~70 scores
            o.put("explanation", overlay.explain(image.rgb(), p));
        }
        o.put("ms", Math.round((System.nanoTime() - t0) / 1e5) / 10.0);
        json(ctx, 200, o);
    }

    /** Longest video the page accepts: the byte limit bounds the upload, this bounds the decoding work. */
    static final double MAX_VIDEO_SECONDS = 120;
    /** Frames scored per uploaded video, spread evenly: enough for a verdict, few enough to answer quickly. */
    static final int VIDEO_FRAMES = 8;

    /**
     * POST /api/detect-video (multipart field {@code video}): samples {@link #VIDEO_FRAMES} frames evenly, scores
     * them like images and aggregates with the mean of the log-odds (as {@code detect --video}). The answer carries
     * the verdict and a strip of the sampled frames, each with its p_fake and a small thumbnail.
     */
    private void detectVideo(Context ctx) throws IOException, InterruptedException {
        withUpload(ctx, "video", "video", (file, t0, deadline, checked) -> {
            // FFmpeg reads files, not streams: a private temp file, deleted whatever happens.
            Path tmp = Files.createTempFile("deepguard-upload-", ".video");
            try {
                detectVideoFile(ctx, file, tmp, t0, deadline, checked);
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    private void detectVideoFile(Context ctx, UploadedFile file, Path tmp, long t0, long deadline, Runnable checked)
            throws IOException, InterruptedException {
        String name = displayName(file.filename());
        try (InputStream in = file.content()) {
            Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        VideoInfo info;
        try (VideoReader reader = VideoReader.open(tmp)) {
            info = reader.info();
        } catch (VideoException e) {
            error(ctx, e.problem() == VideoProblem.NOT_A_VIDEO ? 415 : 422, e.problem().code(),
                    e.getMessage().replace(tmp.toString(), name));
            return;
        }
        if (info.durationSeconds() > MAX_VIDEO_SECONDS) {
            error(ctx, 413, "too_long", name + ": video lasts " + Math.round(info.durationSeconds())
                    + " s, the limit is " + (int) MAX_VIDEO_SECONDS + " s");
            return;
        }
        checked.run();
        // The video takes one place in the same queue and is scored by the same worker, after the images ahead.
        Outcome scored = enqueue(ctx, new VideoWork(tmp), deadline);
        if (scored == null) {
            return;
        }
        if (scored.videoError() != null) {
            VideoException e = scored.videoError();
            error(ctx, e.problem() == VideoProblem.NOT_A_VIDEO ? 415 : 422, e.problem().code(),
                    e.getMessage().replace(tmp.toString(), name));
            return;
        }
        VideoResult r = scored.video();
        Map<Long, BufferedImage> images = new java.util.HashMap<>();
        r.kept().forEach(k -> images.put(k.score().index(), k.image()));
        List<Map<String, Object>> strip = new java.util.ArrayList<>();
        for (FrameScore f : r.frames()) {
            Map<String, Object> fo = new LinkedHashMap<>();
            fo.put("index", f.index());
            fo.put("t", Math.round(f.seconds() * 1000) / 1000.0);
            fo.put("p_fake", round(f.pFake()));
            BufferedImage img = images.get(f.index());
            if (img != null) {
                fo.put("thumbnail", dataUri(ImageScaling.fit(img, 96)));
            }
            strip.add(fo);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("label", r.verdict().verdict().label());
        o.put("p_fake", round(r.verdict().pFake()));
        o.put("threshold", round(r.verdict().threshold()));
        o.put("rule", r.verdict().aggregation().describe());
        o.put("model_id", detector.bundle().metadata().modelId);
        o.put("duration_s", Math.round(info.durationSeconds() * 100) / 100.0);
        o.put("frames", strip);
        o.put("ms", Math.round((System.nanoTime() - t0) / 1e5) / 10.0);
        json(ctx, 200, o);
    }


    private static boolean wantsOverlay(Context ctx) {
        String v = ctx.queryParam("overlay");
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** too_large is about size (413); not an image or an unsupported one is a media-type problem (415). */
    static int statusFor(ImageProblem problem) {
        return switch (problem) {
            case TOO_LARGE -> 413;
            case NOT_AN_IMAGE, UNSUPPORTED_FORMAT -> 415;
            default -> 422;
        };
    }

    /** The client's file name, only for messages: no path, no control characters, bounded length. */
    static String displayName(String filename) {
        String n = filename == null ? "" : filename.replaceAll(".*[/\\\\]", "").replaceAll("\\p{Cntrl}", "");
        if (n.isBlank()) {
            n = "upload";
        }
        return n.length() > 100 ? n.substring(0, 100) : n;
    }

    static String dataUri(BufferedImage img) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    private static void error(Context ctx, int status, String code, String message) {
        if (status == 503) {
            ctx.attribute(OUTCOME, code);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("error", code);
        o.put("message", message);
        json(ctx, status, o);
    }

    private static void json(Context ctx, int status, Map<String, Object> body) {
        ctx.status(status).contentType("application/json").result(Json.line(body));
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    private static String resource(String name) {
        try (InputStream in = DetectServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Jetty and Javalin log request-level chatter at info; a local tool only needs their warnings. */
    private static void quietJetty() {
        for (String logger : new String[] {"org.eclipse.jetty", "io.javalin"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }
}
