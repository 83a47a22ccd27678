package org.deepguard.evaluate;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.ModelMixin;
import org.deepguard.cli.Progress;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.Metric;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.report.HtmlReport;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code evaluate}: scores a manifest split with one or more model bundles and writes a report folder. */
@CommandLine.Command(name = "evaluate",
        description = {"Evaluate a model bundle on a manifest split: metrics.json (with bootstrap intervals), "
                + "predictions.csv, errors.csv, PNG/SVG plots and a self-contained report.html, plus shortcut "
                + "baselines (file size, sharpness) and an optional robustness sweep."},
        footer = {"", "Examples:",
                "  evaluate --model models/hybrid --manifest data/manifest.csv -o reports/test",
                "  evaluate -m models/hybrid --manifest m.csv -o r --perturb jpeg=90,75,50 --perturb blur=1,2",
                "  evaluate -m models/hybrid --manifest m.csv -o r --perturb standard",
                "  evaluate -m models/hybrid --manifest m.csv -o r --fail-under auc=0.9 --fail-under ece=0.05",
                "  evaluate -m models/a -m models/b --manifest m.csv -o compare",
                "  evaluate -m models/hybrid --manifest m.csv -o r --attack fgsm,pgd,square,noise --budgets 1,2,4,8 "
                        + "--attack-limit 40",
                "",
                "--fail-under fails (exit 1) when a metric is below its bound; for error-like metrics (eer, "
                        + "log_loss, brier, ece) when it is above. Metric names are the keys of metrics.json.",
                "Unreadable images are listed in errors.csv with a reason; the run goes on and exits 1."})
public class EvaluateCommand extends BaseCommand {

