package org.deepguard.core.data;

/** A manifest that cannot be read; the message names the file and, where it applies, the line. */
public class ManifestException extends Exception {
    public ManifestException(String message) {
        super(message);
    }

    public ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
