package org.deepguard.core.video;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams the frames of one video through FFmpeg (javacv's {@link FFmpegFrameGrabber}): one decoded frame is held
 * at a time, so memory does not grow with the video's length. Frames are numbered in presentation order from 0;
 * times are seconds from the start of the video stream.
 */
public final class VideoReader implements AutoCloseable {
    static {
        // Failures are reported as our own one-line errors; FFmpeg's native log would only add noise on stderr.
        avutil.av_log_set_level(avutil.AV_LOG_QUIET);
    }

    /** Receives sampled frames. The image is reused by the reader: use it before returning. */
    public interface FrameSink {
        void frame(long index, double seconds, BufferedImage image) throws VideoException;

        /** Called after every decoded frame (sampled or not) with the running count. */
        default void decoded(long count) {}
    }

    private final Path file;
    private final String source;
    private final ContainerCheck.Result container;
    private final FFmpegFrameGrabber grabber;
    private final int streamIndex;
    private final long startMicros;
    private final VideoInfo info;

    private VideoReader(Path file, ContainerCheck.Result container, FFmpegFrameGrabber grabber) {
        this.file = file;
        this.source = file.toString();
        this.container = container;
        this.grabber = grabber;
        AVFormatContext oc = grabber.getFormatContext();
        int index = -1;
        for (int i = 0; i < oc.nb_streams(); i++) {
            if (oc.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                index = i; // the grabber decodes the first video stream
                break;
            }
        }
        this.streamIndex = index;
        AVStream st = oc.streams(index);
        AVRational tb = st.time_base();
        this.startMicros = st.start_time() == avutil.AV_NOPTS_VALUE ? 0
                : 1_000_000L * st.start_time() * tb.num() / tb.den();
        double duration = st.duration() != avutil.AV_NOPTS_VALUE && st.duration() > 0
                ? (double) st.duration() * tb.num() / tb.den()
                : Math.max(0, oc.duration()) / (double) avutil.AV_TIME_BASE;
        long frames = st.nb_frames() > 0 ? st.nb_frames() : -1;
        this.info = new VideoInfo(grabber.getFormat(), avcodec.avcodec_get_name(st.codecpar().codec_id()).getString(),
                grabber.getImageWidth(), grabber.getImageHeight(), grabber.getVideoFrameRate(), frames, duration,
                rotation(st));
    }

    /** Clockwise rotation the player applies, as the ffmpeg tool computes it: minus the display matrix angle. */
    private static int rotation(AVStream st) {
        BytePointer matrix = avformat.av_stream_get_side_data(st, avcodec.AV_PKT_DATA_DISPLAYMATRIX,
                (SizeTPointer) null);
        if (matrix == null || matrix.isNull()) {
            return 0;
        }
        double theta = -avutil.av_display_rotation_get(new IntPointer(matrix));
        if (Double.isNaN(theta)) {
            return 0;
        }
        int quarter = (int) Math.round(theta / 90.0);
        return Math.floorMod(quarter * 90, 360);
    }

    /** Opens a video, with one-line errors for files that are missing, not videos, or cut short. */
    public static VideoReader open(Path file) throws VideoException {
        String source = file.toString();
        if (!Files.exists(file)) {
            throw new VideoException(source, VideoProblem.MISSING, null);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new VideoException(source, VideoProblem.UNREADABLE, "not a readable file");
        }
        ContainerCheck.Result container;
        try {
            if (Files.size(file) == 0) {
                throw new VideoException(source, VideoProblem.EMPTY, null);
            }
            container = ContainerCheck.inspect(file);
        } catch (IOException e) {
            throw new VideoException(source, VideoProblem.UNREADABLE, e.getMessage(), e);
        }
        switch (container.kind()) {
            case IMAGE -> throw new VideoException(source, VideoProblem.NOT_A_VIDEO, "a still image: use --image");
            case TEXT -> throw new VideoException(source, VideoProblem.NOT_A_VIDEO, "text file");
            default -> { }
        }
        if (container.truncation() != null) {
            throw new VideoException(source, VideoProblem.TRUNCATED, container.truncation());
        }
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        g.setImageMode(FrameGrabber.ImageMode.COLOR);
        g.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
        try {
            g.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            release(g);
            throw new VideoException(source, container.knownVideo() ? VideoProblem.UNREADABLE : VideoProblem.NOT_A_VIDEO,
                    "FFmpeg cannot open it: " + ffmpegCall(e.getMessage()), e);
        }
        if (!g.hasVideo() || g.getImageWidth() <= 0 || g.getImageHeight() <= 0) {
            release(g);
            throw new VideoException(source, VideoProblem.NOT_A_VIDEO, "no video stream");
        }
        return new VideoReader(file, container, g);
    }

    public VideoInfo info() {
        return info;
    }

    /** Frame count from the container, or else by reading every packet of the video stream (no decoding). */
    public long frameCount() throws VideoException {
        if (info.frameCount() >= 0) {
            return info.frameCount();
        }
        FFmpegFrameGrabber counter = new FFmpegFrameGrabber(file.toFile());
        try {
            counter.start();
            long n = 0;
            AVPacket pkt;
            while ((pkt = counter.grabPacket()) != null) {
                if (pkt.stream_index() == streamIndex) {
                    n++;
                }
                avcodec.av_packet_unref(pkt);
            }
            return n;
        } catch (FrameGrabber.Exception e) {
            throw new VideoException(source, VideoProblem.UNREADABLE, firstLine(e.getMessage()), e);
        } finally {
            release(counter);
        }
    }

    /**
     * Decodes from the current position to the end (or until the sampling needs no more frames), handing the
     * sampled frames to the sink. Returns the number of frames decoded.
     */
    public long read(FrameSampling sampling, FrameSink sink) throws VideoException {
        long total = sampling.needsFrameCount() ? frameCount() : info.frameCount();
        FrameSampling.Selector selector = sampling.selector(total, info.frameRate());
        BufferedImage image = null;
        BufferedImage turned = null;
        long index = 0;
        double last = -1;
        boolean stoppedEarly = false;
        while (true) {
            Frame f;
            try {
                f = grabber.grabImage();
            } catch (FrameGrabber.Exception | RuntimeException e) {
                throw new VideoException(source, VideoProblem.UNREADABLE,
                        "frame " + index + ": " + firstLine(e.getMessage()), e);
            }
            if (f == null) {
                break;
            }
            if (f.image == null) {
                continue;
            }
            double seconds = (f.timestamp - startMicros) / 1e6;
            if (selector.take(index, seconds)) {
                image = toRgb(f, image);
                if (info.rotation() != 0) {
                    turned = rotate(image, info.rotation(), turned);
                }
                sink.frame(index, seconds, info.rotation() != 0 ? turned : image);
            }
            last = seconds;
            index++;
            sink.decoded(index);
            if (selector.done()) {
                stoppedEarly = true;
                break;
            }
        }
        if (index == 0) {
            throw new VideoException(source, container.knownVideo() ? VideoProblem.TRUNCATED : VideoProblem.UNREADABLE,
                    "no frame could be decoded");
        }
        if (!stoppedEarly) {
            checkComplete(index, last);
        }
        return index;
    }

    /**
     * A stream that ends well before what the container announced was cut (or is damaged). A few frames of slack
     * (2 plus 5%): edit lists and decoder delay legitimately drop some.
     */
    private void checkComplete(long decoded, double lastSeconds) throws VideoException {
        long expected = info.frameCount();
        if (expected > 0 && decoded < expected - 2 - 0.05 * expected) {
            throw new VideoException(source, VideoProblem.TRUNCATED, "decoded " + decoded + " of " + expected + " frames");
        }
        double rate = info.frameRate();
        double duration = info.durationSeconds();
        if (expected < 0 && rate > 0 && duration > 0) {
            double covered = lastSeconds + 1 / rate;
            if (covered < duration - 2 / rate - 0.05 * duration) {
                throw new VideoException(source, VideoProblem.TRUNCATED,
                        String.format(java.util.Locale.ROOT, "stream ends at %.2f s of %.2f s", covered, duration));
            }
        }
    }

    /**
     * The grabber's BGR24 frame (rows padded to its stride) as 8-bit sRGB, into {@code reuse} when it fits.
     * Written by hand: javacv's Java2DFrameConverter falls back to a linear-RGB colour space for padded rows, which
     * would change the pixel values the network sees.
     */
    static BufferedImage toRgb(Frame f, BufferedImage reuse) {
        int w = f.imageWidth;
        int h = f.imageHeight;
        // The grabber converts to BGR24 (COLOR mode); f.imageChannels is stride / width and wrong for padded rows.
        int stride = f.imageStride;
        if (f.imageDepth != Frame.DEPTH_UBYTE || stride < 3 * w) {
            throw new IllegalStateException("expected 8-bit BGR frames, got stride " + stride + " for width " + w);
        }
        BufferedImage img = reuse != null && reuse.getWidth() == w && reuse.getHeight() == h ? reuse
                : new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        ByteBuffer buf = (ByteBuffer) f.image[0];
        byte[] row = new byte[3 * w];
        for (int y = 0; y < h; y++) {
            buf.get(y * stride, row, 0, row.length); // bulk copy: per-byte reads of a direct buffer are slow
            int base = y * w;
            for (int x = 0, o = 0; x < w; x++, o += 3) {
                px[base + x] = (row[o + 2] & 0xFF) << 16 | (row[o + 1] & 0xFF) << 8 | (row[o] & 0xFF);
            }
        }
        return img;
    }

    /** Clockwise rotation by a quarter-turn multiple, into {@code reuse} when it fits. */
    static BufferedImage rotate(BufferedImage src, int degrees, BufferedImage reuse) {
        int w = src.getWidth();
        int h = src.getHeight();
        boolean swap = degrees == 90 || degrees == 270;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        BufferedImage out = reuse != null && reuse.getWidth() == ow && reuse.getHeight() == oh ? reuse
                : new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        int[] in = ((DataBufferInt) src.getRaster().getDataBuffer()).getData();
        int[] px = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = in[y * w + x];
                switch (degrees) {
                    case 90 -> px[x * ow + (h - 1 - y)] = v;
                    case 180 -> px[(h - 1 - y) * ow + (w - 1 - x)] = v;
                    case 270 -> px[(w - 1 - x) * ow + y] = v;
                    default -> px[y * ow + x] = v;
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        release(grabber);
    }

    private static void release(FFmpegFrameGrabber g) {
        try {
            g.close();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // nothing useful to do: the file is only read
        }
    }

    /** "avformat_open_input() error -1094995529: Could not open ..." -> "avformat_open_input() error -1094995529". */
    private static String ffmpegCall(String s) {
        String line = firstLine(s);
        int colon = line == null ? -1 : line.indexOf(':');
        return colon > 0 ? line.substring(0, colon) : line;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return null;
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
