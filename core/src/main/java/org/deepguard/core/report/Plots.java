package org.deepguard.core.report;

import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Curve;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The evaluation charts, built from already computed numbers (no metric is computed here). Each method returns an
 * XChart chart; {@link ChartFiles} writes it.
 */
public final class Plots {
    public static final int WIDTH = 640;
    public static final int HEIGHT = 480;
    private static final Color REAL = new Color(0x1f77b4);
    private static final Color FAKE = new Color(0xd62728);

    private Plots() {}

    /** Rows are the true class, columns the prediction; cells show counts. */
    public static HeatMapChart confusionMatrix(BinaryMetrics.Confusion c, double threshold) {
        HeatMapChart chart = new HeatMapChartBuilder().width(480).height(420)
                .title(String.format(Locale.ROOT, "Confusion matrix (threshold %.3f)", threshold))
                .xAxisTitle("predicted").yAxisTitle("actual").build();
        List<Number[]> cells = new ArrayList<>();
        cells.add(new Number[] {0, 0, c.tn()});
        cells.add(new Number[] {1, 0, c.fp()});
        cells.add(new Number[] {0, 1, c.fn()});
        cells.add(new Number[] {1, 1, c.tp()});
        chart.addSeries("count", List.of("real", "fake"), List.of("real", "fake"), cells);
        chart.getStyler().setShowValue(true);
        chart.getStyler().setValueFontColor(Color.BLACK);
        chart.getStyler().setRangeColors(new Color[] {new Color(0xf7fbff), new Color(0x6baed6), new Color(0x08519c)});
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    public static XYChart roc(Curve roc, double auc) {
        XYChart chart = square("ROC curve", "false positive rate", "true positive rate");
        line(chart, String.format(Locale.ROOT, "model (AUC %.3f)", auc), roc.x(), roc.y(), FAKE);
        diagonal(chart);
        return chart;
    }

    /** Precision-recall, drawn as the step function that average precision sums. */
    public static XYChart precisionRecall(Curve pr, double ap, double prevalence) {
        XYChart chart = square("Precision-recall curve", "recall", "precision");
        double[] x = new double[pr.x().length + 1];
        double[] y = new double[pr.y().length + 1];
        x[0] = 0;
        y[0] = pr.y().length > 0 ? pr.y()[0] : 1;
        System.arraycopy(pr.x(), 0, x, 1, pr.x().length);
        System.arraycopy(pr.y(), 0, y, 1, pr.y().length);
        XYSeries s = line(chart, String.format(Locale.ROOT, "model (AP %.3f)", ap), x, y, FAKE);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        XYSeries base = chart.addSeries(String.format(Locale.ROOT, "chance (%.3f)", prevalence),
                new double[] {0, 1}, new double[] {prevalence, prevalence});
        base.setMarker(SeriesMarkers.NONE);
        base.setLineColor(Color.GRAY);
        return chart;
    }

    /** Distribution of p_fake for each true class, in {@code bins} equal bins over [0,1]. */
    public static CategoryChart scoreHistogram(boolean[] isFake, double[] pFake, int bins) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title("p_fake by true class")
                .xAxisTitle("p_fake").yAxisTitle("images").build();
        List<String> labels = new ArrayList<>();
        int[] real = new int[bins];
        int[] fake = new int[bins];
        for (int b = 0; b < bins; b++) {
            labels.add(String.format(Locale.ROOT, "%.2f", (b + 0.5) / bins));
        }
        for (int i = 0; i < pFake.length; i++) {
            int b = Math.max(0, Math.min((int) (pFake[i] * bins), bins - 1));
            if (isFake[i]) fake[b]++; else real[b]++;
        }
        chart.addSeries("real", labels, toList(real)).setFillColor(withAlpha(REAL, 160));
        chart.addSeries("fake", labels, toList(fake)).setFillColor(withAlpha(FAKE, 160));
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setAvailableSpaceFill(0.95);
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideN);
        return chart;
    }

    public static XYChart reliability(List<BinaryMetrics.ReliabilityBin> bins, double ece) {
        XYChart chart = square(String.format(Locale.ROOT, "Reliability (ECE %.3f)", ece), "mean predicted p_fake",
                "fraction fake");
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (BinaryMetrics.ReliabilityBin b : bins) {
            if (b.count() > 0) {
                x.add(b.meanPFake());
                y.add(b.fractionFake());
            }
        }
        if (!x.isEmpty()) {
            XYSeries s = chart.addSeries("model", x, y);
            s.setLineColor(FAKE);
            s.setMarkerColor(FAKE);
        }
        diagonal(chart);
        return chart;
    }

    /**
     * One line per numeric history field whose key matches {@code keyFilter} (e.g. "loss"), against the epoch.
     * Returns null when there is nothing to draw.
     */
    public static XYChart trainingCurves(List<Map<String, Object>> history, String title,
                                         java.util.function.Predicate<String> keyFilter) {
        java.util.LinkedHashMap<String, List<double[]>> series = new java.util.LinkedHashMap<>();
        for (int i = 0; i < history.size(); i++) {
            Map<String, Object> row = history.get(i);
            double epoch = row.get("epoch") instanceof Number n ? n.doubleValue() : i + 1;
            for (Map.Entry<String, Object> e : row.entrySet()) {
                if (e.getValue() instanceof Number n && !e.getKey().equals("epoch") && keyFilter.test(e.getKey())
                        && Double.isFinite(n.doubleValue())) {
                    series.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[] {epoch,
                            n.doubleValue()});
                }
            }
        }
        if (series.isEmpty()) {
            return null;
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle("value").build();
        series.forEach((k, pts) -> {
            double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
            double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
            chart.addSeries(k, x, y);
        });
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        return chart;
    }

    /** AUC against perturbation strength for one perturbation kind, with the unperturbed AUC as a reference line. */
    public static XYChart robustness(String kind, String axisTitle, double[] strengths, double[] aucs,
                                     double cleanAuc) {
        return robustness(kind, axisTitle, strengths, aucs, cleanAuc, null, Double.NaN);
    }

    /**
     * AUC (and, when {@code baccs} is given, balanced accuracy at the decision threshold) against the strength of
     * one kind of degradation, with the unperturbed values as flat reference lines: the ranking can survive while
     * the verdict at the stored threshold does not, and this plot shows both.
     */
    public static XYChart robustness(String kind, String axisTitle, double[] strengths, double[] aucs,
                                     double cleanAuc, double[] baccs, double cleanBacc) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title((baccs == null ? "AUC under "
                : "AUC and balanced accuracy under ") + kind)
                .xAxisTitle(axisTitle).yAxisTitle(baccs == null ? "ROC AUC" : "ROC AUC / balanced accuracy").build();
        Integer[] order = new Integer[strengths.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(i -> strengths[i]));
        double[] xs = new double[order.length];
        double[] ys = new double[order.length];
        for (int i = 0; i < order.length; i++) {
            xs[i] = strengths[order[i]];
            ys[i] = aucs[order[i]];
        }
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        XYSeries s = chart.addSeries(baccs == null ? kind : "AUC", xs, ys);
        s.setLineColor(FAKE);
        s.setMarkerColor(FAKE);
        if (baccs != null) {
            double[] bs = new double[order.length];
            for (int i = 0; i < order.length; i++) {
                bs[i] = baccs[order[i]];
            }
            XYSeries b = chart.addSeries("balanced accuracy at threshold", xs, bs);
            b.setLineColor(REAL);
            b.setMarkerColor(REAL);
        }
        if (Double.isFinite(cleanAuc) && strengths.length > 0) {
            double lo = java.util.Arrays.stream(strengths).min().getAsDouble();
            double hi = java.util.Arrays.stream(strengths).max().getAsDouble();
            XYSeries clean = chart.addSeries(baccs == null ? "unperturbed" : "AUC unperturbed", new double[] {lo, hi},
                    new double[] {cleanAuc, cleanAuc});
            clean.setMarker(SeriesMarkers.NONE);
            clean.setLineColor(Color.GRAY);
            if (baccs != null && Double.isFinite(cleanBacc)) {
                XYSeries cb = chart.addSeries("balanced accuracy unperturbed", new double[] {lo, hi},
                        new double[] {cleanBacc, cleanBacc});
                cb.setMarker(SeriesMarkers.NONE);
                cb.setLineColor(Color.LIGHT_GRAY);
            }
        }
        return chart;
    }

    private static XYChart square(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(520).height(480).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setXAxisMax(1.0);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        // Fixed tick format: XChart's default prints ticks such as 0.428571428571429 for small data sets.
        chart.getStyler().setXAxisDecimalPattern("0.0#");
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        return chart;
    }

    private static XYSeries line(XYChart chart, String name, double[] x, double[] y, Color color) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        return s;
    }

    private static void diagonal(XYChart chart) {
        XYSeries d = chart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1});
        d.setMarker(SeriesMarkers.NONE);
        d.setLineColor(Color.GRAY);
    }

    private static List<Integer> toList(int[] v) {
        List<Integer> out = new ArrayList<>(v.length);
        for (int x : v) out.add(x);
        return out;
    }

    private static Color withAlpha(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }
}
