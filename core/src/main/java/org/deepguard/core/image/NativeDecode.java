package org.deepguard.core.image;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.leptonica.PIX;
import org.bytedeco.leptonica.global.lept;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * A fast path for the scan's check-and-hash decode ({@link ImageLoader#decode(byte[], String, ImageLoader.Limits,
 * int)} with a {@code keepSide}): plain 8-bit RGB JPEGs and RGB/RGBA PNGs are decoded by libjpeg-turbo and libpng
 * (through Leptonica, already on the class path via DataVec/JavaCV), a JPEG at reduced size by libjpeg's DCT scaling
 * (1/2, 1/4, 1/8: the entropy-coded data is still decoded in full, only the inverse DCT is smaller). The JDK's
 * ImageIO JPEG decoder (libjpeg 6b, no SIMD, full-size raster) was what bounded the scan. Non-interlaced PNGs are
 * decoded by {@link PngRows} (inflate and row filters only, faster than both ImageIO and Leptonica here).
 *
 * <p>Strictness: this path only ever <em>accepts</em> a file, never rejects one. It accepts only when
 * <ul>
 *   <li>the container is structurally whole, checked here in Java before any native call: a JPEG has a baseline,
 *       extended or progressive 8-bit three-component frame header, a scan, and ends with the EOI marker; a PNG's
 *       chunks (IHDR first, only chunks listed below) run exactly to the end of the file, ending with IEND;</li>
 *   <li>the size is within the pixel limit;</li>
 *   <li>the native decoder finished with no error and no warning (Leptonica refuses a JPEG on any libjpeg warning:
 *       premature end, corrupt data, bad Huffman code, extraneous bytes; {@link PngRows}, and libpng
 *       for an interlaced PNG, stop on a CRC or zlib error or a wrong amount of image data).</li>
 * </ul>
 * Everything else (truncated, damaged, grey, palette, 16-bit, CMYK, with transparency, an ICC profile or an Adobe
 * colour-transform segment, any other
 * format, or the native libraries missing) returns {@code null} and the caller takes the ImageIO path, whose verdict
 * and reason code are exactly those of a full decode. A file that is damaged inside its entropy-coded data may make
 * libjpeg print one warning line on stderr before that fallback reports it.
 *
 * <p>With {@code keepSide} 0 (every other stage: detect, train, evaluate) a JPEG is decoded at full size and only
 * when its chroma layout is 4:4:4, 4:2:2 or 4:2:0, where libjpeg-turbo's pixels equal ImageIO's bit for bit (tested),
 * so scores do not change; PNG pixels are exact either way.
 *
 * <p>Set {@code -Ddeepguard.nativeDecode=false} to use ImageIO only (the benchmark compares both).
 */
