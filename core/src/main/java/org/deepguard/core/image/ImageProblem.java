package org.deepguard.core.image;

/**
 * Why an image could not be used. The {@link #code()} strings are stable: they appear in manifests, JSON output and
 * reports, and scripts match on them.
 */
public enum ImageProblem {
    MISSING("missing", "file does not exist"),
    UNREADABLE("unreadable", "file cannot be read"),
    EMPTY("zero_byte", "file is empty"),
    NOT_AN_IMAGE("not_an_image", "content is not an image"),
    UNSUPPORTED_FORMAT("unsupported_format", "image format is not supported"),
    CORRUPT("corrupt", "image data is corrupt"),
    TRUNCATED("truncated", "image data is truncated"),
    TOO_LARGE("too_large", "image dimensions exceed the pixel limit"),
    TOO_SMALL("too_small", "image is smaller than the minimum side"),
    EXTREME_ASPECT("extreme_aspect", "aspect ratio is extreme"),
    NO_FACE("no_face", "no face found");

    private final String code;
    private final String description;

    ImageProblem(String code, String description) {
        this.code = code;
        this.description = description;
    }

    public String code() {
        return code;
    }

    public String description() {
        return description;
    }

    public static ImageProblem fromCode(String code) {
        for (ImageProblem p : values()) {
            if (p.code.equals(code)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown image problem code: " + code);
    }
}
