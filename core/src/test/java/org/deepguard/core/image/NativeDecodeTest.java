package org.deepguard.core.image;

import org.deepguard.core.data.PerceptualHash;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scan's native fast path: takes only plain, whole files, and then agrees with the ImageIO decode. */
class NativeDecodeTest {
    private static BufferedImage picture(int w, int h, long seed, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(TestImages.texture(64, seed), 0, 0, w, h, null);
        g.dispose();
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, format, out);
        return out.toByteArray();
    }

    private static int[] pixels(BufferedImage img) {
        return ImageLoader.toRgb(img).getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void largeJpegIsDecodedNativelyAtReducedSizeWithNearlyTheSameHash() throws Exception {
        assertTrue(NativeDecode.enabled(), "Leptonica natives should load on this platform");
        byte[] bytes = encode(picture(1100, 780, 3, BufferedImage.TYPE_INT_RGB), "jpg");
        ImageLoader.Checked fast = NativeDecode.tryDecode(bytes, ImageLoader.Limits.DEFAULT, 256);
        assertNotNull(fast);
        assertEquals(1100, fast.width());
        assertEquals(780, fast.height());
        assertEquals("rgb", fast.image().colorMode());
        assertEquals(ImageFormat.JPEG, fast.image().format());
        // 780 / 2 >= 256, 780 / 4 < 256: libjpeg scales the DCT by 1/2
        assertEquals(550, fast.image().width());
        assertEquals(390, fast.image().height());
        DecodedImage full = ImageLoader.decode(bytes, "a.jpg", ImageLoader.Limits.DEFAULT);
        int bits = PerceptualHash.distance(PerceptualHash.of(full.rgb()), PerceptualHash.of(fast.image().rgb()));
        assertTrue(bits <= 2, bits + " bits apart");
        // at full size libjpeg-turbo and ImageIO's libjpeg agree to a grey level or two
        byte[] small = encode(picture(200, 150, 4, BufferedImage.TYPE_INT_RGB), "jpg");
        int[] a = pixels(NativeDecode.tryDecode(small, ImageLoader.Limits.DEFAULT, 256).image().rgb());
        int[] b = pixels(ImageLoader.decode(small, "b.jpg", ImageLoader.Limits.DEFAULT).rgb());
        int worst = 0;
        for (int i = 0; i < a.length; i++) {
            for (int s = 0; s < 24; s += 8) {
                worst = Math.max(worst, Math.abs(((a[i] >> s) & 0xFF) - ((b[i] >> s) & 0xFF)));
            }
        }
        assertTrue(worst <= 3, "largest channel difference " + worst);
    }

    @Test
    void fullSizeJpegPixelsEqualImageIoBitForBitSoScoresDoNotChange() throws Exception {
        BufferedImage img = picture(400, 300, 11, BufferedImage.TYPE_INT_RGB);
        byte[] baseline = encode(img, "jpg"); // ImageIO writes 4:2:0
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new javax.imageio.IIOImage(img, null, null), param);
        }
        writer.dispose();
        for (byte[] bytes : new byte[][] {baseline, out.toByteArray()}) {
            assertEquals(1, NativeDecode.jpegFrame(bytes)[2]);
            ImageLoader.Checked fast = NativeDecode.tryDecode(bytes, ImageLoader.Limits.DEFAULT, 0);
            assertNotNull(fast);
            ImageLoader.Checked imageIo = ImageLoader.decodeWithImageIo(bytes, "p.jpg", ImageLoader.Limits.DEFAULT, 0);
            assertEquals(imageIo.image().colorMode(), fast.image().colorMode());
            assertArrayEquals(pixels(imageIo.image().rgb()), pixels(fast.image().rgb()));
            // and ImageLoader's public decode is the native one here
            assertArrayEquals(pixels(imageIo.image().rgb()),
                    pixels(ImageLoader.decode(bytes, "p.jpg", ImageLoader.Limits.DEFAULT).rgb()));
        }
        // a 4:4:0 layout (luma sampled 1x2) upsamples differently in libjpeg-turbo: left to ImageIO at full size
        byte[] tall = baseline.clone();
        int sof = indexOf(tall, new String(new char[] {(char) 0xFF, (char) 0xC0}, 0, 2));
        assertEquals(0x22, tall[sof + 11] & 0xFF);
        tall[sof + 11] = 0x12;
        assertEquals(0, NativeDecode.jpegFrame(tall)[2]);
        assertNull(NativeDecode.tryDecode(tall, ImageLoader.Limits.DEFAULT, 0));
        // an embedded ICC profile (ImageIO converts it to sRGB) or an Adobe segment: left to ImageIO, reduced or not
        for (String tag : new String[] {"ICC_PROFILE", "Adobe"}) {
            byte[] payload = (tag + "\0 some profile bytes").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            byte[] withSegment = new byte[baseline.length + 4 + payload.length];
            withSegment[0] = (byte) 0xFF;
            withSegment[1] = (byte) 0xD8;
            withSegment[2] = (byte) 0xFF;
            withSegment[3] = (byte) (tag.equals("Adobe") ? 0xEE : 0xE2);
            withSegment[4] = (byte) ((payload.length + 2) >> 8);
            withSegment[5] = (byte) (payload.length + 2);
            System.arraycopy(payload, 0, withSegment, 6, payload.length);
            System.arraycopy(baseline, 2, withSegment, 6 + payload.length, baseline.length - 2);
            assertNull(NativeDecode.jpegFrame(withSegment), tag);
            assertNull(NativeDecode.tryDecode(withSegment, ImageLoader.Limits.DEFAULT, 0), tag);
            assertNull(NativeDecode.tryDecode(withSegment, ImageLoader.Limits.DEFAULT, 256), tag);
        }
        // small photos stay with ImageIO at full size (Leptonica is not even loaded for them)
        assertNull(NativeDecode.tryDecode(encode(picture(200, 150, 12, BufferedImage.TYPE_INT_RGB), "jpg"),
                ImageLoader.Limits.DEFAULT, 0));
    }

    @Test
    void pngPixelsEqualImageIoExactly() throws Exception {
        for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR}) {
            byte[] bytes = encode(picture(97, 61, 5, type), "png");
            ImageLoader.Checked fast = NativeDecode.tryDecode(bytes, ImageLoader.Limits.DEFAULT, 256);
            assertNotNull(fast, "type " + type);
            DecodedImage full = ImageLoader.decode(bytes, "c.png", ImageLoader.Limits.DEFAULT);
            assertEquals(full.colorMode(), fast.image().colorMode());
            assertEquals(97, fast.width());
            assertArrayEquals(pixels(full.rgb()), pixels(fast.image().rgb()));
        }
        // Adam7-interlaced: libpng through Leptonica
        BufferedImage img = picture(83, 70, 9, BufferedImage.TYPE_3BYTE_BGR);
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new javax.imageio.IIOImage(img, null, null), param);
        }
        writer.dispose();
        byte[] interlaced = out.toByteArray();
        assertEquals(1, NativeDecode.pngHeader(interlaced)[3]);
        ImageLoader.Checked fast = NativeDecode.tryDecode(interlaced, ImageLoader.Limits.DEFAULT, 256);
        assertNotNull(fast);
        assertArrayEquals(pixels(ImageLoader.decode(interlaced, "i.png", ImageLoader.Limits.DEFAULT).rgb()),
                pixels(fast.image().rgb()));
    }

    @Test
    void everyPngRowFilterIsUndone() {
        // one row of 2 RGB pixels over a previous row, each filter applied by hand, must come back
        byte[] prev = {0, 10, (byte) 200, 30, 40, 50, (byte) 250};
        byte[] raw = {0, 12, (byte) 190, 33, (byte) 255, 0, 7};
        for (int type = 0; type <= 4; type++) {
            byte[] row = new byte[raw.length];
            row[0] = (byte) type;
            for (int i = 1; i < raw.length; i++) {
                int a = i > 3 ? raw[i - 3] & 0xFF : 0;
                int up = prev[i] & 0xFF;
                int c = i > 3 ? prev[i - 3] & 0xFF : 0;
                int p = a + up - c;
                int pa = Math.abs(p - a), pb = Math.abs(p - up), pc = Math.abs(p - c);
                int predictor = switch (type) {
                    case 0 -> 0;
                    case 1 -> a;
                    case 2 -> up;
                    case 3 -> (a + up) / 2;
                    default -> pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
                };
                row[i] = (byte) ((raw[i] & 0xFF) - predictor);
            }
            assertTrue(PngRows.unfilter(row, prev, 3));
            assertArrayEquals(Arrays.copyOfRange(raw, 1, raw.length), Arrays.copyOfRange(row, 1, row.length),
                    "filter " + type);
        }
        byte[] unknown = {5, 1, 2, 3};
        assertTrue(!PngRows.unfilter(unknown, new byte[4], 3));
    }

    @Test
    void damagedTruncatedOrUnusualFilesAreLeftToImageIo() throws Exception {
        byte[] jpeg = encode(picture(1030, 700, 6, BufferedImage.TYPE_INT_RGB), "jpg");
        for (int cut : new int[] {jpeg.length / 3, jpeg.length - 40, jpeg.length - 1}) {
            assertNull(NativeDecode.tryDecode(Arrays.copyOf(jpeg, cut), ImageLoader.Limits.DEFAULT, 256), "cut " + cut);
        }
        // damage inside the entropy-coded data, EOI intact: libjpeg warns, so the fast path declines
        byte[] damaged = jpeg.clone();
        Arrays.fill(damaged, damaged.length / 2, damaged.length / 2 + 64, (byte) 0xFF);
        assertNull(NativeDecode.tryDecode(damaged, ImageLoader.Limits.DEFAULT, 256));
        // the pixel limit is ImageIO's to report
        assertNull(NativeDecode.tryDecode(jpeg, new ImageLoader.Limits(256L << 20, 1000), 256));
        // grey JPEG and PNG, palette PNG: not plain RGB
        assertNull(NativeDecode.tryDecode(encode(picture(64, 64, 7, BufferedImage.TYPE_BYTE_GRAY), "jpg"),
                ImageLoader.Limits.DEFAULT, 256));
        assertNull(NativeDecode.tryDecode(encode(picture(64, 64, 7, BufferedImage.TYPE_BYTE_GRAY), "png"),
                ImageLoader.Limits.DEFAULT, 256));
        assertNull(NativeDecode.tryDecode(encode(picture(64, 64, 7, BufferedImage.TYPE_BYTE_INDEXED), "png"),
                ImageLoader.Limits.DEFAULT, 256));
        byte[] png = encode(picture(120, 90, 8, BufferedImage.TYPE_3BYTE_BGR), "png");
        assertNull(NativeDecode.tryDecode(Arrays.copyOf(png, png.length - 12), ImageLoader.Limits.DEFAULT, 256));
        assertNull(NativeDecode.tryDecode(Arrays.copyOf(png, png.length / 2), ImageLoader.Limits.DEFAULT, 256));
        // a flipped byte inside IDAT (chunk CRC now wrong): libpng stops, the fast path declines
        byte[] flipped = png.clone();
        int idat = indexOf(flipped, "IDAT");
        flipped[idat + 4 + 20] ^= 0x10;
        assertNull(NativeDecode.tryDecode(flipped, ImageLoader.Limits.DEFAULT, 256));
        // the same flip with the CRC fixed: zlib's own check catches it
        fixCrc(flipped, idat - 4);
        ImageLoader.Checked crcFixed = NativeDecode.tryDecode(flipped, ImageLoader.Limits.DEFAULT, 256);
        if (crcFixed != null) { // zlib may still inflate it: then both decoders must agree on the pixels
            assertArrayEquals(pixels(ImageLoader.decode(flipped, "f.png", ImageLoader.Limits.DEFAULT).rgb()),
                    pixels(crcFixed.image().rgb()));
        }
        // through ImageLoader the verdicts are those of a full decode
        for (byte[] bad : new byte[][] {Arrays.copyOf(jpeg, jpeg.length / 3), damaged, Arrays.copyOf(png, png.length / 2)}) {
            assertEquals(verdict(() -> ImageLoader.decode(bad, "g", ImageLoader.Limits.DEFAULT)),
                    verdict(() -> ImageLoader.decode(bad, "g", ImageLoader.Limits.DEFAULT, 256)));
        }
    }

    private static int indexOf(byte[] b, String s) {
        outer:
        for (int i = 0; i + s.length() <= b.length; i++) {
            for (int j = 0; j < s.length(); j++) {
                if ((b[i + j] & 0xFF) != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(s + " not found");
    }

    private static void fixCrc(byte[] b, int chunk) {
        int length = ((b[chunk] & 0xFF) << 24) | ((b[chunk + 1] & 0xFF) << 16) | ((b[chunk + 2] & 0xFF) << 8)
                | (b[chunk + 3] & 0xFF);
        CRC32 crc = new CRC32();
        crc.update(b, chunk + 4, 4 + length);
        long v = crc.getValue();
        int at = chunk + 8 + length;
        for (int k = 0; k < 4; k++) {
            b[at + k] = (byte) (v >>> (24 - 8 * k));
        }
    }

    private interface Decode {
        Object run() throws ImageLoadException;
    }

    private static ImageProblem verdict(Decode d) {
        try {
            d.run();
            return null;
        } catch (ImageLoadException e) {
            return e.problem();
        }
    }
}
