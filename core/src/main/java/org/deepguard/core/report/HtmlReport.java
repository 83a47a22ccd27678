package org.deepguard.core.report;

import org.deepguard.core.image.ImageScaling;
import org.deepguard.core.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A single self-contained HTML page: images are embedded as base64 data URIs and the style is inline, so the file
 * can be mailed or archived alone. Only layout lives here; the caller supplies finished numbers and charts.
 */
public final class HtmlReport {
    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlReport(String title) {
        this.title = title;
    }

    /** A captioned image for a thumbnail grid. */
    public record Thumb(byte[] png, String caption) {}

    public HtmlReport heading(String text) {
        body.append("<h2>").append(esc(text)).append("</h2>\n");
        return this;
    }

    public HtmlReport subheading(String text) {
        body.append("<h3>").append(esc(text)).append("</h3>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    public HtmlReport keyValues(Map<String, ?> values) {
        body.append("<table class=\"kv\">\n");
        values.forEach((k, v) -> body.append("<tr><th>").append(esc(k)).append("</th><td>")
                .append(esc(format(v))).append("</td></tr>\n"));
        body.append("</table>\n");
        return this;
    }

    public HtmlReport table(List<String> header, List<? extends List<?>> rows) {
        body.append("<table>\n<tr>");
        header.forEach(h -> body.append("<th>").append(esc(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<?> row : rows) {
            body.append("<tr>");
            row.forEach(c -> body.append("<td>").append(esc(format(c))).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    public HtmlReport image(String alt, byte[] png) {
        body.append("<figure><img alt=\"").append(esc(alt)).append("\" src=\"").append(dataUri(png))
                .append("\"></figure>\n");
        return this;
    }

    public HtmlReport thumbnails(List<Thumb> thumbs) {
        if (thumbs.isEmpty()) {
            body.append("<p class=\"muted\">none</p>\n");
            return this;
        }
        body.append("<div class=\"thumbs\">\n");
        for (Thumb t : thumbs) {
            body.append("<figure class=\"thumb\"><img alt=\"").append(esc(t.caption())).append("\" src=\"")
                    .append(dataUri(t.png())).append("\"><figcaption>").append(esc(t.caption()))
                    .append("</figcaption></figure>\n");
        }
        body.append("</div>\n");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;"
                + "text-align:left;font-size:90%}th{background:#f3f3f3}figure{display:inline-block;margin:6px}"
                + ".thumbs{display:flex;flex-wrap:wrap}.thumb img{width:96px;height:96px;object-fit:cover}"
                + ".thumb figcaption{font-size:70%;max-width:96px;overflow-wrap:anywhere}.muted{color:#888}"
                + "</style></head>\n<body>\n<h1>" + esc(title) + "</h1>\n" + body + "</body></html>\n";
    }

    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, render());
    }

    /** A PNG thumbnail no larger than {@code maxSide} on either side. */
    public static byte[] thumbnail(BufferedImage img, int maxSide) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(ImageScaling.fit(img, maxSide), "png", bytes);
        return bytes.toByteArray();
    }

    static String dataUri(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    static String format(Object v) {
        if (v == null) {
            return "n/a";
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? String.format(java.util.Locale.ROOT, "%.4f", d) : "n/a";
        }
        if (v instanceof Float f) {
            return format(f.doubleValue());
        }
        return v.toString();
    }

    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
