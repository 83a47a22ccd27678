package org.deepguard.core.report;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.util.List;
import java.util.Map;

/** The attack section's chart: attack success rate against the L-inf budget, one line per attack. */
public final class AttackPlots {
    private AttackPlots() {}

    /**
     * @param series attack name to (budgets in 8-bit levels, success rates in [0, 1]; NaN points are dropped)
     */
    public static XYChart successVsBudget(Map<String, double[][]> series) {
        XYChart chart = new XYChartBuilder().width(Plots.WIDTH).height(Plots.HEIGHT)
                .title("Attack success against budget").xAxisTitle("L-inf budget (levels of 255)")
                .yAxisTitle("success rate (correct verdicts flipped)").build();
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        series.forEach((name, xy) -> {
            List<double[]> pts = java.util.stream.IntStream.range(0, xy[0].length)
                    .filter(i -> Double.isFinite(xy[1][i])).mapToObj(i -> new double[] {xy[0][i], xy[1][i]}).toList();
            if (!pts.isEmpty()) {
                chart.addSeries(name, pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray());
            }
        });
        return chart;
    }
}
