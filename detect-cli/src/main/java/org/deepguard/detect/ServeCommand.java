package org.deepguard.detect;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.ModelMixin;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve",
        description = "Local web page and JSON API: drop an image, see Real/Fake, p_fake and the heatmap overlay.",
        footer = {"", "Examples:",
                "  detect serve --model models/v1        # then open http://127.0.0.1:8080/",
                "  detect serve -m models/v1 --port 9000 --max-concurrent 1",
                "  detect serve -m models/v1 --queue-size 128 --deadline-ms 5000 --max-batch 32",
                "  curl -F image=@face.png 'http://127.0.0.1:8080/api/detect?overlay=true'",
                "",
                "POST /api/detect, multipart field 'image': {label, p_fake, threshold,",
                "  model_id, width, height, ms, overlay (PNG data URI, with ?overlay=true)}.",
                "Errors: {error, message} with 400 missing_field, 413 too_large,",
                "  415 not_an_image/unsupported_format, 422 corrupt/truncated/zero_byte,",
                "  503 queue_full / deadline / shutting_down (with Retry-After).",
                "GET /health: {status, model_id, threshold, overlay, capacity, available,",
                "  queue_size, queue_depth, max_batch, deadline_ms, stopping}.",
                "GET /metrics: Prometheus text (requests by outcome, latency and batch-size",
                "  histograms, queue depth).",
                "Uploads are checked (size, content, pixels) before they queue; the queued",
                "  images are scored together, up to --max-batch per forward pass.",
                "Listens on 127.0.0.1 unless --host says otherwise; there is no login."})
public class ServeCommand extends BaseCommand {
    @Mixin
    ModelMixin model = new ModelMixin();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--threshold", description = "Decision threshold on p_fake (default: the bundle's).")
    Double threshold;

    @Option(names = "--max-upload-mb", defaultValue = "20", description = "Largest upload in MiB (default: ${DEFAULT-VALUE}).")
    int maxUploadMb;

    @Option(names = "--max-pixels", defaultValue = "40000000",
            description = "Largest image in pixels, checked before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--max-concurrent",
            description = "Uploads read and checked at once; more wait their turn (default: CPU cores).")
    Integer maxConcurrent;

    @Option(names = "--queue-size", defaultValue = "" + DetectServer.Settings.DEFAULT_QUEUE_SIZE,
            description = "Checked uploads that may wait for scoring; one more gets 503 queue_full (default: ${DEFAULT-VALUE}).")
    int queueSize;

    @Option(names = "--deadline-ms", defaultValue = "" + DetectServer.Settings.DEFAULT_DEADLINE_MILLIS,
            description = "Longest an upload waits for its turn before 503 deadline (default: ${DEFAULT-VALUE}).")
    long deadlineMs;

    @Option(names = "--max-batch", defaultValue = "" + DetectServer.Settings.DEFAULT_MAX_BATCH,
            description = "Most waiting images scored in one forward pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "" + DetectServer.Settings.DEFAULT_MAX_WAIT_MILLIS,
            description = "How long the batcher waits for a batch to fill; 0 takes what is waiting (default: ${DEFAULT-VALUE}).")
    long maxWaitMs;

    @Option(names = "--no-overlay", negatable = false, description = "Do not compute heatmap overlays.")
    boolean noOverlay;

    /** Released by tests (or never: the JVM's shutdown hook stops the server on Ctrl-C). */
    final CountDownLatch stop = new CountDownLatch(1);
    volatile DetectServer server;

    @Override
    protected int run() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CliException(ExitCode.USAGE, "--port must lie in [0, 65535]");
        }
        if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
            throw new CliException(ExitCode.USAGE, "--threshold must lie in [0, 1]");
        }
        if (maxUploadMb <= 0 || maxPixels <= 0 || (maxConcurrent != null && maxConcurrent <= 0)) {
            throw new CliException(ExitCode.USAGE, "--max-upload-mb, --max-pixels and --max-concurrent must be positive");
        }
        if (queueSize <= 0 || deadlineMs <= 0 || maxBatch <= 0 || maxWaitMs < 0) {
            throw new CliException(ExitCode.USAGE,
                    "--queue-size, --deadline-ms and --max-batch must be positive, --max-wait-ms >= 0");
        }
        ModelBundle bundle = model.load();
        Detector detector = threshold == null ? new Detector(bundle) : new Detector(bundle, threshold);
        // One forward pass now, so the first visitor does not pay for ND4J's lazy set-up.
        int s = detector.preprocessor().spec().inputSize();
        detector.predictTensors(List.of(new float[3 * s * s]));
        DetectServer.OverlayRenderer overlay = noOverlay ? null : GradCamOverlay.forDetector(detector);
        int concurrent = maxConcurrent != null ? maxConcurrent : Math.max(1, Runtime.getRuntime().availableProcessors());
        DetectServer.Settings settings = new DetectServer.Settings((long) maxUploadMb << 20, maxPixels, concurrent,
                queueSize, deadlineMs, maxBatch, maxWaitMs);
        try {
            server = new DetectServer(detector, overlay, settings).start(host, port);
        } catch (RuntimeException e) {
            throw new CliException(ExitCode.IO, "cannot listen on " + host + ":" + port + ": " + rootMessage(e), e);
        }
        Thread hook = new Thread(server::close, "detect-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        String shown = host.contains(":") ? "[" + host + "]" : host;
        out().println("Serving model " + bundle.metadata().modelId + " on http://" + shown + ":" + server.port()
                + "/  (Ctrl-C stops)");
        out().flush();
        try {
            stop.await();
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
        return ExitCode.OK;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
