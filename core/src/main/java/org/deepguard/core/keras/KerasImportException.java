package org.deepguard.core.keras;

/** A Keras file that cannot be imported faithfully; the message is one line naming the file and the reason. */
public class KerasImportException extends Exception {
    public KerasImportException(String message) {
        super(message);
    }

    public KerasImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
