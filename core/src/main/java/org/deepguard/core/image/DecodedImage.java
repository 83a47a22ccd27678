package org.deepguard.core.image;

import java.awt.image.BufferedImage;

/**
 * A decoded image, upright (EXIF orientation applied) and in 8-bit RGB, with what the file said about itself.
 *
 * @param rgb        pixels as TYPE_INT_RGB
 * @param format     sniffed container format
 * @param colorMode  the source colour mode before conversion (e.g. rgb, rgba, gray, gray16, cmyk, indexed)
 * @param fileBytes  size of the encoded file
 */
public record DecodedImage(BufferedImage rgb, ImageFormat format, String colorMode, long fileBytes) {
    public int width() {
        return rgb.getWidth();
    }

    public int height() {
        return rgb.getHeight();
    }
}
