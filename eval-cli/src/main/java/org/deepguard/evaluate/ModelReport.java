package org.deepguard.evaluate;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.EvaluationSummary;
import org.deepguard.core.metrics.Metric;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.metrics.ShortcutFeatures;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.report.ChartFiles;
import org.deepguard.core.report.HtmlReport;
import org.deepguard.core.report.Plots;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the scored passes of one model into the report folder: metrics.json, predictions.csv, errors.csv, the
 * charts (PNG + SVG) and report.html. Numbers come from core.metrics, charts from core.report.
 */
final class ModelReport {
    static final int SCHEMA_VERSION = 1;
    static final List<String> BREAKDOWN_COLUMNS = List.of("generator", "source", "group");
    static final int MAX_BREAKDOWN_VALUES = 50;
    static final List<String> SWEEP_METRICS = List.of("auc", "ap", "accuracy", "balanced_accuracy", "eer",
            "tpr_at_fpr_5pct", "log_loss", "ece");

    /** A perturbation pass: its parameters and outcome. */
    record SweepResult(Perturbation perturbation, Evaluator.Pass pass) {}

    /** Inputs that describe the run rather than come out of it. */
    record Context(Path modelDir, ModelMetadata model, Path manifestFile, String manifestSha256, String split,
                   int rowsSelected, int rowsExcludedInManifest, Double cliThreshold, int bootstrap, long seed,
                   int worst, boolean formatCheck, java.util.function.Function<ManifestEntry, Path> resolver) {}

    private final Context ctx;
    private final Evaluator.Pass clean;
    private final List<SweepResult> sweep;
    private final boolean[] isFake;
    private final double[] pFake;
    private final double threshold;

    /** When set, report.html explains one contested image with this detector (see {@link ExplainedExample}). */
    private org.deepguard.core.model.Detector explainWith;

    ModelReport explainWith(org.deepguard.core.model.Detector detector) {
        this.explainWith = detector;
        return this;
    }

    ModelReport(Context ctx, Evaluator.Pass clean, List<SweepResult> sweep) {
        this.ctx = ctx;
        this.clean = clean;
        this.sweep = sweep;
        isFake = labels(clean.scored());
        pFake = scores(clean.scored());
        threshold = ctx.cliThreshold() != null ? ctx.cliThreshold() : ctx.model().threshold;
    }

