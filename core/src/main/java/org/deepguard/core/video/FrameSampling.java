package org.deepguard.core.video;

/**
 * Which decoded frames get scored. Frames are numbered 0, 1, 2, ... in presentation order; times are seconds from
 * the start of the video stream.
 * <ul>
 *   <li>{@link Every}: frames 0, n, 2n, ...</li>
 *   <li>{@link Fps}: for each target time j/f (j = 0, 1, ...) the frame nearest to it (ties go to the later frame);
 *       a frame is taken at most once, so f above the video's rate gives every frame.</li>
 *   <li>{@link Frames}: k frames evenly spread: the middle frame of each of k equal segments,
 *       index floor((2j + 1) N / 2k) for j = 0..k-1 with N frames in total; all frames when k >= N.</li>
 * </ul>
 */
public sealed interface FrameSampling {

    /** Whether {@link #selector} needs the total frame count. */
    default boolean needsFrameCount() {
        return false;
    }

    /**
     * A fresh, stateful selector for one pass over a video.
     *
     * @param totalFrames frame count (only used by {@link Frames}; -1 when unknown)
     * @param frameRate   average frame rate, 0 when unknown (used by {@link Fps} to find the nearest frame)
     */
    Selector selector(long totalFrames, double frameRate);

    /** Short description for output, e.g. "every=5". */
    String describe();

    /** Frames must be offered in order, each exactly once. */
    interface Selector {
        boolean take(long index, double seconds);

        /** No later frame can be taken (lets the reader stop decoding early). */
        default boolean done() {
            return false;
        }
    }

    record Every(int n) implements FrameSampling {
        public Every {
            if (n < 1) {
                throw new IllegalArgumentException("--every needs a positive frame step, got " + n);
            }
        }

        @Override
        public Selector selector(long totalFrames, double frameRate) {
            return (index, seconds) -> index % n == 0;
        }

        @Override
        public String describe() {
            return "every=" + n;
        }
    }

    record Fps(double fps) implements FrameSampling {
        public Fps {
            if (!(fps > 0) || Double.isInfinite(fps)) {
                throw new IllegalArgumentException("--fps needs a positive rate, got " + fps);
            }
        }

        @Override
        public Selector selector(long totalFrames, double frameRate) {
            // Just under half a frame: a frame this far before a target is the nearest one; exact ties go later.
            double tolerance = frameRate > 0 ? 0.499 / frameRate : 0.0005;
            return new Selector() {
                long next = 0; // index j of the next target time j / fps

                @Override
                public boolean take(long index, double seconds) {
                    if (seconds + tolerance < next / fps) {
                        return false;
                    }
                    next = (long) Math.floor((seconds + tolerance) * fps) + 1;
                    return true;
                }
            };
        }

        @Override
        public String describe() {
            return "fps=" + fps;
        }
    }

    record Frames(int k) implements FrameSampling {
        public Frames {
            if (k < 1) {
                throw new IllegalArgumentException("--frames needs a positive count, got " + k);
            }
        }

        @Override
        public boolean needsFrameCount() {
            return true;
        }

        /** The indices taken from a video of {@code total} frames. */
        public long[] indices(long total) {
            if (total <= 0) {
                return new long[0];
            }
            if (k >= total) {
                long[] all = new long[(int) total];
                for (int i = 0; i < all.length; i++) {
                    all[i] = i;
                }
                return all;
            }
            long[] out = new long[k];
            for (int j = 0; j < k; j++) {
                out[j] = Math.floorDiv((2L * j + 1) * total, 2L * k);
            }
            return out;
        }

        @Override
        public Selector selector(long totalFrames, double frameRate) {
            if (totalFrames < 0) {
                throw new IllegalStateException("--frames needs the frame count");
            }
            long[] wanted = indices(totalFrames);
            return new Selector() {
                int pos = 0;

                @Override
                public boolean take(long index, double seconds) {
                    if (pos < wanted.length && wanted[pos] == index) {
                        pos++;
                        return true;
                    }
                    return false;
                }

                @Override
                public boolean done() {
                    return pos >= wanted.length;
                }
            };
        }

        @Override
        public String describe() {
            return "frames=" + k;
        }
    }
}