    @CommandLine.Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "Model bundle directory; repeat to compare models side by side "
                    + "(default: $" + ModelMixin.ENV + ").")
    List<Path> models = new ArrayList<>();

    @CommandLine.Option(names = "--manifest", required = true, paramLabel = "CSV", description = "Dataset manifest.")
    Path manifestFile;

    @CommandLine.Option(names = {"-o", "--output"}, required = true, paramLabel = "REPORT_DIR",
            description = "Report folder (created; files in it are replaced).")
    Path output;

    @CommandLine.Option(names = "--split", defaultValue = "test", paramLabel = "SPLIT",
            description = "Rows to evaluate: train, val, test or all (default: ${DEFAULT-VALUE}; a manifest "
                    + "without splits is evaluated whole).")
    String split;

    @CommandLine.Option(names = "--threshold", paramLabel = "T",
            description = "Decision threshold on p_fake for the flat metrics (default: the bundle's). Both "
                    + "confusion matrices are reported.")
    Double threshold;

    @CommandLine.Option(names = "--batch-size", defaultValue = "16", paramLabel = "N",
            description = "Images per inference batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @CommandLine.Option(names = "--fail-under", paramLabel = "METRIC=VALUE",
            description = "Quality gate, repeatable, e.g. auc=0.9.")
    Map<String, Double> failUnder = new LinkedHashMap<>();

    @CommandLine.Option(names = "--perturb", paramLabel = "SPEC",
            description = "Robustness sweep, repeatable: standard (JPEG q90/q75/q50, resize 0.5, blur 1, noise 0.02, "
                    + "resize 0.75 then JPEG q75: what `train --cv` and bench/quality.sh measure), or "
                    + "jpeg=QUALITY,.. blur=SIGMA_PX,.. resize=FACTOR,.. noise=SIGMA(0-1),.., or a chain such as "
                    + "resize=0.75+jpeg=75")
    List<String> perturb = new ArrayList<>();

    @CommandLine.Option(names = "--format-check",
            description = "Also re-encode every image as JPEG q95 (both classes alike) and report the AUC change.")
    boolean formatCheck;

    @CommandLine.Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "N",
            description = "Bootstrap resamples for the AUC/AP intervals; 0 disables (default: ${DEFAULT-VALUE}).")
    int bootstrap;

    @CommandLine.Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Seed of the bootstrap and of the noise perturbation (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Option(names = "--worst", defaultValue = "8", paramLabel = "N",
            description = "Worst false positives / negatives shown as thumbnails (default: ${DEFAULT-VALUE}).")
    int worst;

    @CommandLine.Option(names = "--attack", paramLabel = "LIST",
            description = "Adversarial evaluation: comma-separated attacks among fgsm, pgd (white-box, exact "
                    + "gradients of the whole fused score), square (score-based black-box), noise (random-sign control), "
                    + "transfer=BUNDLE (PGD on another, independently trained model). Adds attacks.csv, an "
                    + "'adversarial' block in metrics.json and a report section.")
    String attack;

    @CommandLine.Option(names = "--budgets", defaultValue = "0.5,1,2,4,8", split = ",", paramLabel = "EPS,..",
            description = "L-inf budgets of --attack in 8-bit levels (x/255; default: ${DEFAULT-VALUE}). Attacked "
                    + "images are published as 8-bit, so a budget below 1 cannot change an image.")
    double[] budgets;

    @CommandLine.Option(names = "--attack-steps", defaultValue = "20", paramLabel = "N",
            description = "PGD steps (default: ${DEFAULT-VALUE}, what the default model needs for PGD to converge "
                    + "at 4/255; the sanity check 'doubling_steps_gains_little' says when it has not); the step size "
                    + "is 2.5 eps / steps.")
    int attackSteps;

    @CommandLine.Option(names = "--attack-restarts", defaultValue = "1", paramLabel = "N",
            description = "PGD runs per image, the first from the clean image (default: ${DEFAULT-VALUE}).")
    int attackRestarts;

    @CommandLine.Option(names = "--attack-queries", defaultValue = "200", paramLabel = "N",
            description = "Square Attack query budget per image and budget (default: ${DEFAULT-VALUE}).")
    int attackQueries;

    @CommandLine.Option(names = "--attack-limit", defaultValue = "0", paramLabel = "N",
            description = "Attack at most N images of the split, balanced by class (default: all). Attacks cost "
                    + "tens to hundreds of model evaluations per image and budget.")
    int attackLimit;

    @CommandLine.Option(names = "--no-attack-checks", negatable = false,
            description = "Skip the sanity runs (PGD with twice the steps, PGD with an unbounded budget) and the "
                    + "ablation rows (PGD on the network alone and on the cue alone).")
    boolean noAttackChecks;

    public static void main(String[] args) {
        Cli.main(new EvaluateCommand(), args);
    }

    @Override
    protected int run() throws Exception {
        validate();
        List<Perturbation> sweep = perturbations();
        Manifest manifest = Manifest.read(manifestFile);
        String splitName = split.trim().toLowerCase(Locale.ROOT);
        java.util.function.Predicate<ManifestEntry> inSplit = splitFilter(manifest, splitName);
        List<ManifestEntry> rows = manifest.select(e -> e.isUsable() && inSplit.test(e));
        if (rows.isEmpty()) {
            throw new CliException(ExitCode.INPUT, manifestFile + ": no usable rows in split '" + splitName + "'"
                    + " (use --split train|val|test|all)");
        }
        int excluded = (int) manifest.entries().stream().filter(e -> !e.isUsable() && inSplit.test(e)).count();
        String sha = Manifest.fileHash(manifestFile);
        List<Path> dirs = modelDirs();

        List<Map<String, Object>> results = new ArrayList<>();
        List<String> gateFailures = new ArrayList<>();
        int unreadable = 0;
        for (int i = 0; i < dirs.size(); i++) {
            Path dir = dirs.get(i);
            Path out = dirs.size() == 1 ? output : output.resolve(String.format(Locale.ROOT, "%d-%s", i + 1,
                    dir.toAbsolutePath().normalize().getFileName()));
            List<String> failed = new ArrayList<>();
            Map<String, Object> metrics = evaluateModel(dir, out, manifest, rows, splitName, excluded, sha, sweep,
                    failed);
            results.add(metrics);
            unreadable = Math.max(unreadable, ((Number) ((Map<?, ?>) metrics.get("errors")).get("count")).intValue());
            for (String f : failed) {
                gateFailures.add(dirs.size() == 1 ? f : dir + ": " + f);
            }
        }
        if (dirs.size() > 1) {
            writeComparison(dirs, results);
        }
        for (String f : gateFailures) {
            err().println("fail-under: " + f);
        }
        err().flush();
        if (!gateFailures.isEmpty() || unreadable > 0) {
            return ExitCode.PARTIAL;
        }
        return ExitCode.OK;
    }

    private Map<String, Object> evaluateModel(Path dir, Path out, Manifest manifest, List<ManifestEntry> rows,
                                              String splitName, int excluded, String sha, List<Perturbation> sweep,
                                              List<String> gateFailures) throws IOException {
        ModelBundle bundle;
        try {
            bundle = ModelBundle.load(dir);
        } catch (BundleException e) {
            throw new CliException(ExitCode.MODEL, e.getMessage(), e);
        }
        Detector detector = new Detector(bundle);
        Evaluator evaluator = new Evaluator(detector, manifest, batchSize);
        info("evaluating " + bundle.metadata().modelId + " on " + rows.size() + " images (split " + splitName + ")"
                + (sweep.isEmpty() ? "" : " and " + sweep.size() + " perturbations"));
        Evaluator.Pass clean;
        List<ModelReport.SweepResult> sweepResults = new ArrayList<>();
        try (Progress progress = progress("evaluate", (long) rows.size() * (1 + sweep.size()))) {
            clean = evaluator.run(rows, null, seed, progress::stepBy);
            ModelReport.writeErrors(out.resolve("errors.csv"), clean.failures());
            if (clean.scored().isEmpty()) {
                throw new CliException(ExitCode.INPUT, manifestFile + ": none of the " + rows.size()
                        + " images could be read (reasons in " + out.resolve("errors.csv") + ")");
            }
            for (Perturbation p : sweep) {
                progress.message(p.label());
                sweepResults.add(new ModelReport.SweepResult(p, evaluator.run(rows, p, seed, progress::stepBy)));
            }
        }
        for (Evaluator.Failure f : clean.failures()) {
            if (verbose()) {
                err().println("skipped: " + f.message());
            }
        }
        if (!clean.failures().isEmpty()) {
            info(clean.failures().size() + " image(s) could not be read; listed in " + out.resolve("errors.csv"));
        }
        ModelReport report = new ModelReport(new ModelReport.Context(bundle.directory(), bundle.metadata(),
                manifestFile.toAbsolutePath(), sha, splitName, rows.size(), excluded, threshold, bootstrap, seed,
                worst, formatCheck, manifest::resolve), clean, sweepResults);
        Map<String, Object> metrics = report.metrics();
        if (attackPlan() != null) {
            metrics.put("adversarial", attackEvaluation(detector, manifest, rows, out));
        }
        gateFailures.addAll(gates(metrics)); // before writing: the gate results are part of metrics.json
        report.writePredictions(out.resolve("predictions.csv"));
        Map<String, byte[]> plots = report.writePlots(out);
        report.explainWith(threshold == null ? detector : new Detector(bundle, threshold)); // issue 20
        report.writeHtml(out.resolve("report.html"), metrics, plots);
        AtomicFiles.writeString(out.resolve("metrics.json"), Json.pretty(metrics));
        out().println(summaryLine(metrics, out));
        out().flush();
        return metrics;
    }

    /** The --attack plan, or null without --attack (usage errors as CliException). */
    private org.deepguard.core.attack.AttackPlan attackPlan() {
        if (attack == null) {
            return null;
        }
        try {
            var parsed = org.deepguard.core.attack.AttackPlan.parseAttacks(attack);
            return new org.deepguard.core.attack.AttackPlan(parsed.getKey(), budgets, attackSteps, 2.5,
                    attackRestarts, attackQueries, 0.05, 1, !noAttackChecks, !noAttackChecks);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--attack: " + e.getMessage());
        }
    }

    private Map<String, Object> attackEvaluation(Detector detector, Manifest manifest, List<ManifestEntry> rows,
                                                 Path out) throws IOException {
        org.deepguard.core.attack.AttackPlan plan = attackPlan();
        String surrogateDir = org.deepguard.core.attack.AttackPlan.parseAttacks(attack).getValue();
        ModelBundle surrogate = null;
        if (!surrogateDir.isEmpty()) {
            try {
                surrogate = ModelBundle.load(Path.of(surrogateDir));
            } catch (BundleException e) {
                throw new CliException(ExitCode.MODEL, e.getMessage(), e);
            }
        }
        var examples = AttackEvaluation.examples(detector, manifest, AttackEvaluation.select(rows, attackLimit,
                seed));
        if (examples.isEmpty()) {
            throw new CliException(ExitCode.INPUT, manifestFile + ": no readable image to attack");
        }
        var jobs = plan.jobs(detector, surrogate);
        info("attacking " + examples.size() + " images: " + String.join(", ", plan.attacks()) + " at budgets "
                + java.util.Arrays.toString(plan.budgets()) + "/255");
        try (Progress progress = progress("attack", org.deepguard.core.attack.AttackSuite.units(jobs,
                examples.size()))) {
            return AttackEvaluation.run(jobs, surrogate, examples, plan, seed, attackLimit, out, progress::stepBy);
        }
    }

    static String summaryLine(Map<String, Object> m, Path out) {
        return String.format(Locale.ROOT, "n=%s auc=%s%s ap=%s accuracy=%s f1=%s eer=%s ece=%s -> %s", m.get("n"),
                HtmlReportFormat.num(m.get("auc")), HtmlReportFormat.ci(ci(m), "auc"), HtmlReportFormat.num(m.get("ap")),
                HtmlReportFormat.num(m.get("accuracy")), HtmlReportFormat.num(m.get("f1")),
                HtmlReportFormat.num(m.get("eer")), HtmlReportFormat.num(m.get("ece")), out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ci(Map<String, Object> m) {
        return (Map<String, Object>) m.get("ci");
    }

    /** The --fail-under checks that fail, as messages. An undefined (null) metric fails its gate. */
    List<String> gates(Map<String, Object> metrics) {
        List<String> failed = new ArrayList<>();
        List<Map<String, Object>> checks = new ArrayList<>();
        failUnder.forEach((key, bound) -> {
            Metric metric = Metric.byKey(key);
            Object v = metrics.get(key);
            boolean ok = v instanceof Number n && (metric.higherIsBetter() ? n.doubleValue() >= bound
                    : n.doubleValue() <= bound);
            if (!ok) {
                failed.add(String.format(Locale.ROOT, "%s = %s, required %s %s", key, HtmlReportFormat.num(v),
                        metric.higherIsBetter() ? ">=" : "<=", bound));
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("metric", key);
            c.put("bound", bound);
            c.put("value", v);
            c.put("passed", ok);
            checks.add(c);
        });
        if (!checks.isEmpty()) {
            metrics.put("fail_under", checks);
        }
        return failed;
    }

    private void validate() {
        attackPlan(); // --attack usage errors before any work
        if (attackLimit < 0) {
            throw new CliException(ExitCode.USAGE, "--attack-limit must not be negative, got " + attackLimit);
        }
        if (batchSize < 1) {
            throw new CliException(ExitCode.USAGE, "--batch-size must be at least 1, got " + batchSize);
        }
        if (threshold != null && !(threshold >= 0 && threshold <= 1)) {
            throw new CliException(ExitCode.USAGE, "--threshold must lie in [0, 1], got " + threshold);
        }
        if (bootstrap < 0 || worst < 0) {
            throw new CliException(ExitCode.USAGE, "--bootstrap and --worst must not be negative");
        }
        for (Map.Entry<String, Double> e : failUnder.entrySet()) {
            if (Metric.byKey(e.getKey()) == null) {
                List<String> keys = java.util.Arrays.stream(Metric.values()).map(Metric::key).toList();
                throw new CliException(ExitCode.USAGE, "--fail-under: unknown metric '" + e.getKey() + "' (one of "
                        + String.join(", ", keys) + ")");
            }
            if (e.getValue() == null || e.getValue().isNaN()) {
                throw new CliException(ExitCode.USAGE, "--fail-under " + e.getKey() + ": bound must be a number");
            }
        }
        if (!split.trim().equalsIgnoreCase("all")) {
            try {
                Split.parse(split); // accepts aliases such as "valid"
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--split: " + e.getMessage() + " (or all)");
            }
        }
    }

    private List<Perturbation> perturbations() {
        List<Perturbation> out = new ArrayList<>();
        try {
            for (String spec : perturb) {
                out.addAll(Perturbation.parse(spec));
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--perturb: " + e.getMessage());
        }
        if (formatCheck && out.stream().noneMatch(p -> p.kind() == Perturbation.Kind.JPEG && p.strength() == 95)) {
            out.add(new Perturbation(Perturbation.Kind.JPEG, 95));
        }
        return out;
    }

    /** Rows of the requested split; a manifest that assigns no splits at all is evaluated whole. */
    private static java.util.function.Predicate<ManifestEntry> splitFilter(Manifest manifest, String splitName) {
        boolean noSplits = manifest.entries().stream().allMatch(x -> x.split() == Split.NONE);
        if (splitName.equals("all") || noSplits) {
            return e -> true;
        }
        Split wanted = Split.parse(splitName);
        return e -> e.split() == wanted;
    }

    private List<Path> modelDirs() {
        if (!models.isEmpty()) {
            return models;
        }
        ModelMixin env = new ModelMixin();
        return List.of(env.resolve());
    }

    private void writeComparison(List<Path> dirs, List<Map<String, Object>> results) throws IOException {
        List<String> keys = new ArrayList<>(List.of("n"));
        for (Metric m : Metric.values()) {
            keys.add(m.key());
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        List<List<?>> table = new ArrayList<>();
        for (int i = 0; i < dirs.size(); i++) {
            Map<String, Object> r = results.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", dirs.get(i).toString());
            row.put("model_id", ((Map<?, ?>) r.get("model")).get("model_id"));
            List<Object> cells = new ArrayList<>();
            cells.add(dirs.get(i).toString());
            for (String k : keys) {
                row.put(k, r.get(k));
                cells.add(HtmlReportFormat.num(r.get(k)) + (k.equals("auc") || k.equals("ap")
                        ? HtmlReportFormat.ci(ci(r), k) : ""));
            }
            rows.add(row);
            table.add(cells);
        }
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("schema_version", ModelReport.SCHEMA_VERSION);
        comparison.put("models", rows);
        AtomicFiles.writeString(output.resolve("comparison.json"), Json.pretty(comparison));
        List<String> header = new ArrayList<>(List.of("model"));
        header.addAll(keys);
        HtmlReport html = new HtmlReport("deepguard model comparison");
        html.paragraph("Same images, same split (" + split + "); each model's full report is in its own folder.");
        html.table(header, table);
        html.write(output.resolve("report.html"));
    }
}