    /** The whole metrics.json tree. */
    Map<String, Object> metrics() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", SCHEMA_VERSION);
        m.put("created_at", java.time.Instant.now().toString());
        m.putAll(EvaluationSummary.compute(isFake, pFake, ctx.model().threshold, ctx.cliThreshold(), ctx.bootstrap(),
                ctx.seed()));
        m.put("shortcuts", shortcuts());
        if (!clean.frames().isEmpty()) {
            m.put("video_frames", videoFrames());
        }
        Map<String, Object> breakdown = breakdown();
        if (!breakdown.isEmpty()) {
            m.put("breakdown", breakdown);
        }
        if (!sweep.isEmpty()) {
            List<Map<String, Object>> rows = sweepRows();
            m.put("perturbations", rows);
            m.put("perturbations_worst", worstCase(rows, m));
            if (ctx.formatCheck()) {
                rows.stream().filter(r -> "jpeg".equals(r.get("kind")) && ((Double) r.get("strength")) == 95)
                        .findFirst().ifPresent(r -> m.put("format_check", formatCheck(r)));
            }
        }
        m.put("errors", errorSummary());
        m.put("worst", worstJson());
        m.put("model", modelJson());
        m.put("dataset", datasetJson());
        return m;
    }

    Map<String, Object> shortcuts() {
        int n = isFake.length;
        double[] size = new double[n];
        double[] sharp = new double[n];
        for (int i = 0; i < n; i++) {
            size[i] = clean.scored().get(i).fileBytes();
            sharp[i] = clean.scored().get(i).sharpness();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("file_size", baselineJson(ShortcutFeatures.baseline(isFake, size), "file size in bytes"));
        out.put("sharpness", baselineJson(sharpnessBaseline(sharp),
                "variance of the 4-neighbour Laplacian of the grey image"));
        return out;
    }

    /** Over the items that have a sharpness cue (videos have none). */
    private ShortcutFeatures.Baseline sharpnessBaseline(double[] sharp) {
        int n = (int) java.util.Arrays.stream(sharp).filter(Double::isFinite).count();
        if (n == sharp.length) {
            return ShortcutFeatures.baseline(isFake, sharp);
        }
        boolean[] y = new boolean[n];
        double[] x = new double[n];
        for (int i = 0, k = 0; i < sharp.length; i++) {
            if (Double.isFinite(sharp[i])) {
                y[k] = isFake[i];
                x[k++] = sharp[i];
            }
        }
        return n == 0 ? new ShortcutFeatures.Baseline(Double.NaN, Double.NaN) : ShortcutFeatures.baseline(y, x);
    }

    /** Frame-level metrics over every sampled frame of the video rows, each labelled as its video. */
    private Map<String, Object> videoFrames() {
        List<Evaluator.FrameScored> frames = clean.frames();
        boolean[] y = new boolean[frames.size()];
        double[] p = new double[frames.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = frames.get(i).entry().label().isFake();
            p[i] = frames.get(i).pFake();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("videos", frames.stream().map(f -> f.entry().path()).distinct().count());
        m.putAll(EvaluationSummary.compute(y, p, ctx.model().threshold, ctx.cliThreshold(), 0, ctx.seed()));
        return m;
    }

    private static Map<String, Object> baselineJson(ShortcutFeatures.Baseline b, String feature) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("feature", feature);
        m.put("auc", EvaluationSummary.finite(b.auc()));
        m.put("auc_best_direction", EvaluationSummary.finite(b.aucBestDirection()));
        return m;
    }

    /** Main metrics per value of generator / source / group, when the manifest has those columns. */
    Map<String, Object> breakdown() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String column : BREAKDOWN_COLUMNS) {
            Map<String, List<Integer>> byValue = new TreeMap<>();
            for (int i = 0; i < isFake.length; i++) {
                String v = columnValue(clean.scored().get(i), column);
                if (v != null && !v.isBlank()) {
                    byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
                }
            }
            if (byValue.isEmpty()) {
                continue;
            }
            if (byValue.size() > MAX_BREAKDOWN_VALUES) {
                out.put(column, Map.of("skipped", byValue.size() + " distinct values (more than "
                        + MAX_BREAKDOWN_VALUES + ")"));
                continue;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            byValue.forEach((v, idx) -> values.put(v, subsetJson(idx)));
            out.put(column, values);
        }
        return out;
    }

    private Map<String, Object> subsetJson(List<Integer> idx) {
        boolean[] y = new boolean[idx.size()];
        double[] p = new double[idx.size()];
        for (int k = 0; k < idx.size(); k++) {
            y[k] = isFake[idx.get(k)];
            p[k] = pFake[idx.get(k)];
        }
        Metric.Context c = Metric.Context.of(y, p, threshold);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", y.length);
        long fakes = countTrue(y);
        m.put("n_fake", fakes);
        m.put("n_real", y.length - fakes);
        m.put("accuracy", EvaluationSummary.finite(c.confusion().accuracy()));
        m.put("recall", EvaluationSummary.finite(c.confusion().recall()));
        m.put("specificity", EvaluationSummary.finite(c.confusion().specificity()));
        m.put("auc", EvaluationSummary.finite(BinaryMetrics.rocAuc(y, p)));
        m.put("ap", EvaluationSummary.finite(BinaryMetrics.averagePrecision(y, p)));
        if (fakes == y.length && countTrue(isFake) < isFake.length) {
            // Fakes of one generator only: rank them against every real image, the usual per-generator AUC.
            m.put("auc_vs_all_real", EvaluationSummary.finite(aucAgainstAllReal(idx)));
        }
        return m;
    }

    private double aucAgainstAllReal(List<Integer> fakeIdx) {
        List<Integer> all = new ArrayList<>(fakeIdx);
        for (int i = 0; i < isFake.length; i++) {
            if (!isFake[i]) all.add(i);
        }
        boolean[] y = new boolean[all.size()];
        double[] p = new double[all.size()];
        for (int k = 0; k < all.size(); k++) {
            y[k] = isFake[all.get(k)];
            p[k] = pFake[all.get(k)];
        }
        return BinaryMetrics.rocAuc(y, p);
    }

    private static String columnValue(Evaluator.Scored s, String column) {
        return column.equals("group") ? s.entry().group() : s.entry().extra().get(column);
    }

    List<Map<String, Object>> sweepRows() {
        double cleanAuc = BinaryMetrics.rocAuc(isFake, pFake);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SweepResult r : sweep) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("condition", r.perturbation().label());
            row.put("kind", r.perturbation().groupKey());
            row.put("strength", r.perturbation().strength());
            row.put("n", r.pass().scored().size());
            row.put("errors", r.pass().failures().size());
            if (r.pass().scored().isEmpty()) {
                rows.add(row);
                continue;
            }
            boolean[] y = labels(r.pass().scored());
            double[] p = scores(r.pass().scored());
            Map<String, Double> all = Metric.all(Metric.Context.of(y, p, threshold));
            for (String k : SWEEP_METRICS) {
                row.put(k, EvaluationSummary.finite(all.get(k)));
            }
            double auc = all.get("auc");
            row.put("delta_auc", EvaluationSummary.finite(auc - cleanAuc));
            rows.add(row);
        }
        return rows;
    }

    /**
     * The worst value of AUC, balanced accuracy (at the threshold) and ECE over the clean pass and every condition
     * of the sweep, with the condition that gave it.
     */
    static Map<String, Object> worstCase(List<Map<String, Object>> rows, Map<String, Object> clean) {
        Map<String, Object> w = new LinkedHashMap<>();
        for (String k : List.of("auc", "balanced_accuracy", "ece")) {
            boolean higherIsWorse = k.equals("ece");
            Object best = clean.get(k);
            String at = "clean";
            for (Map<String, Object> r : rows) {
                if (r.get(k) instanceof Number v && (!(best instanceof Number b)
                        || (higherIsWorse ? v.doubleValue() > b.doubleValue() : v.doubleValue() < b.doubleValue()))) {
                    best = v;
                    at = (String) r.get("condition");
                }
            }
            w.put(k, best);
            w.put(k + "_condition", at);
        }
        return w;
    }

    private static Map<String, Object> formatCheck(Map<String, Object> jpeg95) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("perturbation", "jpeg=95 (both classes re-encoded alike)");
        m.put("auc", jpeg95.get("auc"));
        m.put("delta_auc", jpeg95.get("delta_auc"));
        m.put("accuracy", jpeg95.get("accuracy"));
        return m;
    }

    private Map<String, Object> errorSummary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", clean.failures().size());
        Map<String, Integer> byReason = new TreeMap<>();
        clean.failures().forEach(f -> byReason.merge(f.reason(), 1, Integer::sum));
        m.put("by_reason", byReason);
        m.put("file", "errors.csv");
        return m;
    }

    List<Evaluator.Scored> worstFalsePositives() {
        return clean.scored().stream().filter(s -> !s.isFake() && s.pFake() >= threshold)
                .sorted(Comparator.comparingDouble(Evaluator.Scored::pFake).reversed()).limit(ctx.worst()).toList();
    }

    List<Evaluator.Scored> worstFalseNegatives() {
        return clean.scored().stream().filter(s -> s.isFake() && s.pFake() < threshold)
                .sorted(Comparator.comparingDouble(Evaluator.Scored::pFake)).limit(ctx.worst()).toList();
    }

    private Map<String, Object> worstJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("false_positives", worstFalsePositives().stream().map(ModelReport::pathScore).toList());
        m.put("false_negatives", worstFalseNegatives().stream().map(ModelReport::pathScore).toList());
        return m;
    }

    private static Map<String, Object> pathScore(Evaluator.Scored s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", s.entry().path());
        m.put("p_fake", s.pFake());
        return m;
    }

    Map<String, Object> modelJson() {
        ModelMetadata md = ctx.model();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", ctx.modelDir().toString());
        m.put("model_id", md.modelId);
        m.put("weights_sha256", md.weightsSha256);
        m.put("threshold", md.threshold);
        m.put("threshold_rule", md.thresholdRule);
        m.put("temperature", md.temperature);
        m.put("preprocessing", md.preprocessing.toString());
        m.put("network", String.valueOf(md.network));
        m.put("created_at", md.provenance.createdAt);
        m.put("tool_version", md.provenance.toolVersion);
        m.put("seed", md.provenance.seed);
        m.put("train_manifest", md.provenance.manifestPath);
        m.put("train_manifest_sha256", md.provenance.manifestSha256);
        m.put("train_data_counts", md.provenance.dataCounts);
        m.put("validation_metrics", md.metrics);
        m.put("epochs_in_history", md.history.size());
        return m;
    }

    Map<String, Object> datasetJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("manifest", ctx.manifestFile().toString());
        m.put("manifest_sha256", ctx.manifestSha256());
        m.put("split", ctx.split());
        m.put("rows_selected", ctx.rowsSelected());
        m.put("rows_excluded_in_manifest", ctx.rowsExcludedInManifest());
        m.put("scored", clean.scored().size());
        m.put("scored_real", isFake.length - countTrue(isFake));
        m.put("scored_fake", countTrue(isFake));
        m.put("unreadable", clean.failures().size());
        return m;
    }

    void writePredictions(Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n')
                    .setHeader("path", "label", "p_fake", "predicted", "log_odds").build());
            for (Evaluator.Scored s : clean.scored()) {
                p.printRecord(s.entry().path(), s.entry().label().code(), fmt(s.pFake()),
                        s.pFake() >= threshold ? "fake" : "real", fmt(s.logOdds()));
            }
            p.flush();
        });
    }

    static void writeErrors(Path file, List<Evaluator.Failure> failures) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator('\n')
                    .setHeader("path", "label", "reason", "message").build());
            for (Evaluator.Failure f : failures) {
                p.printRecord(f.entry().path(), f.entry().label().code(), f.reason(), f.message());
            }
            p.flush();
        });
    }

    /** Writes every chart as PNG + SVG and returns the PNGs by name, in report order. */
    Map<String, byte[]> writePlots(Path dir) throws IOException {
        Map<String, byte[]> png = new LinkedHashMap<>();
        double auc = BinaryMetrics.rocAuc(isFake, pFake);
        double ap = BinaryMetrics.averagePrecision(isFake, pFake);
        png.put("confusion_matrix", ChartFiles.write(Plots.confusionMatrix(
                BinaryMetrics.confusion(isFake, pFake, threshold), threshold), dir, "confusion_matrix"));
        if (ctx.cliThreshold() != null) {
            png.put("confusion_matrix_bundle", ChartFiles.write(Plots.confusionMatrix(
                    BinaryMetrics.confusion(isFake, pFake, ctx.model().threshold), ctx.model().threshold), dir,
                    "confusion_matrix_bundle"));
        }
        if (!Double.isNaN(auc)) {
            png.put("roc", ChartFiles.write(Plots.roc(BinaryMetrics.roc(isFake, pFake), auc), dir, "roc"));
        }
        if (!Double.isNaN(ap)) {
            png.put("pr", ChartFiles.write(Plots.precisionRecall(BinaryMetrics.precisionRecall(isFake, pFake), ap,
                    (double) countTrue(isFake) / isFake.length), dir, "pr"));
        }
        png.put("score_histogram", ChartFiles.write(Plots.scoreHistogram(isFake, pFake, 20), dir,
                "score_histogram"));
        png.put("reliability", ChartFiles.write(Plots.reliability(
                BinaryMetrics.reliability(isFake, pFake, Metric.Context.ECE_BINS),
                BinaryMetrics.expectedCalibrationError(isFake, pFake, Metric.Context.ECE_BINS)), dir, "reliability"));
        List<Map<String, Object>> history = ctx.model().history;
        if (history != null && !history.isEmpty()) {
            var loss = Plots.trainingCurves(history, "Training loss", k -> k.endsWith("loss"));
            if (loss != null) {
                png.put("training_loss", ChartFiles.write(loss, dir, "training_loss"));
            }
            var quality = Plots.trainingCurves(history, "Validation accuracy and AUC",
                    k -> k.contains("accuracy") || k.contains("auc"));
            if (quality != null) {
                png.put("training_metrics", ChartFiles.write(quality, dir, "training_metrics"));
            }
        }
        // one plot per kind of degradation (a chain of steps has no single strength axis: the table shows it)
        Map<Perturbation.Kind, List<SweepResult>> byKind = new LinkedHashMap<>();
        sweep.stream().filter(r -> !r.perturbation().isChain())
                .forEach(r -> byKind.computeIfAbsent(r.perturbation().kind(), k -> new ArrayList<>()).add(r));
        double cleanBacc = BinaryMetrics.confusion(isFake, pFake, threshold).balancedAccuracy();
        for (var e : byKind.entrySet()) {
            List<SweepResult> rs = e.getValue().stream().filter(r -> !r.pass().scored().isEmpty()).toList();
            double[] s = rs.stream().mapToDouble(r -> r.perturbation().strength()).toArray();
            double[] a = rs.stream().mapToDouble(r -> {
                double v = BinaryMetrics.rocAuc(labels(r.pass().scored()), scores(r.pass().scored()));
                return Double.isNaN(v) ? 0.5 : v;
            }).toArray();
            double[] b = rs.stream().mapToDouble(r -> BinaryMetrics.confusion(labels(r.pass().scored()),
                    scores(r.pass().scored()), threshold).balancedAccuracy()).toArray();
            String name = "robustness_" + e.getKey().key();
            png.put(name, ChartFiles.write(Plots.robustness(e.getKey().key(), e.getKey().strengthName(), s, a, auc, b,
                    cleanBacc), dir, name));
        }
        return png;
    }

    void writeHtml(Path file, Map<String, Object> metrics, Map<String, byte[]> plots) throws IOException {
        HtmlReport html = new HtmlReport("deepguard evaluation: " + ctx.model().modelId);
        @SuppressWarnings("unchecked") Map<String, Object> sc = (Map<String, Object>) metrics.get("shortcuts");
        @SuppressWarnings("unchecked") Map<String, Object> ci = (Map<String, Object>) metrics.get("ci");
        html.paragraph(String.format(Locale.ROOT, "Model ROC AUC %s%s; shortcut baselines: file size %s, "
                        + "sharpness %s (best direction). A model that does not clearly beat the baselines may be "
                        + "reading file format or blur rather than fakeness.", HtmlReportFormat.num(metrics.get("auc")),
                HtmlReportFormat.ci(ci, "auc"), HtmlReportFormat.num(nested(sc, "file_size", "auc_best_direction")),
                HtmlReportFormat.num(nested(sc, "sharpness", "auc_best_direction"))));

        html.heading("Dataset");
        html.keyValues(datasetJson());
        if (!clean.failures().isEmpty()) {
            html.subheading("Unreadable images (" + clean.failures().size() + ", first 50)");
            html.table(List.of("path", "reason", "message"), clean.failures().stream().limit(50)
                    .map(f -> List.<Object>of(f.entry().path(), f.reason(), f.message())).toList());
        }

        html.heading("Model");
        html.keyValues(modelJson());

        html.heading("Metrics");
        List<List<?>> rows = new ArrayList<>();
        for (Metric mt : Metric.values()) {
            rows.add(List.of(mt.key(), HtmlReportFormat.num(metrics.get(mt.key())), HtmlReportFormat.ci(ci, mt.key())));
        }
        html.table(List.of("metric", "value", "95% CI"), rows);
        html.paragraph(String.format(Locale.ROOT, "Threshold-dependent metrics use p_fake >= %.4f (%s).", threshold,
                ctx.cliThreshold() != null ? "--threshold" : "bundle threshold"));
        @SuppressWarnings("unchecked") Map<String, Object> undefined = (Map<String, Object>) metrics.get("undefined");
        if (undefined != null) {
            html.keyValues(undefined);
        }

        if (metrics.get("format_check") instanceof Map<?, ?> fc) {
            html.paragraph("Format-bias check: with every image re-encoded as JPEG q95, AUC is "
                    + HtmlReportFormat.num(fc.get("auc")) + " (change " + HtmlReportFormat.num(fc.get("delta_auc"))
                    + "). A large drop means the model keyed on the file format rather than the content.");
        }
        html.heading("Shortcut baselines");
        html.table(List.of("score", "ROC AUC", "AUC, best direction"), List.of(
                List.of("model p_fake", HtmlReportFormat.num(metrics.get("auc")), ""),
                List.of("file size", HtmlReportFormat.num(nested(sc, "file_size", "auc")),
                        HtmlReportFormat.num(nested(sc, "file_size", "auc_best_direction"))),
                List.of("sharpness (Laplacian variance)", HtmlReportFormat.num(nested(sc, "sharpness", "auc")),
                        HtmlReportFormat.num(nested(sc, "sharpness", "auc_best_direction")))));

        html.heading("Plots");
        plots.forEach((name, png) -> {
            if (!name.startsWith("robustness_")) {
                html.image(name, png);
            }
        });

        @SuppressWarnings("unchecked") Map<String, Map<String, Object>> breakdown =
                (Map<String, Map<String, Object>>) metrics.get("breakdown");
        if (breakdown != null) {
            html.heading("Breakdown");
            breakdown.forEach((column, values) -> {
                html.subheading("by " + column);
                List<List<?>> br = new ArrayList<>();
                values.forEach((v, o) -> {
                    if (o instanceof Map<?, ?> mm) {
                        br.add(List.of(v, mm.get("n"), mm.get("n_fake"), HtmlReportFormat.num(mm.get("accuracy")),
                                HtmlReportFormat.num(mm.get("auc")), HtmlReportFormat.num(mm.get("auc_vs_all_real"))));
                    } else {
                        br.add(List.of(v, String.valueOf(o), "", "", "", ""));
                    }
                });
                html.table(List.of(column, "n", "fake", "accuracy", "AUC", "AUC vs all real"), br);
            });
        }

        if (!sweep.isEmpty()) {
            html.heading("Robustness");
            List<List<?>> sr = new ArrayList<>();
            for (Map<String, Object> r : sweepRows()) {
                List<Object> row = new ArrayList<>();
                row.add(r.get("condition"));
                row.add(r.get("n"));
                for (String k : List.of("auc", "delta_auc", "ap", "accuracy", "balanced_accuracy", "eer", "ece")) {
                    row.add(HtmlReportFormat.num(r.get(k)));
                }
                sr.add(row);
            }
            @SuppressWarnings("unchecked") Map<String, Object> worst =
                    (Map<String, Object>) metrics.get("perturbations_worst");
            if (worst != null) {
                sr.add(List.of("worst case", "", HtmlReportFormat.num(worst.get("auc")), "", "", "",
                        HtmlReportFormat.num(worst.get("balanced_accuracy")), "", HtmlReportFormat.num(worst.get("ece"))));
            }
            html.paragraph("Balanced accuracy is measured at the decision threshold (" + HtmlReportFormat.num(threshold)
                    + "): a ranking (AUC) that survives a degradation is of little use if the verdicts at the "
                    + "threshold do not.");
            html.table(List.of("condition", "n", "AUC", "change in AUC", "AP", "accuracy", "balanced accuracy", "EER",
                    "ECE"), sr);
            plots.forEach((name, png) -> {
                if (name.startsWith("robustness_")) {
                    html.image(name, png);
                }
            });
        }

        if (metrics.get("adversarial") instanceof Map<?, ?> adv) {
            AttackEvaluation.section(html, adv, file.getParent());
        }

        if (explainWith != null) {
            new ExplainedExample(explainWith).append(html, clean.scored(), threshold, ctx.resolver(),
                    file.resolveSibling("explained_example.json"));
        }
        html.heading("Worst false positives (real images called fake)");
        html.thumbnails(thumbs(worstFalsePositives()));
        html.heading("Worst false negatives (fake images called real)");
        html.thumbnails(thumbs(worstFalseNegatives()));
        html.write(file);
    }

    private List<HtmlReport.Thumb> thumbs(List<Evaluator.Scored> rows) {
        List<HtmlReport.Thumb> out = new ArrayList<>();
        for (Evaluator.Scored s : rows) {
            try {
                Path file = ctx.resolver().apply(s.entry());
                var img = ImageLoader.load(file).rgb();
                out.add(new HtmlReport.Thumb(HtmlReport.thumbnail(img, 128),
                        String.format(Locale.ROOT, "%s p=%.3f", Path.of(s.entry().path()).getFileName(), s.pFake())));
            } catch (Exception e) {
                // The image was readable a moment ago; a thumbnail is not worth failing the report for.
            }
        }
        return out;
    }

    private static Object nested(Map<String, Object> m, String a, String b) {
        return m.get(a) instanceof Map<?, ?> inner ? inner.get(b) : null;
    }

    private static long countTrue(boolean[] v) {
        long n = 0;
        for (boolean b : v) if (b) n++;
        return n;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }

    static boolean[] labels(List<Evaluator.Scored> rows) {
        boolean[] y = new boolean[rows.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = rows.get(i).isFake();
        }
        return y;
    }

    static double[] scores(List<Evaluator.Scored> rows) {
        return rows.stream().mapToDouble(Evaluator.Scored::pFake).toArray();
    }
}
