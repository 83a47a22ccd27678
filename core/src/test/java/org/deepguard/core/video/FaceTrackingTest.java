package org.deepguard.core.video;

import org.deepguard.core.model.Detector;
import org.deepguard.core.testing.TestVideos;
import org.deepguard.core.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Rectangle;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaceTrackingTest {
    @TempDir
    Path dir;

    @Test
    void iouOfHandMadeBoxes() {
        assertEquals(1.0 / 3, FaceTracker.iou(new Rectangle(0, 0, 10, 10), new Rectangle(5, 0, 10, 10)), 1e-12);
        assertEquals(1.0, FaceTracker.iou(new Rectangle(2, 2, 4, 4), new Rectangle(2, 2, 4, 4)), 1e-12);
        assertEquals(0.0, FaceTracker.iou(new Rectangle(0, 0, 5, 5), new Rectangle(5, 5, 5, 5)), 1e-12);
    }

    @Test
    void tracksFollowOverlapSurviveShortGapsAndEndAfterLongOnes() {
        FaceTracker t = new FaceTracker(0.3, 1);
        Rectangle a = new Rectangle(0, 0, 20, 20);
        Rectangle b = new Rectangle(50, 50, 20, 20);
        assertArrayEquals(new int[] {0, 1}, t.update(List.of(a, b)));
        // Both move a little; listed in the other order: ids follow the boxes.
        assertArrayEquals(new int[] {1, 0}, t.update(List.of(new Rectangle(53, 50, 20, 20), new Rectangle(3, 2, 20, 20))));
        // a is missed for one frame (allowed gap), then comes back.
        assertArrayEquals(new int[] {1}, t.update(List.of(new Rectangle(55, 50, 20, 20))));
        assertArrayEquals(new int[] {0, 1}, t.update(List.of(new Rectangle(4, 2, 20, 20), new Rectangle(56, 50, 20, 20))));
        // Two frames without a: its track ends, a later face there is a new track.
        t.update(List.of(new Rectangle(56, 50, 20, 20)));
        t.update(List.of(new Rectangle(56, 50, 20, 20)));
        assertArrayEquals(new int[] {2, 1}, t.update(List.of(new Rectangle(4, 2, 20, 20), new Rectangle(56, 51, 20, 20))));
        // A box overlapping nothing enough starts a track; one track takes one box only.
        assertArrayEquals(new int[] {1, 3}, t.update(List.of(new Rectangle(56, 51, 20, 20), new Rectangle(60, 51, 20, 20))));
    }

    @Test
    void cropBoxIsASquareWithMarginClippedToTheFrame() {
        assertEquals(new Rectangle(5, 5, 40, 40), FaceFinder.cropBox(new Rectangle(10, 10, 30, 30), 1.0 / 6, 100, 100));
        assertEquals(new Rectangle(0, 0, 25, 25), FaceFinder.cropBox(new Rectangle(0, 0, 20, 20), 0.25, 100, 100));
    }

    @Test
    void aMovingFaceIsOneTrackAndAFacelessVideoIsNoFace() throws Exception {
        try (FaceFinder finder = FaceFinder.haar()) {
            List<Rectangle> faces = finder.find(TestVideos.cartoonFace(128, 20, 15, 60));
            assertEquals(1, faces.size(), faces.toString());
            assertTrue(faces.get(0).intersects(new Rectangle(20, 15, 60, 75)));
            assertEquals(List.of(), finder.find(TestVideos.grey(128, 12)));
        }
        Detector detector = new Detector(TinyModels.tinyBundle(dir.resolve("model"), 32, 1));
        Path video = TestVideos.pngAvi(dir.resolve("face.avi"), 6, 10, i -> TestVideos.cartoonFace(128, 20 + 3 * i, 15, 60));
        VideoResult r = new VideoDetector(detector, new FrameSampling.Every(1), Aggregation.meanLogit(), 4)
                .withFaces(0.2).detect(video);
        assertEquals(6, r.frames().size());
        assertTrue(r.frames().stream().allMatch(f -> f.track() == 0 && f.box() != null), r.frames().toString());
        assertEquals(1, r.tracks().size());
        assertEquals(0.0, r.tracks().get(0).fromSeconds(), 1e-9);
        assertEquals(0.5, r.tracks().get(0).toSeconds(), 1e-9);
        assertEquals(r.tracks().get(0).verdict(), r.verdict());
        // The face moves right by 3 px a frame; the boxes follow it.
        assertTrue(r.frames().get(5).box().x > r.frames().get(0).box().x + 8, r.frames().toString());

        Path grey = TestVideos.pngAvi(dir.resolve("grey.avi"), 3, 10, i -> TestVideos.grey(64, i));
        VideoException e = assertThrows(VideoException.class, () -> new VideoDetector(detector,
                new FrameSampling.Every(1), Aggregation.meanLogit(), 4).withFaces(0.2).detect(grey));
        assertEquals(VideoProblem.NO_FACE, e.problem());
        assertEquals(grey + ": no face found in the sampled frames (3 frames searched)", e.getMessage());
    }
}
