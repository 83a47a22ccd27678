package org.deepguard.core.preprocess;

/** How an image of any shape becomes a square network input. */
public enum ResizePolicy {
    /** Resize the whole image to size x size, ignoring aspect (what Keras' flow_from_directory does). */
    STRETCH,
    /** Take the largest centred square, then resize it: keeps aspect, loses the borders of non-square images. */
    CENTER_CROP,
    /** Fit the longer side, pad the rest with the mean colour (normalised zero): keeps everything, shrinks more. */
    PAD
}
