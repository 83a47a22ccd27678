package org.deepguard.core.report;

import org.deepguard.core.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/** Writes a chart as {@code name.png} and {@code name.svg}, atomically; returns the PNG bytes for embedding. */
public final class ChartFiles {
    private ChartFiles() {}

    public static byte[] write(Chart<?, ?> chart, Path dir, String name) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
        byte[] bytes = png.toByteArray();
        AtomicFiles.writeBytes(dir.resolve(name + ".png"), bytes);
        AtomicFiles.write(dir.resolve(name + ".svg"),
                out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out, VectorGraphicsEncoder.VectorGraphicsFormat.SVG));
        return bytes;
    }
}
