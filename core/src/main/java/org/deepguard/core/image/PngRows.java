package org.deepguard.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The scan's PNG decode for whole, non-interlaced 8-bit RGB and RGBA files ({@link NativeDecode#pngHeader}): the
 * chunk CRCs, inflate (the JDK's zlib, which checks the stream's Adler-32), the five row filters, straight into an
 * RGB raster with alpha dropped. It does only what such a file needs, with no colour-model conversion in between,
 * which is what made ImageIO and Leptonica's libpng path slower. Like the rest of the fast path it only accepts:
 * a bad CRC, a zlib error, too little or too much image data, or an unknown filter returns null and the caller's
 * ImageIO decode gives today's verdict.
 */
final class PngRows {
    private PngRows() {}

    /** The RGB pixels of a PNG that {@link NativeDecode#pngHeader} accepted with interlace 0, or null. */
    static BufferedImage decode(byte[] b, int w, int h, int colourType) {
        int bpp = colourType == 6 ? 4 : 3;
        long strideLong = (long) w * bpp;
        if (strideLong + 1 > Integer.MAX_VALUE / 2) {
            return null;
        }
        int stride = (int) strideLong;
        byte[] cur = new byte[stride + 1];
        byte[] prev = new byte[stride + 1];
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        Inflater inf = new Inflater();
        CRC32 crc = new CRC32();
        int next = 8; // the next chunk to look at for more compressed data
        try {
            for (int y = 0; y < h; y++) {
                int filled = 0;
                while (filled < cur.length) {
                    int got = inf.inflate(cur, filled, cur.length - filled);
                    filled += got;
                    if (got == 0) {
                        if (inf.finished() || inf.needsDictionary()) {
                            return null; // the stream ended before the last row
                        }
                        if (inf.needsInput()) {
                            next = feed(b, next, inf, crc);
                            if (next < 0) {
                                return null;
                            }
                        }
                    }
                }
                if (!unfilter(cur, prev, bpp)) {
                    return null;
                }
                for (int x = 0, i = 1, o = y * w; x < w; x++, i += bpp) {
                    dst[o + x] = ((cur[i] & 0xFF) << 16) | ((cur[i + 1] & 0xFF) << 8) | (cur[i + 2] & 0xFF);
                }
                byte[] t = prev;
                prev = cur;
                cur = t;
            }
            // Every row is there; the stream must now end (Adler-32 checked) with no data left over.
            byte[] probe = new byte[1];
            while (!inf.finished()) {
                if (inf.inflate(probe) > 0 || inf.needsDictionary()) {
                    return null;
                }
                if (inf.needsInput()) {
                    next = feed(b, next, inf, crc);
                    if (next < 0) {
                        return null;
                    }
                }
            }
            if (inf.getRemaining() > 0 || feed(b, next, inf, crc) != -2) {
                return null; // compressed data after the end of the stream
            }
            return img;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inf.end();
        }
    }

    /**
     * Gives the inflater the next IDAT chunk at or after {@code at} (checking its CRC) and returns the offset after
     * it; -2 when none is left before IEND, -1 on a bad CRC or an empty chunk sequence that cannot continue.
     */
    private static int feed(byte[] b, int at, Inflater inf, CRC32 crc) {
        int i = at;
        while (i + 12 <= b.length) {
            int length = ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            boolean idat = b[i + 4] == 'I' && b[i + 5] == 'D' && b[i + 6] == 'A' && b[i + 7] == 'T';
            if (b[i + 4] == 'I' && b[i + 5] == 'E' && b[i + 6] == 'N' && b[i + 7] == 'D') {
                return -2;
            }
            int end = i + 8 + length;
            if (idat) {
                crc.reset();
                crc.update(b, i + 4, 4 + length);
                int stored = ((b[end] & 0xFF) << 24) | ((b[end + 1] & 0xFF) << 16) | ((b[end + 2] & 0xFF) << 8)
                        | (b[end + 3] & 0xFF);
                if ((int) crc.getValue() != stored) {
                    return -1;
                }
                if (length > 0) {
                    inf.setInput(b, i + 8, length);
                    return end + 4;
                }
            }
            i = end + 4;
        }
        return -1;
    }

    /** Undoes the row filter in place (cur[0] is the filter type); false for an unknown type. */
    static boolean unfilter(byte[] cur, byte[] prev, int bpp) {
        int n = cur.length;
        switch (cur[0]) {
            case 0 -> { }
            case 1 -> {
                for (int i = 1 + bpp; i < n; i++) {
                    cur[i] += cur[i - bpp];
                }
            }
            case 2 -> {
                for (int i = 1; i < n; i++) {
                    cur[i] += prev[i];
                }
            }
            case 3 -> {
                for (int i = 1; i <= bpp; i++) {
                    cur[i] += (prev[i] & 0xFF) >>> 1;
                }
                for (int i = 1 + bpp; i < n; i++) {
                    cur[i] += ((cur[i - bpp] & 0xFF) + (prev[i] & 0xFF)) >>> 1;
                }
            }
            case 4 -> {
                for (int i = 1; i <= bpp; i++) {
                    cur[i] += prev[i]; // left and upper-left are 0: Paeth picks the byte above
                }
                for (int i = 1 + bpp; i < n; i++) {
                    int a = cur[i - bpp] & 0xFF;
                    int up = prev[i] & 0xFF;
                    int c = prev[i - bpp] & 0xFF;
                    int pa = Math.abs(up - c);
                    int pb = Math.abs(a - c);
                    int pc = Math.abs(a + up - 2 * c);
                    cur[i] += (pa <= pb && pa <= pc) ? a : (pb <= pc ? up : c);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
