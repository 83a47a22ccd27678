package org.deepguard.core.video;

/**
 * Why a video could not be scored. The {@link #code()} strings are stable (JSON output, reports); {@code missing}
 * and {@code zero_byte} match the image codes.
 */
public enum VideoProblem {
    MISSING("missing", "file does not exist"),
    EMPTY("zero_byte", "file is empty"),
    UNREADABLE("unreadable", "video cannot be read or decoded"),
    NOT_A_VIDEO("not_a_video", "content is not a video"),
    TRUNCATED("truncated_video", "video data is truncated"),
    NO_FACE("no_face", "no face found in the sampled frames");

    private final String code;
    private final String description;

    VideoProblem(String code, String description) {
        this.code = code;
        this.description = description;
    }

    public String code() {
        return code;
    }

    public String description() {
        return description;
    }
}
