package org.deepguard.core.preprocess;

/** How an image of any shape becomes a square network input. */
public enum ResizePolicy {
    /** Resize the whole image to size x size, ignoring aspect (what Keras' flow_from_directory does). */
    STRETCH,
    /** Take the largest centred square, then resize it: keeps aspect, loses the borders of non-square images. */
    CENTER_CROP,
    /**
     * Take the centred input-size square at native resolution, without resampling (images smaller than the input are
     * first enlarged): resampling blurs away the pixel-level traces generators leave, so forensic models should not
     * see resized pixels.
     */
    NATIVE_CROP,
    /** Fit the longer side, pad the rest with the mean colour (normalised zero): keeps everything, shrinks more. */
    PAD
}
