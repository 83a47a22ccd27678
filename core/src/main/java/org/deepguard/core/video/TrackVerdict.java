package org.deepguard.core.video;

/**
 * The verdict on one face followed through the video.
 *
 * @param track       track id (0, 1, ... in order of first appearance)
 * @param fromSeconds first sampled frame showing it
 * @param toSeconds   last sampled frame showing it
 * @param verdict     its frames aggregated with the video's rule
 */
public record TrackVerdict(int track, double fromSeconds, double toSeconds, VideoVerdict verdict) {
}
