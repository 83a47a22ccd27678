package org.deepguard.core.keras;

/**
 * A Keras weights file that cannot initialise the network: the message is one line naming the file and the reason.
 * Unchecked (an {@link IllegalArgumentException}, as training's other unusable inputs are), so the training code
 * that calls it keeps its signature; the command line maps it to exit code 4 (input unusable).
 */
public class KerasWeightsException extends IllegalArgumentException {
    public KerasWeightsException(String message) {
        super(message);
    }

    public KerasWeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
