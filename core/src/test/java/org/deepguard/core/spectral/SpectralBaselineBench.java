package org.deepguard.core.spectral;

import org.deepguard.core.image.ImageLoader;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.metrics.ShortcutFeatures;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The spectral baseline under the grouped protocol, on an ImageFolder set (real/, fake/). Not a test (no Test
 * suffix): run by hand, e.g.
 * <pre>
 * mvn -q -pl core test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.deepguard.core.spectral.SpectralBaselineBench -Dexec.args=/work/shared/data/dev
 * </pre>
 * Group = file-name stem with a trailing {@code _NNN} removed (face_clm-kim_074 -&gt; face_clm-kim). Stratified
 * group K-fold: groups sorted by size (desc) then name, each put in the fold holding the fewest images of its
 * label (ties: lowest fold). Fit on K-1 folds, score the held-out fold as decoded and after JPEG q75 re-encoding
 * (fitting on the clean images unless bench.augment). Second argument: comma-separated l2 values (default
 * SpectralClassifier.DEFAULT_L2). Prints the sharpness shortcut on the same folds, then one line per setting: ROC AUC per fold, mean and sample std.
 */
public final class SpectralBaselineBench {
    private static final int FOLDS = 3;
    /**
     * -Dbench.augment=true: also fit on JPEG q90 and q60 copies of the training images (not q75, the test
     * quality, which would flatter the result).
     */
    private static final boolean AUGMENT = Boolean.getBoolean("bench.augment");
    /** -Dbench.settings=default: only SpectrumConfig.defaults(); otherwise window x bins 32/64 x radius 1/sqrt 2. */
    private static final String SETTINGS = System.getProperty("bench.settings", "all");

    private record Item(String name, String group, boolean fake, BufferedImage clean, BufferedImage jpeg,
                        List<BufferedImage> augmented) {}

    private SpectralBaselineBench() {}

    static String group(String fileName) {
        String stem = fileName.contains(".") ? fileName.substring(0, fileName.lastIndexOf('.')) : fileName;
        return stem.replaceFirst("_\\d+$", "");
    }

