package org.deepguard.core.attack;

import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an attack evaluation runs, with every hyperparameter, and how it becomes {@link AttackSuite.Job}s against a
 * detector: the requested attacks on the whole (fused, calibrated) score at every budget; the sanity runs (PGD with
 * twice the steps at one budget, PGD at an unbounded budget); the ablation rows (PGD on the network alone and on
 * the cue alone, each against that part's own score).
 *
 * @param attacks      among fgsm, pgd, square, noise, transfer (the last needs {@code surrogate})
 * @param budgets      L-inf budgets in 8-bit levels, ascending
 * @param pgdSteps     PGD steps
 * @param stepFactor   PGD step size = stepFactor * eps / steps
 * @param restarts     PGD runs per image (first from the clean image)
 * @param squareQueries Square Attack query budget per image and budget
 * @param squarePInit  Square Attack's initial square fraction
 * @param noiseSamples random-noise draws per image and budget
 * @param checks       add the sanity runs
 * @param ablation     add the network-alone and cue-alone rows
 */
public record AttackPlan(List<String> attacks, double[] budgets, int pgdSteps, double stepFactor, int restarts,
                         int squareQueries, double squarePInit, int noiseSamples, boolean checks, boolean ablation) {
    public static final List<String> KNOWN = List.of("fgsm", "pgd", "square", "noise", "transfer");
    /** The "unbounded" budget of the sanity check: 64 levels, a quarter of the range, far beyond any threat. */
    public static final double UNBOUNDED = 64;
    /**
     * The unbounded run takes this many times the PGD steps (same step factor, so steps of 2.5 * 64 / (4 steps)
     * levels). With the main run's steps, its first step was 2.5 * 64 / 5 = 32 levels: on this score (the cue's log
     * ratios are far from linear over 32 levels) every large step overshot, the halving schedule spent all 5 steps
     * finding a usable size, and the run stopped at 8 levels with reals unflipped, which the check read as
     * gradient masking (dev fold 0, session 2 of issue 17). An unbounded attack must be given the iterations to
     * use its budget.
     */
    public static final int UNBOUNDED_STEPS_FACTOR = 4;

    public AttackPlan {
        attacks = List.copyOf(attacks);
        for (String a : attacks) {
            if (!KNOWN.contains(a)) {
                throw new IllegalArgumentException("unknown attack '" + a + "' (one of " + String.join(", ", KNOWN)
                        + ")");
            }
        }
        if (attacks.isEmpty()) {
            throw new IllegalArgumentException("no attack given");
        }
        budgets = budgets.clone();
        Arrays.sort(budgets);
        if (budgets.length == 0 || budgets[0] < 0 || budgets[budgets.length - 1] > 255) {
            throw new IllegalArgumentException("budgets must lie in [0, 255] levels, got " + Arrays.toString(budgets));
        }
        if (pgdSteps < 1 || restarts < 1 || !(stepFactor > 0) || squareQueries < 1 || noiseSamples < 1
                || !(squarePInit > 0 && squarePInit <= 1)) {
            throw new IllegalArgumentException("attack steps, restarts, queries and samples must be positive");
        }
    }

    /** The budget of the doubled-steps check: the middle one of those that can change an 8-bit image. */
    public double checkBudget() {
        double[] usable = Arrays.stream(budgets).filter(b -> b >= 1).toArray();
        return usable.length == 0 ? budgets[budgets.length - 1] : usable[usable.length / 2];
    }

    /** The settings as recorded in reports. */
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attacks", attacks);
        m.put("budgets", budgets);
        m.put("pgd_steps", pgdSteps);
        m.put("pgd_step_size", String.format(Locale.ROOT, "%s * eps / steps", stepFactor));
        m.put("pgd_restarts", restarts);
        m.put("square_queries", squareQueries);
        m.put("square_p_init", squarePInit);
        m.put("noise_samples", noiseSamples);
        m.put("sanity_runs", checks ? "pgd with " + 2 * pgdSteps + " steps at " + checkBudget()
                + "/255; pgd with " + UNBOUNDED_STEPS_FACTOR * pgdSteps + " steps at " + UNBOUNDED + "/255" : "off");
        m.put("ablation", ablation);
        m.put("gradients", "exact: network by backpropagation (BatchNorm folded), cue analytic (FFT power spectrum "
                + "back-propagated, |.| and max/min by subgradient); no BPDA or finite differences needed");
        return m;
    }

    /**
     * @param surrogate an independently trained bundle for the transfer attack (null unless "transfer" is asked)
     */
    public List<AttackSuite.Job> jobs(Detector detector, ModelBundle surrogate) {
        ModelBundle bundle = detector.bundle();
        DetectorScorer white = new DetectorScorer(bundle, DetectorParts.FUSED, detector.threshold());
        DetectorOracle target = new DetectorOracle(detector);
        Pgd pgd = new Pgd(white, pgdSteps, stepFactor, restarts);
        List<AttackSuite.Job> jobs = new ArrayList<>();
        for (String a : attacks) {
            Attack attack = switch (a) {
                case "fgsm" -> new Fgsm(white);
                case "pgd" -> pgd;
                case "square" -> new SquareAttack(squareQueries, squarePInit);
                case "noise" -> new RandomNoise(noiseSamples);
                case "transfer" -> {
                    if (surrogate == null) {
                        throw new IllegalArgumentException("the transfer attack needs a surrogate model bundle");
                    }
                    yield new Pgd("transfer", new DetectorScorer(surrogate, DetectorParts.FUSED,
                            surrogate.metadata().threshold), pgdSteps, stepFactor, restarts);
                }
                default -> throw new IllegalStateException(a);
            };
            jobs.add(new AttackSuite.Job(AttackReport.MAIN, attack, target, budgets));
        }
        if (checks && attacks.contains("pgd")) {
            jobs.add(new AttackSuite.Job(AttackReport.CHECK, pgd.withSteps("pgd-2x", 2 * pgdSteps), target,
                    new double[] {checkBudget()}));
            jobs.add(new AttackSuite.Job(AttackReport.CHECK, pgd.withSteps("pgd-unbounded",
                    UNBOUNDED_STEPS_FACTOR * pgdSteps), target,
                    new double[] {UNBOUNDED}));
        }
        if (ablation) {
            List<DetectorParts> parts = new ArrayList<>(List.of(DetectorParts.NETWORK));
            if (bundle.metadata().spectral != null) {
                parts.add(DetectorParts.CUE);
            }
            for (DetectorParts p : parts) {
                DetectorScorer s = new DetectorScorer(bundle, p, detector.threshold());
                jobs.add(new AttackSuite.Job(p.key(), new Pgd(s, pgdSteps, stepFactor, restarts),
                        new DetectorOracle(detector, p), budgets));
            }
        }
        return jobs;
    }

    /** Parses "fgsm,pgd,transfer=DIR": the attack names and the surrogate path (null when absent). */
    public static Map.Entry<List<String>, String> parseAttacks(String spec) {
        List<String> names = new ArrayList<>();
        String surrogate = null;
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.startsWith("transfer=")) {
                surrogate = p.substring("transfer=".length());
                if (surrogate.isBlank()) {
                    throw new IllegalArgumentException("transfer= needs a model bundle directory");
                }
                p = "transfer";
            }
            String name = p.toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("unknown attack '" + p + "' (one of fgsm, pgd, square, noise, "
                        + "transfer=BUNDLE)");
            }
            if (name.equals("transfer") && surrogate == null) {
                throw new IllegalArgumentException("transfer needs a surrogate bundle: transfer=DIR");
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return Map.entry(names, surrogate == null ? "" : surrogate);
    }
}
