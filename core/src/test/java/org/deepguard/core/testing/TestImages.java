package org.deepguard.core.testing;

import org.deepguard.core.sample.SampleGenerator;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Tiny image fixtures written by the tests themselves (shared with the CLI modules through the test-jar). */
public final class TestImages {
    private TestImages() {}

    public static BufferedImage texture(int size, long seed) {
        return SampleGenerator.texture(size, size, new SplittableRandom(seed));
    }

    public static Path png(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    public static Path jpeg(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "jpg", file.toFile());
        return file;
    }

    /** An ImageFolder dataset (real/, fake/) from the synthetic sample generator. */
    public static Path sampleDataset(Path dir, int perClass, int size) throws IOException {
        SampleGenerator.write(dir, perClass, size, 7);
        return dir;
    }

    /** A file whose name says PNG but whose content is text. */
    public static Path textNamedPng(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, "this is not an image\n");
    }

    /** A PNG cut in half: a valid header followed by truncated data. */
    public static Path truncatedPng(Path file, int size) throws IOException {
        Path full = png(file.resolveSibling(file.getFileName() + ".full.png"), texture(size, 3));
        byte[] bytes = Files.readAllBytes(full);
        Files.delete(full);
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }
}
