package org.deepguard.core.video;

import org.deepguard.core.testing.TestVideos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FrameSamplingTest {
    @TempDir
    static Path dir;
    /** 20 frames at 25 fps (0.04 s apart); frame i is grey level 10 i. */
    static Path avi;
    /** The same in Matroska, which stores no frame count. */
    static Path mkv;

    @BeforeAll
    static void videos() throws Exception {
        avi = TestVideos.pngAvi(dir.resolve("grey.avi"), 20, 25, i -> TestVideos.grey(16, i));
        mkv = TestVideos.ffv1Mkv(dir.resolve("grey.mkv"), 20, 25, i -> TestVideos.grey(16, i));
    }

    record Taken(List<Long> index, List<Double> seconds, List<Integer> grey, long decoded) {}

    static Taken read(Path video, FrameSampling sampling) throws VideoException {
        List<Long> idx = new ArrayList<>();
        List<Double> sec = new ArrayList<>();
        List<Integer> grey = new ArrayList<>();
        try (VideoReader r = VideoReader.open(video)) {
            long n = r.read(sampling, (i, t, img) -> {
                idx.add(i);
                sec.add(t);
                grey.add(img.getRGB(3, 3) & 0xFF);
            });
            return new Taken(idx, sec, grey, n);
        }
    }

    static void assertFrames(Taken t, long... expected) {
        assertEquals(expected.length, t.index().size(), t.index().toString());
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], t.index().get(j));
            assertEquals(expected[j] * 0.04, t.seconds().get(j), 1e-9, "time of frame " + expected[j]);
            assertEquals(10 * expected[j], (long) t.grey().get(j), "content of frame " + expected[j]);
        }
    }

    @Test
    void everyNthFrame() throws Exception {
        Taken t = read(avi, new FrameSampling.Every(6));
        assertFrames(t, 0, 6, 12, 18);
        assertEquals(20, t.decoded());
        assertFrames(read(mkv, new FrameSampling.Every(1)), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19);
    }

    @Test
    void fpsTakesTheFrameNearestEachTargetTime() throws Exception {
        // 5 per second at 25 fps: every 5th frame.
        assertFrames(read(avi, new FrameSampling.Fps(5)), 0, 5, 10, 15);
        // 10 per second: targets 0.1 s, 0.3 s fall half-way between frames (2.5, 7.5) and go to the later one.
        assertFrames(read(avi, new FrameSampling.Fps(10)), 0, 3, 5, 8, 10, 13, 15, 18);
        assertFrames(read(mkv, new FrameSampling.Fps(10)), 0, 3, 5, 8, 10, 13, 15, 18);
        // Faster than the video: every frame once.
        assertEquals(20, read(avi, new FrameSampling.Fps(100)).index().size());
    }

    @Test
    void framesAreEvenlySpreadWithOrWithoutAContainerFrameCount() throws Exception {
        assertFrames(read(avi, new FrameSampling.Frames(4)), 2, 7, 12, 17);
        // Matroska has no frame count: the reader counts packets first, same answer.
        assertFrames(read(mkv, new FrameSampling.Frames(4)), 2, 7, 12, 17);
        assertFrames(read(avi, new FrameSampling.Frames(1)), 10);
        assertEquals(20, read(avi, new FrameSampling.Frames(50)).index().size());
        try (VideoReader r = VideoReader.open(mkv)) {
            assertEquals(-1, r.info().frameCount());
            assertEquals(20, r.frameCount());
            assertEquals(25.0, r.info().frameRate(), 1e-9);
            assertEquals(16, r.info().width());
            assertEquals("ffv1", r.info().codec());
        }
    }

    @Test
    void selectorsOnHandMadeTimestamps() {
        // 30 fps, 3 samples per second: frames 0, 10, 20, 30 even with millisecond-rounded times (Matroska).
        FrameSampling.Selector s = new FrameSampling.Fps(3).selector(-1, 30);
        List<Long> taken = new ArrayList<>();
        for (long i = 0; i < 40; i++) {
            if (s.take(i, Math.floor(i * 1000.0 / 30) / 1000)) {
                taken.add(i);
            }
        }
        assertEquals(List.of(0L, 10L, 20L, 30L), taken);
        assertArrayEquals(new long[] {1, 5, 8}, new FrameSampling.Frames(3).indices(10));
        assertArrayEquals(new long[] {0, 1, 2}, new FrameSampling.Frames(5).indices(3));
        assertArrayEquals(new long[0], new FrameSampling.Frames(5).indices(0));
        assertThrows(IllegalArgumentException.class, () -> new FrameSampling.Every(0));
        assertThrows(IllegalArgumentException.class, () -> new FrameSampling.Fps(-1));
        assertThrows(IllegalArgumentException.class, () -> new FrameSampling.Frames(0));
    }

    @Test
    void displayRotationIsApplied() throws Exception {
        // 24 x 12 frame, left half white: a 90-degree clockwise turn puts the white half on top of a 12 x 24 frame.
        java.awt.image.BufferedImage src = new java.awt.image.BufferedImage(24, 12,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 12; x++) {
                src.setRGB(x, y, 0xFFFFFF);
            }
        }
        src.setRGB(23, 0, 0xFF0000); // top-right corner red: ends up bottom-right after a clockwise turn
        Path mov = TestVideos.rotated90Mov(dir.resolve("turned.mov"), 2, 10, i -> src);
        try (VideoReader r = VideoReader.open(mov)) {
            assertEquals(90, r.info().rotation());
            int[][] seen = new int[2][];
            r.read(new FrameSampling.Every(1), (i, t, img) -> {
                seen[(int) i] = new int[] {img.getWidth(), img.getHeight(), img.getRGB(5, 5) & 0xFFFFFF,
                        img.getRGB(5, 18) & 0xFFFFFF, img.getRGB(11, 23) & 0xFFFFFF};
            });
            assertArrayEquals(new int[] {12, 24, 0xFFFFFF, 0, 0xFF0000}, seen[1]);
        }
        try (VideoReader r = VideoReader.open(avi)) {
            assertEquals(0, r.info().rotation());
        }
    }
}
