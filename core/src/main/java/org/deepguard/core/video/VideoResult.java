package org.deepguard.core.video;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything learnt about one video.
 *
 * @param file          the video
 * @param info          what the container says
 * @param sampling      how frames were chosen
 * @param frames        scores of the sampled frames, in order
 * @param verdict       the aggregated verdict
 * @param framesDecoded frames decoded (sampled or not)
 * @param decodeSeconds time spent decoding and converting frames
 * @param scoreSeconds  time spent preprocessing and in the network
 * @param kept          the most suspicious frames as images, most suspicious first (empty unless asked for)
 * @param tracks        per-face verdicts when faces were tracked (the video verdict is the most suspicious one's)
 */
public record VideoResult(Path file, VideoInfo info, FrameSampling sampling, List<FrameScore> frames,
                          VideoVerdict verdict, long framesDecoded, double decodeSeconds, double scoreSeconds,
                          List<KeptFrame> kept, List<TrackVerdict> tracks) {
    public VideoResult {
        frames = List.copyOf(frames);
        kept = List.copyOf(kept);
        tracks = List.copyOf(tracks);
    }

    /** A sampled frame (or face crop) kept as an image. */
    public record KeptFrame(FrameScore score, BufferedImage image) {}

    /** The n frames with the highest log-odds, most suspicious first. */
    public List<FrameScore> mostSuspicious(int n) {
        return frames.stream().sorted((a, b) -> Double.compare(b.logOdds(), a.logOdds())).limit(n).toList();
    }
}
