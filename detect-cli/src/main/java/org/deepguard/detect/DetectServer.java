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
import java.util.concurrent.Semaphore;
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
 * The web face of {@link Detector}: one page, {@code POST /api/detect} and {@code GET /health}. The model is loaded
 * by the caller once; uploads are sniffed and size-checked by core's {@link ImageLoader} (the file name and the
 * declared content type are never trusted); at most {@code maxConcurrent} requests score at once and the rest get an
 * immediate 503 rather than queueing behind inference.
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

    public record Settings(long maxBytes, long maxPixels, int maxConcurrent) {
        public Settings {
            if (maxBytes <= 0 || maxPixels <= 0 || maxConcurrent <= 0) {
                throw new IllegalArgumentException("upload limits and concurrency must be positive");
            }
        }
    }

    private final Detector detector;
    private final OverlayRenderer overlay;
    private final Settings settings;
    private final Semaphore permits;
    private final String page;
    private Javalin app;

    public DetectServer(Detector detector, OverlayRenderer overlay, Settings settings) {
        this.detector = detector;
        this.overlay = overlay;
        this.settings = settings;
        this.permits = new Semaphore(settings.maxConcurrent());
        this.page = resource("web/index.html");
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
        });
        app.get("/", ctx -> ctx.html(page));
        app.get("/health", this::health);
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

    /** Requests that may score now; tests take permits to stand in for slow requests. */
    Semaphore permits() {
        return permits;
    }

    @Override
    public void close() {
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
        json(ctx, 200, o);
    }

    /** What an endpoint does with an accepted upload; {@code t0} is when the request was admitted. */
    private interface UploadHandler {
        void handle(UploadedFile file, long t0) throws IOException;
    }

    /**
     * The admission rules shared by the upload endpoints: a declared size over the limit is refused before the body
     * is read, a full server answers 503 busy, a part over the limit is 413 and a missing field 400; the permit is
     * held while {@code handler} runs.
     */
    private void withUpload(Context ctx, String field, UploadHandler handler) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > settings.maxBytes() + MULTIPART_SLACK) {
            error(ctx, 413, ImageProblem.TOO_LARGE.code(), "upload of " + declared + " bytes exceeds the limit of "
                    + settings.maxBytes() + " bytes");
            return;
        }
        if (!permits.tryAcquire()) {
            ctx.header("Retry-After", "1");
            error(ctx, 503, "busy", "the server is busy scoring other uploads; retry in a moment");
            return;
        }
        try {
            long t0 = System.nanoTime();
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
            handler.handle(file, t0);
        } finally {
            permits.release();
        }
    }

    private void detect(Context ctx) throws IOException {
        withUpload(ctx, "image", (file, t0) -> detectImage(ctx, file, t0));
    }

    private void detectImage(Context ctx, UploadedFile file, long t0) throws IOException {
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
        Prediction p;
        try {
            image = ImageLoader.decode(bytes, name,
                    new ImageLoader.Limits(settings.maxBytes(), settings.maxPixels()));
            p = detector.predictPrepared(List.of(detector.prepare(image.rgb(), name))).get(0);
        } catch (ImageLoadException e) {
            error(ctx, statusFor(e.problem()), e.problem().code(), e.getMessage());
            return;
        }
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
    private void detectVideo(Context ctx) throws IOException {
        withUpload(ctx, "video", (file, t0) -> {
            // FFmpeg reads files, not streams: a private temp file, deleted whatever happens.
            Path tmp = Files.createTempFile("deepguard-upload-", ".video");
            try {
                detectVideoFile(ctx, file, tmp, t0);
            } finally {
                Files.deleteIfExists(tmp);
            }
        });
    }

    private void detectVideoFile(Context ctx, UploadedFile file, Path tmp, long t0) throws IOException {
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
        VideoResult r;
        try {
            r = new VideoDetector(detector, new FrameSampling.Frames(VIDEO_FRAMES), Aggregation.meanLogit(),
                    VIDEO_FRAMES, VIDEO_FRAMES).detect(tmp);
        } catch (VideoException e) {
            error(ctx, e.problem() == VideoProblem.NOT_A_VIDEO ? 415 : 422, e.problem().code(),
                    e.getMessage().replace(tmp.toString(), name));
            return;
        }
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
