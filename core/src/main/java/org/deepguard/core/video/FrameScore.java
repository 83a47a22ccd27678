package org.deepguard.core.video;

import java.awt.Rectangle;

/**
 * The score of one sampled frame, or of one face in it.
 *
 * @param index   frame number in presentation order, from 0
 * @param seconds time from the start of the video stream
 * @param logOdds uncalibrated log-odds from the network
 * @param pFake   calibrated probability of fake, as for an image
 * @param track   face track id, or -1 when the whole frame was scored
 * @param box     the face box in frame coordinates (null for whole frames)
 */
public record FrameScore(long index, double seconds, double logOdds, double pFake, int track, Rectangle box) {
    public FrameScore(long index, double seconds, double logOdds, double pFake) {
        this(index, seconds, logOdds, pFake, -1, null);
    }
}
