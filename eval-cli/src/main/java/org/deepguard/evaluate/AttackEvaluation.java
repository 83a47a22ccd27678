package org.deepguard.evaluate;

import org.deepguard.core.attack.AttackPlan;
import org.deepguard.core.attack.AttackReport;
import org.deepguard.core.attack.AttackSuite;
import org.deepguard.core.attack.Pixels;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.report.AttackPlots;
import org.deepguard.core.report.ChartFiles;
import org.deepguard.core.report.HtmlReport;
import org.deepguard.core.video.VideoFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * {@code evaluate --attack}: picks the images, runs the {@link AttackPlan} against the detector with core's attack
 * engine, writes {@code attacks.csv} (every example x attack x budget) and returns the {@code adversarial} block of
 * metrics.json; {@link #section} renders it into report.html.
 */
final class AttackEvaluation {
    private AttackEvaluation() {}

    /**
     * Up to {@code limit} images (0: all), half of each class where possible, chosen by a seeded hash of the path so
     * the same images are attacked whatever the manifest order. Videos are left out.
     */
    static List<ManifestEntry> select(List<ManifestEntry> rows, int limit, long seed) {
        List<ManifestEntry> images = rows.stream().filter(e -> !VideoFiles.isVideo(Path.of(e.path())))
                .sorted(Comparator.comparingLong((ManifestEntry e) -> mix(seed, e.path())).thenComparing(
                        ManifestEntry::path)).toList();
        if (limit <= 0 || limit >= images.size()) {
            return images;
        }
        List<ManifestEntry> fakes = images.stream().filter(e -> e.label().isFake()).toList();
        List<ManifestEntry> reals = images.stream().filter(e -> !e.label().isFake()).toList();
        int nf = Math.min(fakes.size(), Math.max(limit - reals.size(), (limit + 1) / 2));
        int nr = Math.min(reals.size(), limit - nf);
        List<ManifestEntry> out = new ArrayList<>(fakes.subList(0, nf));
        out.addAll(reals.subList(0, nr));
        return out;
    }

    private static long mix(long seed, String s) {
        long h = seed ^ s.hashCode() * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return h * 0xBF58476D1CE4E5B9L;
    }

    /** Decodes the chosen images (those that fail were reported by the clean pass and are skipped here). */
    static List<AttackSuite.Example> examples(Detector detector, Manifest manifest, List<ManifestEntry> rows) {
        List<AttackSuite.Example> out = new ArrayList<>();
        for (ManifestEntry e : rows) {
            try {
                var rgb = detector.preprocessor().decode(manifest.resolve(e)).rgb();
                detector.prepare(rgb, e.path()); // refuses an image too small for the cue, as detect does
                out.add(new AttackSuite.Example(e.path(), Pixels.of(rgb), e.label().isFake()));
            } catch (ImageLoadException | RuntimeException ex) {
                // unreadable images are already listed in errors.csv by the clean pass
            }
        }
        return out;
    }

    static Map<String, Object> run(List<AttackSuite.Job> jobs, ModelBundle surrogate,
                                   List<AttackSuite.Example> examples, AttackPlan plan, long seed, int limit, Path out,
                                   IntConsumer progress) throws IOException {
        AttackSuite.Results res = AttackSuite.run(examples, jobs, seed, progress);
        AttackReport.writeCsv(out.resolve("attacks.csv"), res);
        Map<String, Object> settings = new LinkedHashMap<>(plan.settings());
        settings.put("seed", seed);
        settings.put("limit", limit);
        if (surrogate != null) {
            settings.put("transfer_surrogate", surrogate.directory().toString());
            settings.put("transfer_surrogate_id", surrogate.metadata().modelId);
        }
        return AttackReport.toMap(res, settings);
    }

    /** The report.html section: tables of the block, and the success-against-budget plot (PNG + SVG in dir). */
    @SuppressWarnings("unchecked")
    static void section(HtmlReport html, Map<?, ?> adv, Path dir) throws IOException {
        html.heading("Robustness to attack");
        html.paragraph("Threat model: " + adv.get("threat_model") + ". Budgets are " + adv.get("budget_unit")
                + ". Success rate = fraction of the correctly called images whose verdict the attack flips; "
                + "fake -> real (a forgery accepted) is the direction that matters most. Robust AUC = ROC AUC of the "
                + "labels against the attacked scores. Images attacked: " + adv.get("examples") + " ("
                + adv.get("fakes") + " fake, " + adv.get("reals") + " real); per-image results in attacks.csv.");
        List<String> header = List.of("attack", "budget", "robust AUC", "success", "fake -> real", "real -> fake",
                "mean queries", "mean gradients");
        html.subheading("Attacks on the whole score");
        html.table(header, rows((List<Map<String, Object>>) adv.get("results")));
        html.subheading("Worst case per image over all attacks");
        html.table(header, rows((List<Map<String, Object>>) adv.get("worst_case")));
        List<Map<String, Object>> abl = (List<Map<String, Object>>) adv.get("ablation");
        if (abl != null && !abl.isEmpty()) {
            html.subheading("Ablation: PGD on each part alone (its own score, threshold 0)");
            List<List<?>> r = new ArrayList<>();
            for (Map<String, Object> m : abl) {
                List<Object> row = new ArrayList<>(List.of(m.get("part")));
                row.addAll(rows(List.of(m)).get(0));
                r.add(row);
            }
            List<String> h = new ArrayList<>(List.of("part"));
            h.addAll(header);
            html.table(h, r);
        }
        List<Map<String, Object>> checks = (List<Map<String, Object>>) adv.get("checks");
        if (checks != null && !checks.isEmpty()) {
            html.subheading("Sanity runs");
            html.table(header, rows(checks));
        }
        List<Map<String, Object>> sanity = (List<Map<String, Object>>) adv.get("sanity");
        if (sanity != null && !sanity.isEmpty()) {
            html.subheading("Sanity checks (Carlini et al. 2019; AutoAttack)");
            html.table(List.of("check", "passed", "detail"), sanity.stream()
                    .map(m -> List.<Object>of(m.get("check"), m.get("passed"), m.get("detail"))).toList());
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        addSeries(series, (List<Map<String, Object>>) adv.get("results"));
        addSeries(series, (List<Map<String, Object>>) adv.get("worst_case"));
        if (!series.isEmpty()) {
            html.image("attack_success", ChartFiles.write(AttackPlots.successVsBudget(series), dir,
                    "attack_success"));
        }
    }

    private static void addSeries(Map<String, double[][]> series, List<Map<String, Object>> rows) {
        if (rows == null) {
            return;
        }
        Map<String, List<double[]>> by = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            double b = ((Number) r.get("budget")).doubleValue();
            double s = r.get("success") instanceof Number n ? n.doubleValue() : Double.NaN;
            by.computeIfAbsent(String.valueOf(r.get("attack")), k -> new ArrayList<>()).add(new double[] {b, s});
        }
        by.forEach((k, pts) -> series.put(k, new double[][] {pts.stream().mapToDouble(p -> p[0]).toArray(),
                pts.stream().mapToDouble(p -> p[1]).toArray()}));
    }

    private static List<List<?>> rows(List<Map<String, Object>> rows) {
        List<List<?>> out = new ArrayList<>();
        if (rows == null) {
            return out;
        }
        for (Map<String, Object> m : rows) {
            out.add(List.of(m.get("attack"), budget(m.get("budget")), HtmlReportFormat.num(m.get("robust_auc")),
                    HtmlReportFormat.num(m.get("success")), HtmlReportFormat.num(m.get("success_fake")),
                    HtmlReportFormat.num(m.get("success_real")), String.format(Locale.ROOT, "%.1f",
                            ((Number) m.get("mean_queries")).doubleValue()), String.format(Locale.ROOT, "%.1f",
                            ((Number) m.get("mean_gradients")).doubleValue())));
        }
        return out;
    }

    private static String budget(Object b) {
        double v = ((Number) b).doubleValue();
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)) + "/255";
    }
}
