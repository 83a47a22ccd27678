package org.deepguard.core.data;

import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Hashing;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.preprocess.ResizePolicy;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Writes resized copies of a manifest's usable images into a new folder ({@code split/label/name_sha8.ext}) and the
 * manifest describing them. Sources are only read. Each copy is written atomically, and a copy that already exists
 * is kept, so an interrupted export resumes; the settings are recorded in {@code export.json} and a rerun with other
 * settings into the same folder is refused.
 */
public final class Exporter {
    public static final String SOURCE_COLUMN = "source";

    public enum Format { PNG, JPG }

    /** Export settings; recorded in export.json. */
    public record Settings(int size, ResizePolicy policy, Format format, float quality) {
        public Settings {
            if (size < 8 || size > 8192) {
                throw new IllegalArgumentException("export size must be 8..8192 pixels");
            }
            if (quality <= 0 || quality > 1) {
                throw new IllegalArgumentException("JPEG quality must be in (0, 1]");
            }
        }
    }

    private Exporter() {}

    public static Manifest export(Manifest manifest, Path outDir, Settings settings, int threads, IntConsumer progress)
            throws IOException {
        Path dir = outDir.toAbsolutePath().normalize();
        Path settingsFile = dir.resolve("export.json");
        String settingsJson = org.deepguard.core.io.Json.pretty(settings) + "\n";
        if (Files.exists(settingsFile) && !Files.readString(settingsFile).equals(settingsJson)) {
            throw new IOException(dir + ": holds an export made with other settings (" + settingsFile
                    + "); choose another folder");
        }
        AtomicFiles.writeString(settingsFile, settingsJson);
        List<ManifestEntry> rows = manifest.entries().stream().filter(ManifestEntry::isUsable).toList();
        ManifestEntry[] out = new ManifestEntry[rows.size()];
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> IntStream.range(0, rows.size()).parallel().forEach(i -> {
                out[i] = exportOne(manifest, rows.get(i), dir, settings);
                progress.accept(1);
            })).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("export interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("export failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return new Manifest(List.of(out), dir);
    }

    private static ManifestEntry exportOne(Manifest manifest, ManifestEntry e, Path dir, Settings s) {
        Path src = manifest.resolve(e);
        String stem = src.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String tag = e.sha256().length() >= 8 ? e.sha256().substring(0, 8) : Integer.toHexString(e.path().hashCode());
        String ext = s.format() == Format.PNG ? "png" : "jpg";
        String split = e.split() == Split.NONE ? "unsplit" : e.split().code();
        String copy = e.extra().getOrDefault(Balancer.COPY_COLUMN, "");
        String rel = split + "/" + e.label().code() + "/" + stem + "_" + tag + (copy.isEmpty() ? "" : "_" + copy)
                + "." + ext;
        Path target = dir.resolve(rel);
        Map<String, String> extra = new LinkedHashMap<>(e.extra());
        extra.put(SOURCE_COLUMN, src.toString());
        extra.put(DatasetScanner.FORMAT_COLUMN, s.format() == Format.PNG ? "png" : "jpeg");
        extra.put(DatasetScanner.COLOR_MODE_COLUMN, "rgb");
        extra.remove(NearDuplicates.PHASH_COLUMN); // recomputed by a later scan or report if needed
        try {
            byte[] bytes;
            if (Files.isRegularFile(target)) {
                bytes = Files.readAllBytes(target); // finished by an earlier, interrupted run
            } else {
                DecodedImage img = ImageLoader.load(src);
                bytes = encode(resize(img.rgb(), s.size(), s.policy()), s);
                AtomicFiles.writeBytes(target, bytes);
            }
            extra.put(DatasetScanner.BYTES_COLUMN, Integer.toString(bytes.length));
            return new ManifestEntry(rel, e.label(), e.split(), Hashing.sha256(bytes), s.size(), s.size(),
                    ManifestEntry.Status.OK, "", e.group(), extra);
        } catch (ImageLoadException ex) {
            return new ManifestEntry(rel, e.label(), e.split(), e.sha256(), 0, 0, ManifestEntry.Status.EXCLUDED,
                    ex.problem().code(), e.group(), extra);
        } catch (IOException ex) {
            String m = String.valueOf(ex.getMessage());
            throw new java.io.UncheckedIOException(m.startsWith(target.toString()) ? m : target + ": " + m, ex);
        }
    }

    /** Same resampler and policies as the network preprocessing; PAD fills with the ImageNet mean colour. */
    public static BufferedImage resize(BufferedImage rgb, int size, ResizePolicy policy) {
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        float[][] planes = new float[3][w * h];
        int[] px = rgb.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            planes[0][i] = (px[i] >> 16) & 0xFF;
            planes[1][i] = (px[i] >> 8) & 0xFF;
            planes[2][i] = px[i] & 0xFF;
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        int fill = 0;
        for (int c = 0; c < 3; c++) {
            fill = (fill << 8) | Math.round(Preprocessing.IMAGENET_MEAN[c] * 255);
        }
        Preprocessor.Resized resized = Preprocessor.resize(planes, w, h, size, policy);
        if (resized.width() != size || resized.height() != size) { // PAD: the border is the mean colour
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    out.setRGB(x, y, fill);
                }
            }
        }
        float[][] r = resized.planes();
        int outW = resized.width();
        int outH = resized.height();
        int offX = resized.offsetX();
        int offY = resized.offsetY();
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int i = y * outW + x;
                out.setRGB(x + offX, y + offY, (clamp(r[0][i]) << 16) | (clamp(r[1][i]) << 8) | clamp(r[2][i]));
            }
        }
        return out;
    }

    private static int clamp(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static byte[] encode(BufferedImage img, Settings s) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        if (s.format() == Format.PNG) {
            ImageIO.write(img, "png", buf);
            return buf.toByteArray();
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(buf)) {
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(s.quality());
            writer.setOutput(ios);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return buf.toByteArray();
    }
}
