package org.deepguard.core.train;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The images of one side of a cross-validation fold, decoded on demand (never all held at once), for the
 * {@link FoldBaseline}s.
 */
public final class FoldImages {
    private final List<Path> files;
    private final boolean[] isFake;
    private final BiFunction<BufferedImage, Path, BufferedImage> transform;

    public FoldImages(List<Path> files, boolean[] isFake) {
        this(files, isFake, (img, file) -> img);
    }

    private FoldImages(List<Path> files, boolean[] isFake, BiFunction<BufferedImage, Path, BufferedImage> transform) {
        if (files.size() != isFake.length) {
            throw new IllegalArgumentException("files and labels differ in length");
        }
        this.files = List.copyOf(files);
        this.isFake = isFake.clone();
        this.transform = transform;
    }

    /** The same images as a baseline sees them after {@code transform} (e.g. JPEG re-encoding), given each file. */
    public FoldImages transformed(BiFunction<BufferedImage, Path, BufferedImage> next) {
        return new FoldImages(files, isFake, (img, file) -> next.apply(transform.apply(img, file), file));
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
        return transform.apply(ImageLoader.load(files.get(i)).rgb(), files.get(i));
    }
}