final class NativeDecode {
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("deepguard.nativeDecode"));
    /** Smallest JPEG (pixels) decoded natively at full size: below it ImageIO is quick and loading Leptonica is not. */
    static final long FULL_SIZE_MIN_PIXELS = 256 * 256;

    /** Leptonica's native libraries, loaded on first use (a one-image detect of a small photo never loads them). */
    private static final class Lept {
        static final boolean LOADED;

        static {
            boolean ok;
            try {
                org.bytedeco.javacpp.Loader.load(lept.class);
                lept.setMsgSeverity(lept.L_SEVERITY_NONE); // our own one-line errors come from the fallback
                ok = true;
            } catch (Throwable t) { // no native build for this platform: ImageIO does it all
                ok = false;
            }
            LOADED = ok;
        }
    }

    private NativeDecode() {}

    static boolean enabled() {
        return ENABLED && Lept.LOADED;
    }

    /** The reduced, checked decode, or null when this path does not take the file (see the class comment). */
    static ImageLoader.Checked tryDecode(byte[] bytes, ImageLoader.Limits limits, int keepSide) {
        if (!ENABLED || bytes.length < 32) {
            return null;
        }
        ImageFormat format = ImageFormat.sniff(bytes, Math.min(bytes.length, ImageFormat.SNIFF_BYTES));
        int[] size;
        String mode;
        if (format == ImageFormat.JPEG) {
            size = jpegFrame(bytes);
            mode = "rgb";
        } else if (format == ImageFormat.PNG) {
            size = pngHeader(bytes);
            mode = size == null ? null : size[2] == 6 ? "rgba" : "rgb";
        } else {
            return null;
        }
        if (size == null || (long) size[0] * size[1] > limits.maxPixels()) {
            return null;
        }
        int w = size[0];
        int h = size[1];
        PIX pix;
        if (format == ImageFormat.JPEG) {
            int reduction = 1;
            if (keepSide <= 0 && (size[2] == 0 || (long) w * h < FULL_SIZE_MIN_PIXELS)) {
                return null; // full size must equal ImageIO's pixels: only the chroma layouts libjpeg 6b upsamples alike
            }
            if (!Lept.LOADED) {
                return null;
            }
            while (keepSide > 0 && reduction < 8 && Math.min(w, h) / (reduction * 2) >= keepSide) {
                reduction *= 2;
            }
            int[] warnings = new int[1];
            pix = lept.pixReadMemJpeg(bytes, bytes.length, 0, reduction, warnings, 0);
            if (pix != null && warnings[0] != 0) {
                lept.pixDestroy(pix);
                return null;
            }
        } else if (size[3] == 0) {
            BufferedImage rgb = PngRows.decode(bytes, w, h, size[2]);
            return rgb == null ? null : checked(rgb, bytes, format, mode, w, h);
        } else {
            if (!Lept.LOADED) {
                return null;
            }
            pix = lept.pixReadMemPng(bytes, bytes.length); // Adam7-interlaced
        }
        if (pix == null) {
            return null;
        }
        BufferedImage rgb;
        try {
            if (lept.pixGetDepth(pix) != 32 || lept.pixGetColormap(pix) != null) {
                return null;
            }
            int pw = lept.pixGetWidth(pix);
            int ph = lept.pixGetHeight(pix);
            int wpl = lept.pixGetWpl(pix);
            IntPointer data = lept.pixGetData(pix);
            rgb = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
            int[] dst = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
            if (wpl == pw) { // 32 bpp: one word per pixel, no row padding
                data.get(dst, 0, pw * ph);
                for (int i = 0; i < dst.length; i++) {
                    dst[i] >>>= 8; // Leptonica's 32-bit pixel is 0xRRGGBBAA
                }
            } else {
                int[] row = new int[wpl];
                for (int y = 0; y < ph; y++) {
                    data.position((long) y * wpl).get(row, 0, wpl);
                    for (int x = 0, o = y * pw; x < pw; x++) {
                        dst[o + x] = row[x] >>> 8;
                    }
                }
            }
        } finally {
            lept.pixDestroy(pix);
        }
        return checked(rgb, bytes, format, mode, w, h);
    }

    private static ImageLoader.Checked checked(BufferedImage rgb, byte[] bytes, ImageFormat format, String mode,
                                               int w, int h) {
        int orientation = ImageLoader.exifOrientation(bytes);
        boolean transposed = orientation >= 5 && orientation <= 8;
        return new ImageLoader.Checked(
                new DecodedImage(Orientation.apply(rgb, orientation), format, mode, bytes.length),
                transposed ? h : w, transposed ? w : h);
    }

    /**
     * {width, height, 1 when the chroma layout is 4:4:4, 4:2:2 or 4:2:0 else 0} from the frame header of a whole,
     * plain JPEG (SOF0/1/2, 8-bit, 3 components, a scan, EOI at the very end), else null.
     */
    static int[] jpegFrame(byte[] b) {
        int n = b.length;
        if ((b[0] & 0xFF) != 0xFF || (b[1] & 0xFF) != 0xD8 || (b[n - 2] & 0xFF) != 0xFF || (b[n - 1] & 0xFF) != 0xD9) {
            return null;
        }
        int[] frame = null;
        int i = 2;
        while (i + 4 <= n) {
            if ((b[i] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++; // fill byte
                continue;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            if (length < 2 || i + 2 + length > n) {
                return null;
            }
            if ((marker == 0xE2 && startsWith(b, i + 4, "ICC_PROFILE")) || (marker == 0xEE && startsWith(b, i + 4, "Adobe"))) {
                // an embedded colour profile (ImageIO's reader converts it to sRGB) or Adobe's colour transform flag:
                // libjpeg's raw RGB would differ, so ImageIO keeps these
                return null;
            }
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
                boolean plain = marker == 0xC0 || marker == 0xC1 || marker == 0xC2;
                if (!plain || frame != null || length < 17 || (b[i + 4] & 0xFF) != 8 || (b[i + 9] & 0xFF) != 3) {
                    return null;
                }
                int h = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
                int w = ((b[i + 7] & 0xFF) << 8) | (b[i + 8] & 0xFF);
                if (w == 0 || h == 0) {
                    return null;
                }
                // 4:4:4, 4:2:2 (h2v1) and 4:2:0 (h2v2) with 1x1 chroma: libjpeg-turbo's ISLOW IDCT, fancy upsampling
                // and colour conversion give exactly libjpeg 6b's (ImageIO's) pixels; 4:4:0 and others do not
                int luma = b[i + 11] & 0xFF;
                boolean classic = (luma == 0x11 || luma == 0x21 || luma == 0x22)
                        && (b[i + 14] & 0xFF) == 0x11 && (b[i + 17] & 0xFF) == 0x11;
                frame = new int[] {w, h, classic ? 1 : 0};
            }
            if (marker == 0xDA) {
                return frame; // entropy-coded data follows; the decoder checks it, EOI was checked above
            }
            i += 2 + length;
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int at, String ascii) {
        if (at + ascii.length() > b.length) {
            return false;
        }
        for (int k = 0; k < ascii.length(); k++) {
            if (b[at + k] != ascii.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** PNG chunks this path accepts besides IHDR, IDAT and IEND: none changes the decoded RGB values. */
    private static final java.util.Set<String> HARMLESS = java.util.Set.of(
            "pHYs", "gAMA", "cHRM", "sRGB", "tIME", "tEXt", "zTXt", "iTXt", "bKGD", "eXIf");

    /**
     * {width, height, colour type, interlace} of a whole 8-bit RGB (type 2) or RGBA (type 6) PNG whose chunks run exactly to
     * the end of the file, else null.
     */
    static int[] pngHeader(byte[] b) {
        int n = b.length;
        int i = 8;
        int[] header = null;
        boolean idat = false;
        while (i + 12 <= n) {
            long length = ((long) (b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8)
                    | (b[i + 3] & 0xFF);
            if (length > n - i - 12) {
                return null; // runs past the end: truncated
            }
            String type = new String(b, i + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            int data = i + 8;
            if (header == null) {
                if (!type.equals("IHDR") || length != 13) {
                    return null;
                }
                int w = readInt(b, data);
                int h = readInt(b, data + 4);
                int depth = b[data + 8] & 0xFF;
                int colour = b[data + 9] & 0xFF;
                int interlace = b[data + 12] & 0xFF;
                if (w <= 0 || h <= 0 || depth != 8 || (colour != 2 && colour != 6) || interlace > 1) {
                    return null;
                }
                header = new int[] {w, h, colour, interlace};
            } else if (type.equals("IDAT")) {
                idat = true;
            } else if (type.equals("IEND")) {
                return idat && length == 0 && i + 12 == n ? header : null;
            } else if (!HARMLESS.contains(type)) {
                return null;
            }
            i = data + (int) length + 4;
        }
        return null;
    }

    private static int readInt(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }
}
