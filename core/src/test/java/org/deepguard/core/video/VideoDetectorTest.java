package org.deepguard.core.video;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.Prediction;
import org.deepguard.core.testing.TestImages;
import org.deepguard.core.testing.TestVideos;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VideoDetectorTest {
    @TempDir
    static Path dir;
    static Detector detector;

    @BeforeAll
    static void model() throws Exception {
        detector = new Detector(TinyModels.tinyBundle(dir.resolve("model"), 32, 1));
    }

    @Test
    void aLosslessStillVideoScoresExactlyLikeItsImage() throws Exception {
        BufferedImage still = TestImages.texture(40, 9);
        Path png = TestImages.png(dir.resolve("still.png"), still);
        Prediction image = detector.predict(png);
        for (Path video : List.of(TestVideos.pngAvi(dir.resolve("still.avi"), 5, 10, i -> still),
                TestVideos.ffv1Mkv(dir.resolve("still.mkv"), 5, 10, i -> still))) {
            VideoResult r = new VideoDetector(detector, new FrameSampling.Every(2), Aggregation.meanLogit(), 2)
                    .detect(video);
            assertEquals(3, r.frames().size(), video.toString());
            assertEquals(5, r.framesDecoded());
            for (FrameScore f : r.frames()) {
                assertEquals(image.pFake(), f.pFake(), 1e-6, video + " frame " + f.index());
                assertEquals(image.logOdds(), f.logOdds(), 1e-5);
            }
            assertEquals(image.pFake(), r.verdict().pFake(), 1e-6);
            assertEquals(image.verdict(), r.verdict().verdict());
            assertEquals(List.of(0.0, 0.2, 0.4), r.frames().stream().map(FrameScore::seconds).toList());
        }
    }

    @Test
    void framesDifferAndTheVerdictAggregatesThem() throws Exception {
        Path video = TestVideos.mp4(dir.resolve("moving.mp4"), 12, 25, i -> TestImages.texture(48, 100 + i));
        VideoDetector top1 = new VideoDetector(detector, new FrameSampling.Frames(6),
                new Aggregation(Aggregation.Rule.TOPK_MEAN, 1, 0.5), 4);
        VideoResult r = top1.detect(video);
        assertEquals(List.of(1L, 3L, 5L, 7L, 9L, 11L), r.frames().stream().map(FrameScore::index).toList());
        double max = r.frames().stream().mapToDouble(FrameScore::logOdds).max().orElseThrow();
        assertEquals(max, r.verdict().score(), 1e-12);
        assertEquals(r.mostSuspicious(1).get(0).logOdds(), max, 0);
        assertTrue(r.frames().stream().mapToDouble(FrameScore::logOdds).distinct().count() > 1);
    }

    @Test
    void badFilesGiveTheirReasonCodes() throws Exception {
        Path avi = TestVideos.pngAvi(dir.resolve("ok.avi"), 6, 10, i -> TestVideos.grey(16, i));
        Path mkv = TestVideos.ffv1Mkv(dir.resolve("ok.mkv"), 6, 10, i -> TestVideos.grey(16, i));
        Path mp4 = TestVideos.mp4(dir.resolve("ok.mp4"), 6, 10, i -> TestImages.texture(32, i));
        for (Path full : List.of(avi, mkv, mp4)) {
            Path cut = TestVideos.firstHalf(full, dir.resolve("cut/" + full.getFileName()));
            assertProblem(VideoProblem.TRUNCATED, cut);
        }
        // A cut AVI whose RIFF size was "repaired": the container looks whole, but frames are missing at the end.
        Path big = TestVideos.pngAvi(dir.resolve("big.avi"), 20, 10, i -> TestImages.texture(48, i));
        byte[] half = Files.readAllBytes(TestVideos.firstHalf(big, dir.resolve("cut/big-fixed.avi")));
        java.nio.ByteBuffer.wrap(half).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, half.length - 8);
        Path fixed = Files.write(dir.resolve("cut/big-fixed.avi"), half);
        VideoException cutButWhole = assertProblem(VideoProblem.TRUNCATED, fixed);
        assertTrue(cutButWhole.getMessage().contains("of 20 frames"), cutButWhole.getMessage());
        assertProblem(VideoProblem.NOT_A_VIDEO, Files.writeString(dir.resolve("notes.mp4"), "not a video\n"));
        assertProblem(VideoProblem.NOT_A_VIDEO, TestImages.png(dir.resolve("image.mp4"), TestImages.texture(16, 1)));
        assertProblem(VideoProblem.NOT_A_VIDEO, Files.write(dir.resolve("noise.mp4"), new byte[] {0, 1, 2, 3, 4, 5,
                6, 7, 8, 9, 10, (byte) 200, (byte) 201, 0, 0, 0, 7}));
        assertProblem(VideoProblem.EMPTY, Files.write(dir.resolve("empty.mp4"), new byte[0]));
        assertProblem(VideoProblem.MISSING, dir.resolve("nowhere.mp4"));
    }

    static VideoException assertProblem(VideoProblem expected, Path file) {
        VideoDetector d = new VideoDetector(detector, new FrameSampling.Every(1), Aggregation.meanLogit(), 4);
        VideoException e = assertThrows(VideoException.class, () -> d.detect(file), file.toString());
        assertEquals(expected, e.problem(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }
}
