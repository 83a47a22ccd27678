package org.deepguard.core.video;

import java.awt.Rectangle;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows faces across sampled frames by box overlap: each new box joins the live track whose last box overlaps it
 * most (IoU at least {@code minIou}, each track and box matched once, best pairs first); other boxes start new
 * tracks. A track not seen for more than {@code maxGap} sampled frames ends.
 */
public final class FaceTracker {
    private final double minIou;
    private final int maxGap;
    private final List<Track> live = new ArrayList<>();
    private int nextId;
    private long step;

    private static final class Track {
        final int id;
        Rectangle last;
        long lastStep;

        Track(int id, Rectangle box, long step) {
            this.id = id;
            this.last = box;
            this.lastStep = step;
        }
    }

    public FaceTracker(double minIou, int maxGap) {
        this.minIou = minIou;
        this.maxGap = maxGap;
    }

    /** Track ids (from 0, in order of first appearance) for the boxes of the next sampled frame. */
    public int[] update(List<Rectangle> boxes) {
        live.removeIf(t -> step - t.lastStep - 1 > maxGap); // frames missed since last seen
        int[] ids = new int[boxes.size()];
        java.util.Arrays.fill(ids, -1);
        List<double[]> pairs = new ArrayList<>(); // {iou, track position, box index}
        for (int t = 0; t < live.size(); t++) {
            for (int b = 0; b < boxes.size(); b++) {
                double iou = iou(live.get(t).last, boxes.get(b));
                if (iou >= minIou) {
                    pairs.add(new double[] {iou, t, b});
                }
            }
        }
        pairs.sort((x, y) -> Double.compare(y[0], x[0]));
        boolean[] trackUsed = new boolean[live.size()];
        for (double[] p : pairs) {
            int t = (int) p[1];
            int b = (int) p[2];
            if (!trackUsed[t] && ids[b] < 0) {
                trackUsed[t] = true;
                ids[b] = live.get(t).id;
                live.get(t).last = boxes.get(b);
                live.get(t).lastStep = step;
            }
        }
        for (int b = 0; b < boxes.size(); b++) {
            if (ids[b] < 0) {
                ids[b] = nextId++;
                live.add(new Track(ids[b], boxes.get(b), step));
            }
        }
        step++;
        return ids;
    }

    /** Intersection over union of two boxes; 0 when either is empty. */
    public static double iou(Rectangle a, Rectangle b) {
        Rectangle i = a.intersection(b);
        if (i.isEmpty() || a.isEmpty() || b.isEmpty()) {
            return 0;
        }
        double inter = (double) i.width * i.height;
        return inter / ((double) a.width * a.height + (double) b.width * b.height - inter);
    }
}
