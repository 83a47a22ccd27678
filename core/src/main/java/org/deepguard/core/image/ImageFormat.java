package org.deepguard.core.image;

import java.nio.charset.StandardCharsets;

/** Formats recognised by their first bytes; the file extension is never trusted. */
public enum ImageFormat {
    PNG, JPEG, GIF, BMP, WEBP, TIFF, UNKNOWN_IMAGE, NOT_IMAGE;

    /** Bytes needed by {@link #sniff}. */
    public static final int SNIFF_BYTES = 16;

    public boolean isDecodable() {
        return this != UNKNOWN_IMAGE && this != NOT_IMAGE;
    }

    public static ImageFormat sniff(byte[] head, int length) {
        if (startsWith(head, length, 0x89, 'P', 'N', 'G')) return PNG;
        if (startsWith(head, length, 0xFF, 0xD8, 0xFF)) return JPEG;
        if (startsWith(head, length, 'G', 'I', 'F', '8')) return GIF;
        if (startsWith(head, length, 'B', 'M')) return BMP;
        if (startsWith(head, length, 'I', 'I', 0x2A, 0x00) || startsWith(head, length, 'M', 'M', 0x00, 0x2A)) return TIFF;
        if (length >= 12 && startsWith(head, length, 'R', 'I', 'F', 'F')
                && new String(head, 8, 4, StandardCharsets.US_ASCII).equals("WEBP")) return WEBP;
        // ISO media (HEIC/AVIF), JPEG 2000, JPEG XL, Photoshop: images, but not ones we decode.
        if (length >= 12 && new String(head, 4, 4, StandardCharsets.US_ASCII).equals("ftyp")) return UNKNOWN_IMAGE;
        if (startsWith(head, length, 0x00, 0x00, 0x00, 0x0C, 'j', 'P')) return UNKNOWN_IMAGE;
        if (startsWith(head, length, 0xFF, 0x0A) || startsWith(head, length, '8', 'B', 'P', 'S')) return UNKNOWN_IMAGE;
        return NOT_IMAGE;
    }

    private static boolean startsWith(byte[] head, int length, int... magic) {
        if (length < magic.length) return false;
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xFF) != magic[i]) return false;
        }
        return true;
    }
}
