package org.deepguard.core.video;

/**
 * The score of one sampled frame.
 *
 * @param index   frame number in presentation order, from 0
 * @param seconds time from the start of the video stream
 * @param logOdds uncalibrated log-odds from the network
 * @param pFake   calibrated probability of fake, as for an image
 */
public record FrameScore(long index, double seconds, double logOdds, double pFake) {
}
