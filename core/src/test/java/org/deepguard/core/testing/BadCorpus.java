package org.deepguard.core.testing;

import org.deepguard.core.sample.SampleGenerator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * A generated ImageFolder dataset with one or more files for every scan reason code, and the exact counts a scan
 * with the core defaults (min side 8, max aspect 4, 100 MP) must report. Also hashes every file, so tests can show
 * that no command touched a source.
 */
public final class BadCorpus {
    /** Expected reason -> count for a scan of {@link #write} (usable rows under ""). */
    public static final Map<String, Integer> EXPECTED = Map.ofEntries(
            Map.entry("", 13),
            Map.entry("zero_byte", 1),
            Map.entry("not_an_image", 1),
            Map.entry("unsupported_format", 1),
            Map.entry("corrupt", 1),
            Map.entry("truncated", 1),
            Map.entry("too_large", 1),
            Map.entry("too_small", 1),
            Map.entry("extreme_aspect", 1),
            Map.entry("duplicate", 1),
            Map.entry("conflicting_labels", 2));

    private BadCorpus() {}

    public static Path write(Path root) throws IOException {
        Path real = root.resolve("real");
        Path fake = root.resolve("fake");
        for (int i = 0; i < 4; i++) {
            TestImages.png(real.resolve("ok_" + i + ".png"), TestImages.texture(48, 100 + i));
            TestImages.png(fake.resolve("ok_" + i + ".png"), SampleGenerator.upsampled(48, new SplittableRandom(200 + i)));
        }
        // Near-duplicate of real/ok_1: re-encoded as JPEG q90 and resized to 90%: usable, grouped with it.
        Files.write(real.resolve("ok_1_copy.jpg"), jpeg(resize(ImageIO.read(real.resolve("ok_1.png").toFile()), 0.9), 0.9f));
        // Colour modes that are converted, not excluded.
        BufferedImage gray = new BufferedImage(40, 40, BufferedImage.TYPE_BYTE_GRAY);
        gray.getGraphics().drawImage(TestImages.texture(40, 300), 0, 0, null);
        TestImages.png(real.resolve("gray.png"), gray);
        BufferedImage gray16 = new BufferedImage(40, 40, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getGraphics().drawImage(TestImages.texture(40, 301), 0, 0, null);
        TestImages.png(fake.resolve("gray16.png"), gray16);
        BufferedImage rgba = new BufferedImage(40, 40, BufferedImage.TYPE_INT_ARGB);
        rgba.getGraphics().drawImage(TestImages.texture(40, 302), 0, 0, null);
        TestImages.png(fake.resolve("rgba.png"), rgba);
        Files.write(real.resolve("cmyk.jpg"), cmykJpeg(40));

        Files.write(real.resolve("zero.png"), new byte[0]);
        TestImages.textNamedPng(real.resolve("text.png"));
        Files.write(real.resolve("photo.jpg"), heicHeader());
        byte[] okPng = Files.readAllBytes(fake.resolve("ok_0.png"));
        byte[] corrupt = okPng.clone();
        for (int i = 16; i < 29; i++) {
            corrupt[i] = 0; // IHDR declares a 0x0 image with an unknown bit depth
        }
        Files.write(fake.resolve("corrupt.png"), corrupt);
        TestImages.truncatedPng(fake.resolve("truncated.png"), 64);
        Files.write(real.resolve("bomb.png"), pngHeaderOnly(50_000, 50_000));
        TestImages.png(real.resolve("tiny.png"), TestImages.texture(4, 5));
        BufferedImage wide = new BufferedImage(200, 20, BufferedImage.TYPE_INT_RGB);
        wide.getGraphics().drawImage(TestImages.texture(200, 6), 0, 0, null);
        TestImages.png(fake.resolve("wide.png"), wide);
        // Exact copy, same label: "a_dup.png" sorts first, so it is kept and ok_2.png is the duplicate.
        Files.copy(real.resolve("ok_2.png"), real.resolve("a_dup.png"));
        // Same bytes under both labels: both excluded.
        TestImages.png(real.resolve("both.png"), TestImages.texture(48, 400));
        Files.copy(real.resolve("both.png"), fake.resolve("both.png"));
        return root;
    }

    /** Path (relative, '/') -> SHA-256 of every file under root. */
    public static Map<String, String> hashes(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                try {
                    out.put(root.relativize(p).toString().replace('\\', '/'),
                            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return out;
    }

    public static BufferedImage resize(BufferedImage src, double factor) {
        return org.deepguard.core.image.ImageScaling.scaled(src, factor);
    }

    public static byte[] jpeg(BufferedImage img, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(buf)) {
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.setOutput(ios);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return buf.toByteArray();
    }

    /** A 4-component (CMYK, Adobe APP14 marker) JPEG of size x size. */
    public static byte[] cmykJpeg(int size) throws IOException {
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, size, size, 4, null);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                r.setSample(x, y, 0, x * 255 / size);
                r.setSample(x, y, 1, y * 255 / size);
                r.setSample(x, y, 2, 100);
                r.setSample(x, y, 3, 30);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(buf)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(r, null, null), writer.getDefaultWriteParam());
        } finally {
            writer.dispose();
        }
        byte[] raw = buf.toByteArray();
        // APP14 "Adobe", transform 0: tells decoders the four channels are CMYK.
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] out = new byte[raw.length + app14.length];
        System.arraycopy(raw, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(raw, 2, out, 2 + app14.length, raw.length - 2);
        return out;
    }

    /** An ISO-media (HEIC) header: an image format we recognise but do not decode. */
    static byte[] heicHeader() {
        byte[] b = new byte[64];
        byte[] head = "\0\0\0\u0018ftypheic\0\0\0\0mif1heic".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(head, 0, b, 0, head.length);
        return b;
    }

    /** A PNG whose header declares width x height and holds no pixel data: a decompression-bomb stand-in. */
    public static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
