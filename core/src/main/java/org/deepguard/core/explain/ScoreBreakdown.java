package org.deepguard.core.explain;

import org.deepguard.core.model.Detector;
import org.deepguard.core.spectral.LogisticRegression;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One image's fused log-odds taken apart, in the cue's own terms. The fusion is z = a z_net + b z_cue + c and the
 * cue is linear, z_cue = sum over its parts of (bias + sum_j w_j (x_j - mean_j) / std_j), so every feature's share
 * of z is exactly b w_j (x_j - mean_j) / std_j. Features are grouped for a person: the spectral profile's rings
 * into low, mid and high spatial-frequency bands (thirds of Nyquist; beyond Nyquist, "spectrum corners"), the
 * resampling features by period ("resampling period 2" ... ). The parts add up to z: network share (a z_net),
 * every group, the two intercepts (b bias) and the fusion bias c. For an input smaller than the training images
 * the bundle's scale calibration (z -> z + o) adds o to the bias, so the parts still add up to the log-odds the
 * detector reports. With a cue cap (the default since session 9) the cue's share is C tanh(b z_cue / C) and every
 * cue part keeps its proportion of that capped share.
 *
 * @param logOdds        the fused (uncalibrated) log-odds, as {@link Detector#imageLogOdds}
 * @param networkLogOdds z_net: the network's image log-odds (members averaged per view, patches aggregated)
 * @param network        a z_net, the network's share (z_net itself when the model has no cue)
 * @param cueLogOdds     z_cue (NaN without a cue)
 * @param cue            b z_cue, the cue's share (C tanh(b z_cue / C) with a cue cap C; 0 without a cue)
 * @param bias           c (0 without a cue), plus the scale calibration's offset for a small input
 * @param parts          the cue's groups and intercepts, each times b; their sum is {@code cue}
 */
public record ScoreBreakdown(double logOdds, double networkLogOdds, double network, double cueLogOdds, double cue,
                             double bias, List<Part> parts) {

    /** One readable share of the log-odds (positive pushes towards fake). */
    public record Part(String group, double logOdds) {}

    public ScoreBreakdown {
        parts = List.copyOf(parts);
    }

    /** network + every part + bias: equals {@link #logOdds} up to rounding. */
    public double sum() {
        double s = network + bias;
        for (Part p : parts) {
            s += p.logOdds();
        }
        return s;
    }

    /** The breakdown of {@code rgb}'s score under {@code detector} (one network pass over its views). */
    public static ScoreBreakdown of(Detector detector, BufferedImage rgb) {
        Detector.PreparedImage prepared = detector.prepare(rgb);
        double[] perView = detector.logOdds(detector.preprocessor().batch(prepared.views()));
        double zNet = Detector.aggregateViews(perView, new int[] {perView.length},
                detector.preprocessor().spec().patches())[0];
        SpectralClassifier cue = detector.bundle().metadata().spectral;
        ScoreFusion fusion = detector.bundle().metadata().fusion;
        ScoreBreakdown whole = cue == null || fusion == null
                ? new ScoreBreakdown(zNet, zNet, zNet, Double.NaN, 0, 0, List.of())
                : of(cue, fusion, SpectralClassifier.features(rgb, cue.config(), cue.resampling()), zNet);
        org.deepguard.core.metrics.ScaleCalibration scale = detector.bundle().metadata().scaleCalibration;
        double offset = scale == null ? 0 : scale.offset(prepared.shortSide());
        return offset == 0 ? whole : new ScoreBreakdown(whole.logOdds + offset, whole.networkLogOdds, whole.network,
                whole.cueLogOdds, whole.cue, whole.bias + offset, whole.parts);
    }

    /** The breakdown from the cue's feature vector ({@link SpectralClassifier#features}) and the network's z. */
    public static ScoreBreakdown of(SpectralClassifier cue, ScoreFusion fusion, double[] features, double zNet) {
        int bins = cue.config().bins();
        double zCue = cue.logOddsOfFeatures(features);
        // with a cue cap the cue's share is C tanh(b z / C): each part keeps its proportion of the capped whole
        double b = zCue == 0 ? fusion.cueSlope(0) : fusion.cueShare(zCue) / zCue;
        List<Part> parts = new ArrayList<>();
        Map<String, Double> bands = new LinkedHashMap<>();
        double[] spectral = terms(cue.model(), java.util.Arrays.copyOf(features, bins));
        for (int j = 0; j < bins; j++) {
            double radius = (j + 1) * cue.config().maxRadius() / bins; // Nyquist units
            bands.merge(band(radius), b * spectral[j], Double::sum);
        }
        bands.forEach((k, v) -> parts.add(new Part(k, v)));
        parts.add(new Part("spectrum intercept", b * cue.model().bias()));
        if (cue.resamplingModel() != null) {
            double[] periodic = terms(cue.resamplingModel(), java.util.Arrays.copyOfRange(features, bins,
                    features.length));
            for (int p = 2, k = 0; p <= cue.resampling().maxPeriod(); p++, k += 3) {
                parts.add(new Part("resampling period " + p, b * (periodic[k] + periodic[k + 1] + periodic[k + 2])));
            }
            parts.add(new Part("resampling intercept", b * cue.resamplingModel().bias()));
        }
        return new ScoreBreakdown(fusion.fuse(zNet, zCue), zNet, fusion.a() * zNet, zCue, fusion.cueShare(zCue),
                fusion.c(), parts);
    }

    /** w_j (x_j - mean_j) / std_j for each feature. */
    private static double[] terms(LogisticRegression m, double[] x) {
        double[] w = m.weights();
        double[] mu = m.mean();
        double[] sd = m.std();
        double[] out = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            out[j] = w[j] * (x[j] - mu[j]) / sd[j];
        }
        return out;
    }

    static String band(double radius) {
        if (radius <= 1.0 / 3 + 1e-12) {
            return "spectrum: low frequencies (< 1/3 Nyquist)";
        }
        if (radius <= 2.0 / 3 + 1e-12) {
            return "spectrum: mid frequencies (1/3-2/3 Nyquist)";
        }
        if (radius <= 1 + 1e-12) {
            return "spectrum: high frequencies (> 2/3 Nyquist)";
        }
        return "spectrum: corners (beyond Nyquist)";
    }

    /** The JSON form shared by the CLI, the page and the report. */
    public Map<String, Object> toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("log_odds", logOdds);
        o.put("network_log_odds", networkLogOdds);
        o.put("network_share", network);
        if (!parts.isEmpty()) {
            o.put("cue_log_odds", cueLogOdds);
            o.put("cue_share", cue);
            o.put("fusion_bias", bias);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Part p : parts) {
                rows.add(Map.of("group", p.group(), "log_odds", p.logOdds()));
            }
            o.put("cue_groups", rows);
        }
        if (parts.isEmpty() && bias != 0) {
            o.put("fusion_bias", bias); // the scale calibration's offset of a small input
        }
        o.put("note", "network_share + cue_groups + fusion_bias = log_odds (before temperature); positive = "
                + "towards fake");
        return o;
    }

    /** Bars of every share in log-odds (network, each cue group, intercepts, bias): red towards fake, blue real. */
    public CategoryChart chart(int width, int height) {
        List<String> names = new ArrayList<>();
        List<Double> fake = new ArrayList<>();
        List<Double> real = new ArrayList<>();
        add(names, fake, real, "network", network);
        for (Part p : parts) {
            add(names, fake, real, shortName(p.group()), p.logOdds());
        }
        if (!parts.isEmpty()) {
            add(names, fake, real, "fusion bias", bias);
        }
        CategoryChart c = new CategoryChartBuilder().width(width).height(height)
                .title(String.format(Locale.ROOT, "Why this score: log-odds %+.2f", logOdds))
                .yAxisTitle("log-odds share").build();
        c.addSeries("towards fake", names, fake).setFillColor(new Color(0xd62728));
        c.addSeries("towards real", names, real).setFillColor(new Color(0x1f77b4));
        c.getStyler().setOverlapped(true);
        c.getStyler().setXAxisLabelRotation(60);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setAxisTickLabelsFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 10));
        return c;
    }

    public BufferedImage chartImage(int width, int height) {
        return BitmapEncoder.getBufferedImage(chart(width, height));
    }

    private static void add(List<String> names, List<Double> fake, List<Double> real, String name, double v) {
        names.add(name);
        fake.add(v > 0 ? v : 0.0);
        real.add(v < 0 ? v : 0.0);
    }

    private static String shortName(String group) {
        return group.replace("spectrum: ", "").replace(" frequencies", " freq.").replace("resampling period ",
                "period ").replace(" (< 1/3 Nyquist)", "").replace(" (1/3-2/3 Nyquist)", "")
                .replace(" (> 2/3 Nyquist)", "").replace(" (beyond Nyquist)", "");
    }
}
