package org.deepguard.core.video;

/** A video that cannot be scored, with a stable reason code and a one-line message naming the file. */
public class VideoException extends Exception {
    private final VideoProblem problem;
    private final String source;

    public VideoException(String source, VideoProblem problem, String detail) {
        this(source, problem, detail, null);
    }

    public VideoException(String source, VideoProblem problem, String detail, Throwable cause) {
        super(source + ": " + problem.description() + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"),
                cause);
        this.problem = problem;
        this.source = source;
    }

    public VideoProblem problem() {
        return problem;
    }

    public String source() {
        return source;
    }
}
