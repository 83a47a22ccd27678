package org.deepguard.core.attack;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Runs attacks over examples and budgets against one target and records every outcome. One {@link Run} per
 * (attack, budget): each example's published image is scored by the target (the detector as `detect` runs it).
 * Randomness is drawn per example, budget and attack from {@code seed}, so results do not depend on order.
 */
public final class AttackSuite {
    /** One image to attack: an id for reports, the clean 8-bit pixels, the true label. */
    public record Example(String id, Pixels clean, boolean fake) {}

    /**
     * The outcomes of one attack at one budget, in the examples' order.
     *
     * @param group the row group in reports: "main" for the attacks on the whole score, "check" for the sanity
     *              runs (doubled steps, unbounded budget), or a {@link DetectorParts#key()} for an ablation row
     */
    public record Run(String group, String attack, double budget, double[] scores, int[] queries, int[] gradients,
                      double[] linf) {}

    /** One attack with the target it is run against and the row group it reports in. */
    public record Job(String group, Attack attack, ScoreOracle target, double[] budgets) {}

    /** Clean scores and all runs of one target (a target per group: the fused detector or a part alone). */
    public record Results(List<Example> examples, Map<String, double[]> cleanScores,
                          Map<String, Double> thresholds, List<Run> runs, Map<String, Map<String, Object>> attacks) {}

    private AttackSuite() {}

    /** Total (job, budget, example) units a call to {@link #run} reports through {@code progress}. */
    public static long units(List<Job> jobs, int examples) {
        long n = 0;
        for (Job j : jobs) {
            n += (long) j.budgets().length * examples;
        }
        return n;
    }

    /**
     * @param progress called with 1 per (job, budget, example) done
     */
    public static Results run(List<Example> examples, List<Job> jobs, long seed, IntConsumer progress) {
        Map<String, double[]> clean = new LinkedHashMap<>();
        Map<String, Double> thresholds = new LinkedHashMap<>();
        Map<String, Map<String, Object>> hyper = new LinkedHashMap<>();
        for (Job j : jobs) {
            if (!clean.containsKey(j.group()) && !j.group().equals("check")) {
                double[] s = new double[examples.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = j.target().score(examples.get(i).clean());
                }
                clean.put(j.group(), s);
                thresholds.put(j.group(), j.target().threshold());
            }
            hyper.putIfAbsent(j.attack().name(), j.attack().hyperparameters());
        }
        List<Run> runs = new ArrayList<>();
        for (Job j : jobs) {
            for (int b = 0; b < j.budgets().length; b++) {
                double eps = j.budgets()[b];
                int n = examples.size();
                double[] scores = new double[n];
                int[] queries = new int[n];
                int[] grads = new int[n];
                double[] linf = new double[n];
                for (int i = 0; i < n; i++) {
                    Example e = examples.get(i);
                    SplittableRandom r = new SplittableRandom(seed ^ (e.id().hashCode() * 0x9E3779B97F4A7C15L)
                            ^ (Double.doubleToLongBits(eps) * 31) ^ j.attack().name().hashCode());
                    Attack.Outcome o = j.attack().run(e.clean(), e.fake(), eps, j.target(), r);
                    scores[i] = o.score();
                    queries[i] = o.queries();
                    grads[i] = o.gradients();
                    linf[i] = o.adversarial().linf(e.clean());
                    progress.accept(1);
                }
                runs.add(new Run(j.group(), j.attack().name(), eps, scores, queries, grads, linf));
            }
        }
        return new Results(List.copyOf(examples), clean, thresholds, runs, hyper);
    }
}
