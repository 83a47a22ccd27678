package org.deepguard.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Every output of the toolkit is written through here: to a temporary file in the target's folder, flushed to disk,
 * then renamed over the target. A reader (or a resumed run) sees the old file or the new one, never half of one.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes whatever {@code body} streams into {@code target}, atomically. */
    public static void write(Path target, IoConsumer<OutputStream> body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        // Temp files are created owner-only; outputs are ordinary files that others may read (umask-like 0644).
        try {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its defaults
        }
        try {
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE);
                 OutputStream out = new java.io.BufferedOutputStream(
                         SpaceLimit.charge(java.nio.channels.Channels.newOutputStream(channel), target), 1 << 16)) {
                // Writers that close their stream (CSV printers, image writers) must not close ours before force().
                body.accept(new java.io.FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();
                    }
                });
                out.flush();
                channel.force(true);
            }
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            if (e.getClass() == IOException.class || e instanceof SpaceLimit.NoSpaceLeft) {
                // What a full disk (ENOSPC) or a failing device gives: a bare reason. Name the file, say what is kept.
                throw new IOException(target + ": not written: " + e.getMessage()
                        + " (the previous file, if any, is unchanged)", e);
            }
            throw e;
        } catch (RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Installs a simulated file system that runs out of space after {@code bytes} more bytes written through this
     * class (in any thread), until the returned handle is closed. The write that would pass the limit fails as the
     * operating system's ENOSPC does ("No space left on device"), so tests can check what a command does when its
     * output disk fills up (one-line error, exit code, previous output intact) without root or mounts.
     */
    public static SpaceLimit limitSpaceForTesting(long bytes) {
        return SpaceLimit.install(bytes, target -> true);
    }

    /**
     * As {@link #limitSpaceForTesting(long)}, for the writes whose target {@code where} accepts (asked once, when the
     * write starts): e.g. the second checkpoint of a run, so that the first one is there to be kept.
     */
    public static SpaceLimit limitSpaceForTesting(long bytes, java.util.function.Predicate<Path> where) {
        return SpaceLimit.install(bytes, where);
    }

    /** The handle of {@link #limitSpaceForTesting}; closing it removes the limit. */
    public static final class SpaceLimit implements AutoCloseable {
        private static volatile SpaceLimit current;
        private final java.util.concurrent.atomic.AtomicLong left;
        private final java.util.function.Predicate<Path> where;

        private SpaceLimit(long bytes, java.util.function.Predicate<Path> where) {
            this.left = new java.util.concurrent.atomic.AtomicLong(bytes);
            this.where = where;
        }

        private static synchronized SpaceLimit install(long bytes, java.util.function.Predicate<Path> where) {
            if (bytes < 0) {
                throw new IllegalArgumentException("space must be >= 0, got " + bytes);
            }
            if (current != null) {
                throw new IllegalStateException("a space limit is already installed");
            }
            current = new SpaceLimit(bytes, where);
            return current;
        }

        @Override
        public void close() {
            synchronized (SpaceLimit.class) {
                if (current == this) {
                    current = null;
                }
            }
        }

        /** The ENOSPC of the simulated file system: an ordinary IOException with the operating system's wording. */
        static final class NoSpaceLeft extends IOException {
            NoSpaceLeft() {
                super("No space left on device");
            }
        }

        /** {@code out} itself when no limit is installed (the normal case: no cost). */
        static OutputStream charge(OutputStream out, Path target) {
            SpaceLimit limit = current;
            if (limit == null || !limit.where.test(target)) {
                return out;
            }
            return new java.io.FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    take(1);
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    take(len);
                    out.write(b, off, len);
                }

                private void take(long n) throws IOException {
                    if (limit.left.addAndGet(-n) < 0) {
                        limit.left.addAndGet(n);
                        throw new NoSpaceLeft();
                    }
                }
            };
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Renames {@code source} over {@code target}, atomically where the file system allows it. */
    public static void moveIntoPlace(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T value) throws IOException;
    }
}
