package org.deepguard.evaluate;

import org.deepguard.core.explain.CamMethod;
import org.deepguard.core.explain.Explainer;
import org.deepguard.core.explain.Explanation;
import org.deepguard.core.explain.Heatmap;
import org.deepguard.core.explain.Overlays;
import org.deepguard.core.explain.ScoreBreakdown;
import org.deepguard.core.explain.ScoreExplanation;
import org.deepguard.core.explain.ScoreMaps;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.image.ImageScaling;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.model.Detector;
import org.deepguard.core.report.HtmlReport;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * report.html's "An explained example": the image whose p_fake lies closest to the threshold (the one a person
 * would most want explained), with the whole-score occlusion map, the ensemble-averaged Grad-CAM++ of the network,
 * the score's shares as bars and a table, and the map's faithfulness. Also written as {@code explained_example.json}
 * next to the report. Cost: about 70 score evaluations of one image.
 */
final class ExplainedExample {
    static final int SIDE = 256;

    private final Detector detector;

    ExplainedExample(Detector detector) {
        this.detector = detector;
    }

    /** Appends the section (nothing when no scored row is a readable image); returns the JSON or null. */
    Map<String, Object> append(HtmlReport html, List<Evaluator.Scored> rows, double threshold,
                               Function<org.deepguard.core.data.ManifestEntry, Path> resolver, Path jsonFile)
            throws IOException {
        List<Evaluator.Scored> byContest = new ArrayList<>(rows);
        byContest.sort(Comparator.comparingDouble(s -> Math.abs(s.pFake() - threshold)));
        for (Evaluator.Scored s : byContest.subList(0, Math.min(5, byContest.size()))) {
            Path file = resolver.apply(s.entry());
            BufferedImage rgb;
            ScoreExplanation e;
            try {
                rgb = ImageLoader.load(file).rgb();
                e = ScoreExplanation.of(detector, rgb, false, ScoreMaps.Options.defaults().withMaxSide(SIDE), true);
            } catch (Exception ex) { // a video row, or a file gone since scoring: try the next contested one
                continue;
            }
            BufferedImage shown = ImageScaling.fit(rgb, SIDE);
            List<HtmlReport.Thumb> pictures = new ArrayList<>();
            pictures.add(new HtmlReport.Thumb(HtmlReport.thumbnail(shown, SIDE), String.format(Locale.ROOT,
                    "%s: p_fake %.3f (%s), threshold %.3f", file.getFileName(), e.prediction().pFake(),
                    s.isFake() ? "labelled fake" : "labelled real", e.prediction().threshold())));
            pictures.add(new HtmlReport.Thumb(HtmlReport.thumbnail(Overlays.overlay(shown, e.map().heat(), 0.45),
                    SIDE), "whole score (occlusion): red = blurring it moves the score most"));
            BufferedImage cam = gradCam(rgb, e.targetClass());
            if (cam != null) {
                pictures.add(new HtmlReport.Thumb(HtmlReport.thumbnail(cam, SIDE),
                        "Grad-CAM++ of the network (ensemble members averaged)"));
            }
            html.heading("An explained example");
            html.paragraph(String.format(Locale.ROOT, "The image scored closest to the threshold, explained for "
                    + "the class it was called (%s). The occlusion map covers the score this report measures "
                    + "(patches, every ensemble member, the hand-crafted cue); Grad-CAM++ covers the network only.",
                    e.targetClass() == 1 ? "fake" : "real"));
            html.thumbnails(pictures);
            ScoreBreakdown b = e.breakdown();
            html.image("the score's shares in log-odds", HtmlReport.thumbnail(b.chartImage(560, 360), 560));
            List<List<Object>> shares = new ArrayList<>();
            shares.add(List.of("network (a z_net)", num(b.network())));
            for (ScoreBreakdown.Part p : b.parts()) {
                shares.add(List.of("cue: " + p.group(), num(p.logOdds())));
            }
            if (!b.parts().isEmpty()) {
                shares.add(List.of("fusion bias c", num(b.bias())));
            }
            shares.add(List.of("total log-odds (before temperature)", num(b.logOdds())));
            html.table(List.of("share", "log-odds (+ = towards fake)"), shares);
            if (e.faithfulness() != null) {
                html.paragraph(String.format(Locale.ROOT, "Faithfulness of the occlusion map on the whole score: "
                        + "blurring the hottest 10%% of the image lowers p_fake by %.3f, the hottest 20%% by %.3f; "
                        + "deletion AUC %.3f (lower = more faithful), insertion AUC %.3f (higher = more faithful); "
                        + "%d score evaluations.", e.faithfulness().dropTop10(), e.faithfulness().dropTop20(),
                        e.faithfulness().deletionAuc(), e.faithfulness().insertionAuc(), e.evaluations()));
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("path", s.entry().path());
            json.put("label", s.isFake() ? "fake" : "real");
            json.put("p_fake", e.prediction().pFake());
            json.putAll(e.toJson());
            AtomicFiles.writeString(jsonFile, Json.pretty(json));
            return json;
        }
        return null;
    }

    /** Grad-CAM++ over the image (patch models) or over the network's input view (single view), at display size. */
    private BufferedImage gradCam(BufferedImage rgb, int target) {
        try {
            Explainer explainer = new Explainer(detector.bundle());
            if (explainer.preprocessor().spec().patches() != null) {
                Heatmap m = explainer.explainMosaic(rgb, null, CamMethod.GRAD_CAM_PLUS_PLUS, target, SIDE).map();
                return Overlays.overlay(ImageScaling.fit(rgb, SIDE), m, 0.45);
            }
            float[] t = explainer.preprocessor().toTensor(rgb);
            Explanation ex = explainer.explain(t, null, CamMethod.GRAD_CAM_PLUS_PLUS, target);
            return Overlays.overlay(Overlays.inputImage(t, explainer.preprocessor().spec()), ex.upsampled(), 0.45);
        } catch (RuntimeException e) { // a network Grad-CAM cannot read: the whole-score map still stands
            return null;
        }
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%+.3f", v);
    }
}
