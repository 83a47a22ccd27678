package org.deepguard.core.data;

/**
 * What one scan learned about one file, independent of labels and thresholds: cached between runs (keyed by path,
 * size and modification time) so an interrupted or repeated scan does not decode the file again.
 *
 * @param problem ImageProblem code when the file could not be decoded, else empty
 * @param phash   64-bit perceptual hash as 16 hex digits, empty when not decoded
 */
public record FileFacts(String path, long size, long mtime, String sha256, int width, int height, String format,
                        String colorMode, String phash, String problem) {
    public boolean decoded() {
        return problem == null || problem.isEmpty();
    }
}
