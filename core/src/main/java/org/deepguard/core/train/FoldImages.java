package org.deepguard.core.train;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The images of one side of a cross-validation fold, decoded on demand (never all held at once), for the
 * {@link FoldBaseline}s.
 */
public final class FoldImages {
    private final List<Path> files;
    private final boolean[] isFake;

    public FoldImages(List<Path> files, boolean[] isFake) {
        if (files.size() != isFake.length) {
            throw new IllegalArgumentException("files and labels differ in length");
        }
        this.files = List.copyOf(files);
        this.isFake = isFake.clone();
    }

    public int size() {
        return files.size();
    }

    public Path file(int i) {
        return files.get(i);
    }

    public boolean isFake(int i) {
        return isFake[i];
    }

    public boolean[] labels() {
        return isFake.clone();
    }

    /** Size of the file on disk in bytes. */
    public long fileBytes(int i) {
        try {
            return Files.size(files.get(i));
        } catch (IOException e) {
            throw new UncheckedIOException(files.get(i) + ": cannot read the file size", e);
        }
    }

    /** The decoded RGB image, with the same safe loader as everywhere else. */
    public BufferedImage image(int i) throws ImageLoadException {
        return ImageLoader.load(files.get(i)).rgb();
    }
}