    /** Fold index per item, stratified by label, whole groups only. */
    static int[] folds(List<Item> items, int k) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            groups.computeIfAbsent(items.get(i).group(), g -> new ArrayList<>()).add(i);
        }
        List<String> order = new ArrayList<>(groups.keySet());
        order.sort(Comparator.comparing((String g) -> -groups.get(g).size()).thenComparing(g -> g));
        int[][] perLabel = new int[2][k];
        int[] fold = new int[items.size()];
        for (String g : order) {
            List<Integer> members = groups.get(g);
            int label = items.get(members.get(0)).fake() ? 1 : 0;
            int best = 0;
            for (int f = 1; f < k; f++) {
                if (perLabel[label][f] < perLabel[label][best]) best = f;
            }
            perLabel[label][best] += members.size();
            for (int i : members) fold[i] = best;
        }
        return fold;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "/work/shared/data/dev");
        List<Item> items = new ArrayList<>();
        Perturbation q75 = new Perturbation(Perturbation.Kind.JPEG, 75);
        for (String label : List.of("real", "fake")) {
            try (Stream<Path> files = Files.list(dir.resolve(label))) {
                for (Path p : files.sorted().toList()) {
                    BufferedImage img = ImageLoader.load(p).rgb();
                    String name = p.getFileName().toString();
                    List<BufferedImage> aug = AUGMENT ? List.of(new Perturbation(Perturbation.Kind.JPEG, 90)
                            .apply(img, 0), new Perturbation(Perturbation.Kind.JPEG, 60).apply(img, 0)) : List.of();
                    items.add(new Item(name, group(name), label.equals("fake"), img, q75.apply(img, 0), aug));
                }
            }
        }
        int[] fold = folds(items, FOLDS);
        for (int f = 0; f < FOLDS; f++) {
            int real = 0;
            int fake = 0;
            java.util.Set<String> gs = new java.util.TreeSet<>();
            for (int i = 0; i < items.size(); i++) {
                if (fold[i] != f) continue;
                if (items.get(i).fake()) fake++; else real++;
                gs.add(items.get(i).group());
            }
            System.out.printf(Locale.ROOT, "fold %d: %d real, %d fake, %d groups %s%n", f, real, fake, gs.size(), gs);
        }
        // The trivial cue to beat, on the same folds: softer = more likely fake (no fitting needed).
        double[] sharpClean = new double[FOLDS];
        double[] sharpJpeg = new double[FOLDS];
        for (int f = 0; f < FOLDS; f++) {
            List<Boolean> truth = new ArrayList<>();
            List<Double> sc = new ArrayList<>();
            List<Double> sj = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                if (fold[i] != f) continue;
                truth.add(items.get(i).fake());
                sc.add(-ShortcutFeatures.laplacianVariance(items.get(i).clean()));
                sj.add(-ShortcutFeatures.laplacianVariance(items.get(i).jpeg()));
            }
            boolean[] t = new boolean[truth.size()];
            for (int i = 0; i < t.length; i++) t[i] = truth.get(i);
            sharpClean[f] = BinaryMetrics.rocAuc(t, sc.stream().mapToDouble(Double::doubleValue).toArray());
            sharpJpeg[f] = BinaryMetrics.rocAuc(t, sj.stream().mapToDouble(Double::doubleValue).toArray());
        }
        System.out.printf(Locale.ROOT, "shortcut: -laplacian variance            | AUC %s = %.3f +- %.3f | q75 %s = "
                + "%.3f +- %.3f%n", fmt(sharpClean), mean(sharpClean), std(sharpClean), fmt(sharpJpeg),
                mean(sharpJpeg), std(sharpJpeg));
        List<SpectrumConfig> configs = new ArrayList<>();
        if (SETTINGS.equals("default")) {
            configs.add(SpectrumConfig.defaults());
        } else {
            for (boolean hann : new boolean[] {true, false}) {
                for (int bins : new int[] {32, 64}) {
                    for (double radius : new double[] {1.0, Math.sqrt(2)}) {
                        configs.add(new SpectrumConfig(128, bins, hann, radius));
                    }
                }
            }
        }
        double[] l2s = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).mapToDouble(Double::parseDouble)
                .toArray() : new double[] {SpectralClassifier.DEFAULT_L2};
        for (SpectrumConfig cfg : configs) {
            double[][] clean = new double[items.size()][];
            double[][] jpeg = new double[items.size()][];
            List<List<double[]>> aug = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                clean[i] = SpectrumFeatures.of(items.get(i).clean(), cfg);
                jpeg[i] = SpectrumFeatures.of(items.get(i).jpeg(), cfg);
                aug.add(items.get(i).augmented().stream().map(a -> SpectrumFeatures.of(a, cfg)).toList());
            }
            for (double l2 : l2s) {
                double[] aucClean = new double[FOLDS];
                double[] aucJpeg = new double[FOLDS];
                for (int f = 0; f < FOLDS; f++) {
                    List<double[]> x = new ArrayList<>();
                    List<Boolean> y = new ArrayList<>();
                    List<Integer> test = new ArrayList<>();
                    for (int i = 0; i < items.size(); i++) {
                        if (fold[i] == f) {
                            test.add(i);
                        } else {
                            x.add(clean[i]);
                            y.add(items.get(i).fake());
                            for (double[] a : aug.get(i)) {
                                x.add(a);
                                y.add(items.get(i).fake());
                            }
                        }
                    }
                    boolean[] yt = new boolean[y.size()];
                    for (int i = 0; i < yt.length; i++) yt[i] = y.get(i);
                    LogisticRegression m = LogisticRegression.fit(x.toArray(double[][]::new), yt, l2,
                            LogisticRegression.ClassWeighting.BALANCED);
                    boolean[] truth = new boolean[test.size()];
                    double[] sc = new double[test.size()];
                    double[] sj = new double[test.size()];
                    for (int t = 0; t < truth.length; t++) {
                        int i = test.get(t);
                        truth[t] = items.get(i).fake();
                        sc[t] = m.logOdds(clean[i]);
                        sj[t] = m.logOdds(jpeg[i]);
                    }
                    aucClean[f] = BinaryMetrics.rocAuc(truth, sc);
                    aucJpeg[f] = BinaryMetrics.rocAuc(truth, sj);
                }
                System.out.printf(Locale.ROOT, "hann=%-5s bins=%2d radius=%.3f l2=%-5s | AUC %s = %.3f +- %.3f | "
                                + "q75 %s = %.3f +- %.3f%n", cfg.hannWindow(), cfg.bins(), cfg.maxRadius(), l2,
                        fmt(aucClean), mean(aucClean), std(aucClean), fmt(aucJpeg), mean(aucJpeg), std(aucJpeg));
            }
        }
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? " " : "").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return sb.append(']').toString();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
