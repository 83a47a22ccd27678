package org.deepguard.core.video;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Looks at a file's bytes before FFmpeg does: recognises images and text (so they get {@code not_a_video} rather
 * than whatever FFmpeg's probing makes of them) and finds truncation in the common containers by comparing the
 * sizes they declare with the file size. FFmpeg alone often plays a cut file to its end without complaint, or
 * fails to open a cut MP4 with a message that does not say why.
 */
final class ContainerCheck {
    enum Kind { MP4, MATROSKA, AVI, IMAGE, TEXT, UNKNOWN }

    /** @param truncation why the file looks cut short, or null */
    record Result(Kind kind, String truncation) {
        boolean knownVideo() {
            return kind == Kind.MP4 || kind == Kind.MATROSKA || kind == Kind.AVI;
        }
    }

    private static final int MAX_BOXES = 100_000;

    private ContainerCheck() {}

    static Result inspect(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            byte[] head = read(ch, 0, (int) Math.min(512, size));
            Kind kind = kind(head);
            String truncation = switch (kind) {
                case MP4 -> mp4Truncation(ch, size);
                case MATROSKA -> matroskaTruncation(ch, size);
                case AVI -> {
                    long riff = ByteBuffer.wrap(head, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
                    yield 8 + riff > size ? "RIFF chunk declares " + (8 + riff) + " bytes, file has " + size : null;
                }
                default -> null;
            };
            return new Result(kind, truncation);
        }
    }

    static Kind kind(byte[] h) {
        if (h.length >= 8 && ascii(h, 4, 4).equals("ftyp")) {
            return Kind.MP4;
        }
        if (h.length >= 4 && (h[0] & 0xFF) == 0x1A && (h[1] & 0xFF) == 0x45 && (h[2] & 0xFF) == 0xDF
                && (h[3] & 0xFF) == 0xA3) {
            return Kind.MATROSKA;
        }
        if (h.length >= 12 && ascii(h, 0, 4).equals("RIFF")) {
            String form = ascii(h, 8, 4);
            if (form.equals("AVI ")) {
                return Kind.AVI;
            }
            if (form.equals("WEBP")) {
                return Kind.IMAGE;
            }
        }
        if (h.length >= 4 && ((h[0] & 0xFF) == 0x89 && ascii(h, 1, 3).equals("PNG")
                || (h[0] & 0xFF) == 0xFF && (h[1] & 0xFF) == 0xD8 && (h[2] & 0xFF) == 0xFF
                || ascii(h, 0, 2).equals("BM") && h.length >= 14
                || ascii(h, 0, 4).equals("II*\0") || ascii(h, 0, 4).equals("MM\0*"))) {
            return Kind.IMAGE;
        }
        return looksLikeText(h) ? Kind.TEXT : Kind.UNKNOWN;
    }

    /** Only tabs, line breaks and printable characters (UTF-8 bytes included): no container starts like that. */
    private static boolean looksLikeText(byte[] h) {
        if (h.length == 0) {
            return false;
        }
        for (byte b : h) {
            int c = b & 0xFF;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** Top-level ISO-BMFF boxes must tile the file; a box running past the end means the file was cut. */
    private static String mp4Truncation(FileChannel ch, long size) throws IOException {
        long pos = 0;
        for (int n = 0; n < MAX_BOXES && pos + 8 <= size; n++) {
            ByteBuffer b = ByteBuffer.wrap(read(ch, pos, (int) Math.min(16, size - pos)));
            long box = b.getInt(0) & 0xFFFFFFFFL;
            String type = ascii(b.array(), 4, 4);
            if (!type.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
                return null; // not a box header: leave the verdict to FFmpeg
            }
            if (box == 1) {
                if (b.capacity() < 16) {
                    return "box '" + type + "' header is cut";
                }
                box = b.getLong(8);
            } else if (box == 0) {
                return null; // runs to the end of the file by definition
            }
            if (box < 8) {
                return null;
            }
            if (pos + box > size) {
                return "box '" + type + "' declares " + box + " bytes at offset " + pos + ", file has " + size;
            }
            pos += box;
        }
        return null;
    }

    /** The Segment element's declared size must fit in the file (unless it is "unknown", as in live streams). */
    private static String matroskaTruncation(FileChannel ch, long size) throws IOException {
        byte[] h = read(ch, 0, (int) Math.min(4096, size));
        int[] p = {0};
        long id = vint(h, p, false);
        long len = vint(h, p, true);
        if (id != 0x1A45DFA3L || len < 0 || p[0] + len > h.length) {
            return null;
        }
        p[0] += (int) len;
        id = vint(h, p, false);
        int sizeStart = p[0];
        len = vint(h, p, true);
        if (id != 0x18538067L || len < 0) {
            return null;
        }
        int width = p[0] - sizeStart;
        if (len == (1L << (7 * width)) - 1) {
            return null; // unknown size
        }
        long end = p[0] + len;
        return end > size ? "Segment declares " + end + " bytes, file has " + size : null;
    }

    /** EBML variable-length integer at p; -1 when it does not fit. IDs keep their length marker, sizes drop it. */
    private static long vint(byte[] h, int[] p, boolean dropMarker) {
        if (p[0] >= h.length) {
            return -1;
        }
        int first = h[p[0]] & 0xFF;
        int width = Integer.numberOfLeadingZeros(first) - 23;
        if (first == 0 || width > 8 || p[0] + width > h.length) {
            return -1;
        }
        long v = dropMarker ? first & (0xFF >> width) : first;
        for (int i = 1; i < width; i++) {
            v = (v << 8) | (h[p[0] + i] & 0xFF);
        }
        p[0] += width;
        return v;
    }

    private static byte[] read(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                break;
            }
        }
        return b.position() == n ? b.array() : java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static String ascii(byte[] h, int off, int len) {
        return off + len <= h.length ? new String(h, off, len, StandardCharsets.ISO_8859_1) : "";
    }
}
