package org.deepguard.core.image;

import com.drew.imaging.ImageMetadataReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Safe image decoding shared by every stage: sniffs the content, refuses decompression bombs before allocating
 * pixels, detects truncation, applies EXIF orientation and converts to 8-bit RGB. Alpha is dropped (not composited),
 * as PIL's {@code convert("RGB")} does, so Java and Python pipelines agree on RGBA PNGs.
 */
public final class ImageLoader {

    /** Limits applied before any pixel is decoded. */
    public record Limits(long maxFileBytes, long maxPixels) {
        /** 256 MiB files, 100 megapixels: larger than any camera photo, far below what exhausts a 2 GiB heap. */
        public static final Limits DEFAULT = new Limits(256L << 20, 100_000_000L);
    }

    static {
        ImageIO.setUseCache(false); // decode in memory; no temp files in the user's tmp dir
    }

    private ImageLoader() {}

    public static DecodedImage load(Path path) throws ImageLoadException {
        return load(path, Limits.DEFAULT);
    }

    public static DecodedImage load(Path path, Limits limits) throws ImageLoadException {
        String name = path.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(path)) {
                throw new ImageLoadException(name, ImageProblem.NOT_AN_IMAGE, "is a directory");
            }
            long size = Files.size(path);
            if (size > limits.maxFileBytes()) {
                throw new ImageLoadException(name, ImageProblem.TOO_LARGE, size + " bytes > " + limits.maxFileBytes());
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ImageLoadException(name, ImageProblem.MISSING, null);
        } catch (AccessDeniedException e) {
            throw new ImageLoadException(name, ImageProblem.UNREADABLE, "permission denied");
        } catch (IOException e) {
            throw new ImageLoadException(name, ImageProblem.UNREADABLE, e.getMessage());
        }
        return decode(bytes, name, limits);
    }

    /** Reads only the header: format and dimensions, without decoding pixels. */
    public static ImageHeader header(byte[] bytes, String name) throws ImageLoadException {
        ImageFormat format = sniffOrThrow(bytes, name);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            try {
                reader.setInput(in, true, true);
                return new ImageHeader(format, reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageLoadException(name, ImageProblem.CORRUPT, shortMessage(e), e);
        }
    }

    public record ImageHeader(ImageFormat format, int width, int height) {}

    public static DecodedImage decode(byte[] bytes, String name, Limits limits) throws ImageLoadException {
        return decode(bytes, name, limits, 0).image();
    }

    /**
     * A decode whose pixels may be kept at reduced size, with the full image's size.
     *
     * @param image  upright RGB pixels, possibly subsampled
     * @param width  the full, upright width
     * @param height the full, upright height
     */
    public record Checked(DecodedImage image, int width, int height) {}

    /**
     * Decodes as strictly as {@link #decode(byte[], String, Limits)} (same limits, same truncation and corruption
     * checks, every scanline still read), but for a JPEG whose shorter side is at least twice {@code keepSide} keeps
     * only every k-th row and column (k = shorter side / keepSide), ending on the last row so the whole entropy-coded
     * data is still consumed: no full-size raster, no full-size RGB conversion. For callers that need only a coarse
     * view of the pixels (the perceptual hash reads a 32 x 32 grid); {@code keepSide} 0 keeps every pixel.
     * Plain whole RGB JPEGs and PNGs go through {@link NativeDecode} (libjpeg-turbo, with DCT scaling when
     * {@code keepSide} > 0; {@link PngRows}) when it accepts them: at full size its pixels equal this decoder's, and
     * it never rejects a file: anything it declines is decoded here.
     */
    public static Checked decode(byte[] bytes, String name, Limits limits, int keepSide) throws ImageLoadException {
        if (bytes.length == 0) {
            throw new ImageLoadException(name, ImageProblem.EMPTY, null);
        }
        Checked fast = NativeDecode.tryDecode(bytes, limits, keepSide); // plain, whole files only; see there
        return fast != null ? fast : decodeWithImageIo(bytes, name, limits, keepSide);
    }

    /** The ImageIO decode behind {@link #decode(byte[], String, Limits, int)}: every file it is given. */
    static Checked decodeWithImageIo(byte[] bytes, String name, Limits limits, int keepSide)
            throws ImageLoadException {
        if (bytes.length == 0) {
            throw new ImageLoadException(name, ImageProblem.EMPTY, null);
        }
        ImageFormat format = sniffOrThrow(bytes, name);
        BufferedImage raw;
        String colorMode;
        int fullW;
        int fullH;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = readerFor(in, name);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener(warningCollector(warnings));
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > limits.maxPixels()) {
                    throw new ImageLoadException(name, ImageProblem.TOO_LARGE,
                            reader.getWidth(0) + "x" + reader.getHeight(0) + " > " + limits.maxPixels() + " pixels");
                }
                fullW = reader.getWidth(0);
                fullH = reader.getHeight(0);
                int k = keepSide > 0 && format == ImageFormat.JPEG ? Math.min(fullW, fullH) / keepSide : 1;
                if (k >= 2) {
                    javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
                    // offsets chosen so the last row and column are among those kept: the decoder reads to the end
                    param.setSourceSubsampling(k, k, (fullW - 1) % k, (fullH - 1) % k);
                    raw = reader.read(0, param);
                } else {
                    raw = reader.read(0);
                }
            } finally {
                reader.dispose();
            }
            for (String w : warnings) {
                String lower = w.toLowerCase();
                if (lower.contains("premature end") || lower.contains("truncat") || lower.contains("corrupt")) {
                    throw new ImageLoadException(name, ImageProblem.TRUNCATED, w);
                }
            }
        } catch (ImageLoadException e) {
            throw e;
        } catch (EOFException e) {
            throw new ImageLoadException(name, ImageProblem.TRUNCATED, "unexpected end of data", e);
        } catch (IIOException e) {
            boolean eof = e.getCause() instanceof EOFException
                    || String.valueOf(e.getMessage()).toLowerCase().contains("eof");
            throw new ImageLoadException(name, eof ? ImageProblem.TRUNCATED : ImageProblem.CORRUPT, shortMessage(e), e);
        } catch (IOException | RuntimeException e) {
            throw new ImageLoadException(name, ImageProblem.CORRUPT, shortMessage(e), e);
        }
        if (raw == null) {
            throw new ImageLoadException(name, ImageProblem.CORRUPT, "decoder returned no image");
        }
        colorMode = colorMode(raw);
        BufferedImage rgb = toRgb(raw);
        int orientation = format == ImageFormat.JPEG || format == ImageFormat.TIFF || format == ImageFormat.WEBP
                || format == ImageFormat.PNG ? exifOrientation(bytes) : 1;
        boolean transposed = orientation >= 5 && orientation <= 8;
        return new Checked(new DecodedImage(Orientation.apply(rgb, orientation), format, colorMode, bytes.length),
                transposed ? fullH : fullW, transposed ? fullW : fullH);
    }

    private static ImageFormat sniffOrThrow(byte[] bytes, String name) throws ImageLoadException {
        if (bytes.length == 0) {
            throw new ImageLoadException(name, ImageProblem.EMPTY, null);
        }
        ImageFormat format = ImageFormat.sniff(bytes, Math.min(bytes.length, ImageFormat.SNIFF_BYTES));
        if (format == ImageFormat.NOT_IMAGE) {
            throw new ImageLoadException(name, ImageProblem.NOT_AN_IMAGE, null);
        }
        if (format == ImageFormat.UNKNOWN_IMAGE) {
            throw new ImageLoadException(name, ImageProblem.UNSUPPORTED_FORMAT, null);
        }
        return format;
    }

    private static ImageReader readerFor(ImageInputStream in, String name) throws ImageLoadException {
        if (in == null) {
            throw new ImageLoadException(name, ImageProblem.CORRUPT, "cannot open stream");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ImageLoadException(name, ImageProblem.UNSUPPORTED_FORMAT, "no decoder");
        }
        return readers.next();
    }

    private static IIOReadWarningListener warningCollector(List<String> sink) {
        return (source, warning) -> sink.add(warning);
    }

    /** Converts any decoded image to TYPE_INT_RGB; alpha is dropped, grey/16-bit/indexed/CMYK become sRGB. */
    public static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[w];
        int type = src.getType();
        if (type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_4BYTE_ABGR) {
            // sRGB bytes (the type guarantees sRGB): copy samples directly, ~10x faster than getRGB's colour model
            // path and bit-identical to it (alpha is dropped either way).
            int bands = src.getRaster().getNumBands();
            int[] samples = new int[w * bands];
            int[] dst = ((java.awt.image.DataBufferInt) out.getRaster().getDataBuffer()).getData();
            for (int y = 0; y < h; y++) {
                src.getRaster().getPixels(0, y, w, 1, samples);
                for (int x = 0, i = 0, o = y * w; x < w; x++, i += bands) {
                    dst[o + x] = (samples[i] << 16) | (samples[i + 1] << 8) | samples[i + 2];
                }
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            src.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                row[x] &= 0xFFFFFF;
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }

    /** The source colour mode, named as in PIL where it has a name. */
    public static String colorMode(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        if (cm instanceof IndexColorModel) {
            return "indexed";
        }
        int bits = cm.getComponentSize(0);
        boolean alpha = cm.hasAlpha();
        String base = switch (cm.getColorSpace().getType()) {
            case ColorSpace.TYPE_GRAY -> "gray";
            case ColorSpace.TYPE_CMYK -> "cmyk";
            case ColorSpace.TYPE_RGB -> "rgb";
            default -> "other";
        };
        return base + (alpha ? "a" : "") + (bits > 8 ? "16" : "");
    }

    static int exifOrientation(byte[] bytes) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            ExifIFD0Directory dir = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (dir != null && dir.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                return dir.getInt(ExifIFD0Directory.TAG_ORIENTATION);
            }
        } catch (Exception e) {
            // Broken metadata does not make the pixels unusable: treat as upright.
        }
        return 1;
    }

    private static String shortMessage(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
