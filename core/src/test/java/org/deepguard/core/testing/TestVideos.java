package org.deepguard.core.testing;

import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.IntFunction;

/** Tiny video fixtures written by the tests themselves with javacv's recorder (no external ffmpeg). */
public final class TestVideos {
    static {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR); // the recorder's stream dump would flood the test log
    }

    private TestVideos() {}

    /** Lossless: PNG-coded RGB frames in AVI, so decoded frames equal the images bit for bit. */
    public static Path pngAvi(Path file, int frames, double fps, IntFunction<BufferedImage> frame) throws IOException {
        return record(file, "avi", avcodec.AV_CODEC_ID_PNG, avutil.AV_PIX_FMT_RGB24, frames, fps, frame);
    }

    /** Lossless FFV1 (BGR0) in Matroska; Matroska keeps no frame count, so readers must count or estimate. */
    public static Path ffv1Mkv(Path file, int frames, double fps, IntFunction<BufferedImage> frame) throws IOException {
        return record(file, "matroska", avcodec.AV_CODEC_ID_FFV1, avutil.AV_PIX_FMT_BGR0, frames, fps, frame);
    }

    /** Lossy MPEG-4 part 2 in MP4, the typical shape of a user's clip. */
    public static Path mp4(Path file, int frames, double fps, IntFunction<BufferedImage> frame) throws IOException {
        return record(file, "mp4", avcodec.AV_CODEC_ID_MPEG4, avutil.AV_PIX_FMT_YUV420P, frames, fps, frame);
    }

    /**
     * Lossless PNG frames in QuickTime, shown turned 90 degrees clockwise: the track header's identity matrix is
     * patched to the one ffmpeg writes for a 90-degree rotation (the recorder of javacv 1.5.7 cannot set it).
     */
    public static Path rotated90Mov(Path file, int frames, double fps, IntFunction<BufferedImage> frame)
            throws IOException {
        record(file, "mov", avcodec.AV_CODEC_ID_PNG, avutil.AV_PIX_FMT_RGB24, frames, fps, frame);
        byte[] b = Files.readAllBytes(file);
        int height = frame.apply(0).getHeight();
        java.nio.ByteBuffer identity = java.nio.ByteBuffer.allocate(36)
                .putInt(0x10000).putInt(0).putInt(0).putInt(0).putInt(0x10000).putInt(0).putInt(0).putInt(0)
                .putInt(0x40000000);
        java.nio.ByteBuffer turned = java.nio.ByteBuffer.allocate(36)
                .putInt(0).putInt(0x10000).putInt(0).putInt(-0x10000).putInt(0).putInt(0).putInt(height << 16)
                .putInt(0).putInt(0x40000000);
        int tkhd = indexOf(b, "tkhd".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0);
        int at = indexOf(b, identity.array(), tkhd);
        if (tkhd < 0 || at < 0) {
            throw new IOException("no track matrix found in " + file);
        }
        System.arraycopy(turned.array(), 0, b, at, 36);
        return Files.write(file, b);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static Path record(Path file, String format, int codec, int pixelFormat, int frames, double fps,
                              IntFunction<BufferedImage> frame) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        BufferedImage first = frame.apply(0);
        FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toFile(), first.getWidth(), first.getHeight(), 0);
        rec.setFormat(format);
        rec.setVideoCodec(codec);
        rec.setPixelFormat(pixelFormat);
        rec.setFrameRate(fps);
        rec.setGopSize(10);
        rec.setVideoQuality(4);
        try (Java2DFrameConverter conv = new Java2DFrameConverter()) {
            rec.start();
            for (int i = 0; i < frames; i++) {
                rec.record(conv.convert(bgr(i == 0 ? first : frame.apply(i))));
            }
            rec.stop();
            rec.release();
        } catch (FFmpegFrameRecorder.Exception e) {
            throw new IOException("cannot record " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /** A copy of the first half of a file's bytes. */
    public static Path firstHalf(Path full, Path cut) throws IOException {
        byte[] bytes = Files.readAllBytes(full);
        Files.createDirectories(cut.toAbsolutePath().getParent());
        return Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    }

    /** Frame i is a flat grey of level 10 * i (distinct, easy to recognise after decoding). */
    public static BufferedImage grey(int size, int i) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
        int v = Math.min(255, 10 * i);
        int rgb = (v << 16) | (v << 8) | v;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /**
     * A schematic frontal face (skin oval, hair, brows, eyes, nose, mouth) of width {@code fs} at (fx, fy) on a
     * dark background: OpenCV's default Haar cascade finds it, deterministically, for fs of 50 to 80 in 128 px.
     */
    public static BufferedImage cartoonFace(int size, int fx, int fy, int fs) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = img.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new java.awt.Color(60, 70, 80));
        g.fillRect(0, 0, size, size);
        g.setColor(new java.awt.Color(225, 190, 160));
        g.fillOval(fx, fy, fs, (int) (fs * 1.25));
        g.setColor(new java.awt.Color(40, 30, 20));
        g.fillArc(fx - fs / 20, fy - fs / 10, fs + fs / 10, fs / 2, 0, 180);
        g.setColor(new java.awt.Color(50, 35, 25));
        g.fillRect(fx + fs * 18 / 100, fy + fs * 36 / 100, fs * 22 / 100, fs * 5 / 100);
        g.fillRect(fx + fs * 60 / 100, fy + fs * 36 / 100, fs * 22 / 100, fs * 5 / 100);
        g.setColor(new java.awt.Color(30, 25, 25));
        g.fillOval(fx + fs * 21 / 100, fy + fs * 45 / 100, fs * 16 / 100, fs * 9 / 100);
        g.fillOval(fx + fs * 63 / 100, fy + fs * 45 / 100, fs * 16 / 100, fs * 9 / 100);
        g.setColor(new java.awt.Color(190, 150, 125));
        g.fillOval(fx + fs * 44 / 100, fy + fs * 62 / 100, fs * 12 / 100, fs * 12 / 100);
        g.setColor(new java.awt.Color(140, 60, 60));
        g.fillOval(fx + fs * 33 / 100, fy + fs * 86 / 100, fs * 34 / 100, fs * 8 / 100);
        g.dispose();
        return img;
    }

    private static BufferedImage bgr(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return img;
        }
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        out.getGraphics().drawImage(img, 0, 0, null);
        return out;
    }
}
