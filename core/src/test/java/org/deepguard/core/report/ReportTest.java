package org.deepguard.core.report;

import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.testing.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {
    @TempDir
    Path dir;

    @Test
    void chartsAreWrittenAsPngAndSvg() throws Exception {
        boolean[] y = {false, false, true, true};
        double[] s = {0.1, 0.4, 0.35, 0.8};
        byte[] png = ChartFiles.write(Plots.roc(BinaryMetrics.roc(y, s), 0.75), dir, "roc");
        assertArrayEquals(png, Files.readAllBytes(dir.resolve("roc.png")));
        assertEquals(Plots.WIDTH - 120, ImageIO.read(new ByteArrayInputStream(png)).getWidth()); // square 520 px
        assertTrue(Files.readString(dir.resolve("roc.svg")).contains("<svg"));
        ChartFiles.write(Plots.confusionMatrix(BinaryMetrics.confusion(y, s, 0.5), 0.5), dir, "cm");
        ChartFiles.write(Plots.scoreHistogram(y, s, 10), dir, "hist");
        ChartFiles.write(Plots.reliability(BinaryMetrics.reliability(y, s, 10), 0.3375), dir, "rel");
        ChartFiles.write(Plots.precisionRecall(BinaryMetrics.precisionRecall(y, s), 0.83, 0.5), dir, "pr");
        ChartFiles.write(Plots.robustness("jpeg", "quality", new double[] {90, 50}, new double[] {0.7, 0.6}, 0.75), dir, "rob");
        for (String f : List.of("cm", "hist", "rel", "pr", "rob")) {
            assertTrue(Files.size(dir.resolve(f + ".png")) > 1000 && Files.size(dir.resolve(f + ".svg")) > 1000, f);
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temp files left");
        }
    }

    @Test
    void trainingCurvesNeedNumbers() {
        assertNull(Plots.trainingCurves(List.of(Map.of("epoch", 1, "phase", "x")), "t", k -> true));
        var chart = Plots.trainingCurves(List.of(Map.of("epoch", 1, "loss", 0.5, "val_auc", 0.6),
                Map.of("epoch", 2, "loss", 0.4, "val_auc", 0.7)), "t", k -> k.endsWith("loss"));
        assertEquals(1, chart.getSeriesMap().size());
        assertTrue(chart.getSeriesMap().containsKey("loss"));
    }

    @Test
    void htmlIsSelfContainedAndEscaped() throws Exception {
        byte[] thumb = HtmlReport.thumbnail(TestImages.texture(300, 1), 128);
        assertEquals(128, ImageIO.read(new ByteArrayInputStream(thumb)).getWidth());
        HtmlReport r = new HtmlReport("a <b> & 'c'");
        r.heading("Metrics").keyValues(Map.of("auc", 0.123456, "none", Double.NaN))
                .table(List.of("x"), List.of(List.of("<script>")))
                .thumbnails(List.of(new HtmlReport.Thumb(thumb, "f.png p=0.9")));
        String html = r.render();
        assertTrue(html.contains("a &lt;b&gt; &amp; &#39;c&#39;"));
        assertTrue(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        assertTrue(html.contains("0.1235") && html.contains("n/a"));
        assertTrue(html.contains("src=\"data:image/png;base64,"));
        r.write(dir.resolve("r.html"));
        assertEquals(html, Files.readString(dir.resolve("r.html")));
    }
}
