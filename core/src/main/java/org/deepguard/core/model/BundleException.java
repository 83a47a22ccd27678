package org.deepguard.core.model;

/** A model bundle that cannot be loaded or written; the message is one line naming the bundle and the reason. */
public class BundleException extends Exception {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
