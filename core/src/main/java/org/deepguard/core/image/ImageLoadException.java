package org.deepguard.core.image;

/** An image that cannot be used, with a stable reason code and a one-line message naming the file. */
public class ImageLoadException extends Exception {
    private final ImageProblem problem;
    private final String source;

    public ImageLoadException(String source, ImageProblem problem, String detail) {
        this(source, problem, detail, null);
    }

    public ImageLoadException(String source, ImageProblem problem, String detail, Throwable cause) {
        super(source + ": " + problem.description() + (detail == null || detail.isBlank() ? "" : " (" + detail + ")"), cause);
        this.problem = problem;
        this.source = source;
    }

    public ImageProblem problem() {
        return problem;
    }

    public String source() {
        return source;
    }
}
