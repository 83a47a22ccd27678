package org.deepguard.core.video;

/**
 * What the container says about the video stream.
 *
 * @param format          demuxer name (e.g. "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2")
 * @param codec           video codec name
 * @param width           frame width in pixels
 * @param height          frame height in pixels
 * @param frameRate       average frames per second, 0 when unknown
 * @param frameCount      number of video frames, -1 when the container does not say
 * @param durationSeconds container duration, 0 when unknown
 * @param rotation        clockwise quarter turns in degrees (0, 90, 180, 270) applied to decoded frames, from the
 *                        stream's display matrix (phones record sideways and say so); width and height are
 *                        the stored, unrotated ones
 */
public record VideoInfo(String format, String codec, int width, int height, double frameRate, long frameCount,
                        double durationSeconds, int rotation) {
}
