package org.deepguard.core.attack;

import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.metrics.BinaryMetrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns {@link AttackSuite.Results} into the documented {@code adversarial} block of metrics.json: per attack and
 * budget the robust AUC (labels against the attacked scores) and the attack success rates; the per-example worst
 * case over all attacks at each budget; the ablation rows; the sanity checks of Carlini et al. 2019 ("On Evaluating
 * Adversarial Robustness") and AutoAttack (Croce and Hein 2020). Pure functions of the results.
 *
 * <p>Success rate: among the examples the target called correctly on the clean image, the fraction whose attacked
 * image it calls wrongly: a fake called real ({@code success_fake}, what a forger wants) or a real called fake
 * ({@code success_real}); {@code success} pools both.
 */
public final class AttackReport {
    /** An attack "beats" another on an example when its attacker loss is at least the other's minus this. */
    static final double TIE = 1e-9;
    /** Sanity checks pass when they hold on at least this fraction of examples. */
    static final double MAJORITY = 0.9;

    public static final String MAIN = "main";
    public static final String CHECK = "check";
    public static final String WORST = "worst";

    private AttackReport() {}

    /** The metrics of one set of attacked scores against clean ones. */
    public record Row(String group, String attack, double budget, double robustAuc, double success,
                      double successFake, double successReal, int fakesCorrect, int realsCorrect, double meanQueries,
                      double meanGradients, double maxLinf) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attack", attack);
            m.put("budget", budget);
            m.put("robust_auc", finite(robustAuc));
            m.put("success", finite(success));
            m.put("success_fake", finite(successFake));
            m.put("success_real", finite(successReal));
            m.put("fakes_called_fake_clean", fakesCorrect);
            m.put("reals_called_real_clean", realsCorrect);
            m.put("mean_queries", meanQueries);
            m.put("mean_gradients", meanGradients);
            m.put("max_linf", maxLinf);
            return m;
        }
    }

    static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static boolean[] labels(List<AttackSuite.Example> ex) {
        boolean[] y = new boolean[ex.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = ex.get(i).fake();
        }
        return y;
    }

    static Row row(String group, String attack, double budget, boolean[] fake, double[] clean, double[] attacked,
                   double threshold, int[] queries, int[] gradients, double[] linf) {
        int fc = 0;
        int rc = 0;
        int ff = 0;
        int rf = 0;
        for (int i = 0; i < fake.length; i++) {
            boolean correct = fake[i] ? clean[i] >= threshold : clean[i] < threshold;
            if (!correct) {
                continue;
            }
            boolean flipped = Attack.succeeded(fake[i], attacked[i], threshold);
            if (fake[i]) {
                fc++;
                ff += flipped ? 1 : 0;
            } else {
                rc++;
                rf += flipped ? 1 : 0;
            }
        }
        return new Row(group, attack, budget, BinaryMetrics.rocAuc(fake, attacked),
                fc + rc == 0 ? Double.NaN : (ff + rf) / (double) (fc + rc),
                fc == 0 ? Double.NaN : ff / (double) fc, rc == 0 ? Double.NaN : rf / (double) rc, fc, rc,
                mean(queries), mean(gradients), linf == null ? 0 : Arrays.stream(linf).max().orElse(0));
    }

    private static double mean(int[] v) {
        return v == null || v.length == 0 ? 0 : Arrays.stream(v).average().orElse(0);
    }

    /** Per example, the attacker's best score over the given runs (lowest for a fake, highest for a real). */
    static double[] worst(boolean[] fake, List<AttackSuite.Run> runs) {
        double[] w = new double[fake.length];
        for (int i = 0; i < w.length; i++) {
            double best = fake[i] ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            for (AttackSuite.Run r : runs) {
                best = fake[i] ? Math.min(best, r.scores()[i]) : Math.max(best, r.scores()[i]);
            }
            w[i] = best;
        }
        return w;
    }

    /** All rows: every run of every group, then the worst case of the main group per budget. */
    public static List<Row> rows(AttackSuite.Results res) {
        boolean[] y = labels(res.examples());
        List<Row> out = new ArrayList<>();
        for (AttackSuite.Run r : res.runs()) {
            String g = r.group().equals(CHECK) ? MAIN : r.group();
            out.add(row(r.group(), r.attack(), r.budget(), y, res.cleanScores().get(g), r.scores(),
                    res.thresholds().get(g), r.queries(), r.gradients(), r.linf()));
        }
        for (double b : budgets(res, MAIN)) {
            List<AttackSuite.Run> at = runsAt(res, MAIN, b);
            if (at.isEmpty()) {
                continue;
            }
            int[] q = new int[y.length];
            int[] gr = new int[y.length];
            double[] linf = new double[y.length];
            for (AttackSuite.Run r : at) {
                for (int i = 0; i < y.length; i++) {
                    q[i] += r.queries()[i];
                    gr[i] += r.gradients()[i];
                    linf[i] = Math.max(linf[i], r.linf()[i]);
                }
            }
            out.add(row(WORST, WORST, b, y, res.cleanScores().get(MAIN), worst(y, at), res.thresholds().get(MAIN), q,
                    gr, linf));
        }
        return out;
    }

    static List<Double> budgets(AttackSuite.Results res, String group) {
        TreeSet<Double> s = new TreeSet<>();
        res.runs().stream().filter(r -> r.group().equals(group)).forEach(r -> s.add(r.budget()));
        return new ArrayList<>(s);
    }

    static List<AttackSuite.Run> runsAt(AttackSuite.Results res, String group, double budget) {
        return res.runs().stream().filter(r -> r.group().equals(group) && r.budget() == budget).toList();
    }

    static AttackSuite.Run find(AttackSuite.Results res, String group, String attack, double budget) {
        return res.runs().stream().filter(r -> r.group().equals(group) && r.attack().equals(attack)
                && r.budget() == budget).findFirst().orElse(null);
    }

    /** One sanity check's verdict. */
    public record Check(String name, boolean passed, String detail) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("check", name);
            m.put("passed", passed);
            m.put("detail", detail);
            return m;
        }
    }

    /**
     * Fraction of examples where attack a does at least as well as b: a flips the verdict (the attacker's goal; how
     * far past the threshold each went no longer matters), or neither flips it and a's attacker loss is at least
     * b's (minus a tie margin). Only b flipping an example that a does not, or b getting closer without either
     * flipping, counts against a. (Comparing raw scores past the threshold flagged an under-converged but
     * successful PGD as masked on the dev set: a real pushed to +0.65 by PGD against +0.97 by transfer, both
     * called fake at a threshold of +0.26.)
     */
    static double beats(boolean[] fake, AttackSuite.Run a, AttackSuite.Run b, double threshold) {
        int n = 0;
        for (int i = 0; i < fake.length; i++) {
            double s = Attack.direction(fake[i]);
            boolean aWins = Attack.succeeded(fake[i], a.scores()[i], threshold);
            boolean bWins = Attack.succeeded(fake[i], b.scores()[i], threshold);
            if (aWins || !bWins && s * a.scores()[i] >= s * b.scores()[i] - TIE * (1 + Math.abs(b.scores()[i]))) {
                n++;
            }
        }
        return fake.length == 0 ? 1 : n / (double) fake.length;
    }

    /** The sanity checks that the runs allow (a check whose runs are missing is left out). */
    public static List<Check> checks(AttackSuite.Results res, List<Row> rows) {
        boolean[] y = labels(res.examples());
        List<Check> out = new ArrayList<>();
        List<Double> budgets = budgets(res, MAIN);
        // 1. iterative beats single-step (per example, and in success rate)
        StringBuilder d = new StringBuilder();
        boolean ok = true;
        boolean any = false;
        for (double b : budgets) {
            AttackSuite.Run pgd = find(res, MAIN, "pgd", b);
            AttackSuite.Run fgsm = find(res, MAIN, "fgsm", b);
            if (pgd == null || fgsm == null) {
                continue;
            }
            any = true;
            double f = beats(y, pgd, fgsm, res.thresholds().get(MAIN));
            Row rp = rowOf(rows, MAIN, "pgd", b);
            Row rf = rowOf(rows, MAIN, "fgsm", b);
            boolean here = f >= MAJORITY && !(rp.success() < rf.success());
            ok &= here;
            d.append(String.format(Locale.ROOT, "%s: pgd >= fgsm on %.0f%% of examples, success %.3f vs %.3f; ",
                    fmt(b), 100 * f, rp.success(), rf.success()));
        }
        if (any) {
            out.add(new Check("iterative_beats_single_step", ok, d.toString().trim()));
        }
        // 2. doubling the steps gains little
        for (AttackSuite.Run r : res.runs()) {
            if (!r.group().equals(CHECK) || !r.attack().equals("pgd-2x")) {
                continue;
            }
            Row base = rowOf(rows, MAIN, "pgd", r.budget());
            Row dbl = rowOf(rows, CHECK, "pgd-2x", r.budget());
            if (base == null) {
                continue;
            }
            double dAuc = base.robustAuc() - dbl.robustAuc();
            double dSucc = dbl.success() - base.success();
            boolean pass = !(Math.abs(dAuc) > 0.02) && !(dSucc > 0.05);
            out.add(new Check("doubling_steps_gains_little", pass, String.format(Locale.ROOT,
                    "at %s: robust AUC %.3f -> %.3f, success %.3f -> %.3f with twice the steps%s", fmt(r.budget()),
                    base.robustAuc(), dbl.robustAuc(), base.success(), dbl.success(),
                    pass ? "" : " (PGD has not converged: raise --attack-steps)")));
        }
        // 3. success rises with the budget (worst case), and an unbounded attack succeeds
        List<Row> worst = rows.stream().filter(r -> r.group().equals(WORST)).toList();
        if (worst.size() > 1) {
            boolean mono = true;
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < worst.size(); i++) {
                Row r = worst.get(i);
                int n = r.fakesCorrect() + r.realsCorrect();
                if (i > 0 && r.success() < worst.get(i - 1).success() - 1.0 / Math.max(1, n) - 1e-12) {
                    mono = false;
                }
                s.append(String.format(Locale.ROOT, "%s: %.3f; ", fmt(r.budget()), r.success()));
            }
            out.add(new Check("success_rises_with_budget", mono, "worst-case success " + s.toString().trim()));
        }
        for (AttackSuite.Run r : res.runs()) {
            if (r.group().equals(CHECK) && r.attack().equals("pgd-unbounded")) {
                Row u = rowOf(rows, CHECK, "pgd-unbounded", r.budget());
                boolean pass = u.success() >= 0.95 || Double.isNaN(u.success());
                out.add(new Check("unbounded_attack_succeeds", pass, String.format(Locale.ROOT,
                        "PGD at %s succeeds on %.3f of the correctly called examples%s", fmt(r.budget()), u.success(),
                        pass ? "" : " (below 100% with an unbounded budget: possible gradient masking)")));
            }
        }
        // 4. white-box beats black-box and noise per example
        for (String other : List.of("square", "transfer", "noise")) {
            StringBuilder s = new StringBuilder();
            boolean pass = true;
            boolean seen = false;
            for (double b : budgets) {
                AttackSuite.Run pgd = find(res, MAIN, "pgd", b);
                AttackSuite.Run o = find(res, MAIN, other, b);
                if (pgd == null || o == null) {
                    continue;
                }
                seen = true;
                double f = beats(y, pgd, o, res.thresholds().get(MAIN));
                pass &= f >= MAJORITY;
                s.append(String.format(Locale.ROOT, "%s: %.0f%%; ", fmt(b), 100 * f));
            }
            if (seen) {
                out.add(new Check("white_box_beats_" + other, pass, "examples where PGD does at least as well as "
                        + other + ": " + s.toString().trim() + (pass ? "" : " (white-box weaker than " + other
                        + " on some examples: possible gradient masking)")));
            }
        }
        return out;
    }

    static Row rowOf(List<Row> rows, String group, String attack, double budget) {
        return rows.stream().filter(r -> r.group().equals(group) && r.attack().equals(attack)
                && r.budget() == budget).findFirst().orElse(null);
    }

    static String fmt(double budget) {
        return (budget == Math.rint(budget) ? String.valueOf((long) budget) : String.valueOf(budget)) + "/255";
    }

    /**
     * The {@code adversarial} block of metrics.json (documented in the README's threat model section):
     * {@code threat_model}, {@code budget_unit}, {@code examples}, {@code attacks} (hyperparameters),
     * {@code clean} (AUC and threshold per group), {@code results} (main attacks), {@code worst_case},
     * {@code ablation} (network alone, cue alone), {@code checks} (sanity runs), {@code sanity}.
     */
    public static Map<String, Object> toMap(AttackSuite.Results res, Map<String, Object> settings) {
        List<Row> rows = rows(res);
        boolean[] y = labels(res.examples());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threat_model", "evasion at test time; white-box attacks know the whole bundle (weights, cue, fusion, "
                + "threshold) and differentiate the fused calibrated log-odds; black-box attacks only read the score "
                + "of the 8-bit images they submit; every attacked image is published as 8-bit (rounded, clipped)");
        m.put("budget_unit", "L-inf distance in 8-bit levels (x/255); below 1 an 8-bit image cannot change");
        m.put("settings", settings);
        int fakes = 0;
        for (boolean b : y) {
            fakes += b ? 1 : 0;
        }
        m.put("examples", y.length);
        m.put("fakes", fakes);
        m.put("reals", y.length - fakes);
        m.put("attacks", res.attacks());
        Map<String, Object> clean = new LinkedHashMap<>();
        res.cleanScores().forEach((g, s) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("auc", finite(BinaryMetrics.rocAuc(y, s)));
            c.put("threshold_log_odds", res.thresholds().get(g));
            clean.put(g, c);
        });
        m.put("clean", clean);
        m.put("results", rows.stream().filter(r -> r.group().equals(MAIN)).map(Row::toMap).toList());
        m.put("worst_case", rows.stream().filter(r -> r.group().equals(WORST)).map(Row::toMap).toList());
        List<Map<String, Object>> abl = new ArrayList<>();
        for (Row r : rows) {
            if (r.group().equals(DetectorParts.NETWORK.key()) || r.group().equals(DetectorParts.CUE.key())) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("part", r.group());
                a.putAll(r.toMap());
                abl.add(a);
            }
        }
        m.put("ablation", abl);
        m.put("checks", rows.stream().filter(r -> r.group().equals(CHECK)).map(Row::toMap).toList());
        m.put("sanity", checks(res, rows).stream().map(Check::toMap).toList());
        return m;
    }

    /** Per example and run: id, label, group, attack, budget, clean and attacked score, success, queries, linf. */
    public static void writeCsv(Path file, AttackSuite.Results res) throws IOException {
        StringBuilder sb = new StringBuilder("id,label,group,attack,budget,clean_score,score,success,queries,"
                + "gradients,linf\n");
        for (AttackSuite.Run r : res.runs()) {
            String g = r.group().equals(CHECK) ? MAIN : r.group();
            double[] clean = res.cleanScores().get(g);
            double thr = res.thresholds().get(g);
            for (int i = 0; i < res.examples().size(); i++) {
                AttackSuite.Example e = res.examples().get(i);
                sb.append(csv(e.id())).append(',').append(e.fake() ? "fake" : "real").append(',').append(r.group())
                        .append(',').append(r.attack()).append(',').append(r.budget()).append(',')
                        .append(String.format(Locale.ROOT, "%.6f,%.6f", clean[i], r.scores()[i])).append(',')
                        .append(Attack.succeeded(e.fake(), r.scores()[i], thr)
                                && !Attack.succeeded(e.fake(), clean[i], thr)).append(',')
                        .append(r.queries()[i]).append(',').append(r.gradients()[i]).append(',')
                        .append(r.linf()[i]).append('\n');
            }
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
