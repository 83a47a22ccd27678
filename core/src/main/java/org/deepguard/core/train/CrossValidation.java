package org.deepguard.core.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.deepguard.core.data.Folds;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.ManifestException;
import org.deepguard.core.data.Split;
import org.deepguard.core.image.DecodedImage;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Perturbation;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.Prediction;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Grouped cross-validation of one training configuration: for each {@link Folds.Fold}, write its manifest to
 * {@code OUT/fold-i/manifest.csv}, train a model into {@code OUT/fold-i} with the {@link Trainer}, score the fold's
 * test split clean and after JPEG q75 re-encoding, and write {@code OUT/fold-i/result.json}; then
 * {@code OUT/cv.json} with every fold and the mean and sample standard deviation of each metric.
 *
 * <p>Metrics per fold, clean and under each condition of {@link #SWEEP} (key suffix {@link #conditionKey}, e.g.
 * {@code auc_jpeg75}), and the worst case over them ({@code _worst}): {@code auc} (ROC AUC of the log-odds),
 * {@code bacc} (balanced accuracy at the bundle's threshold), {@code ece} (10 bins, calibrated p_fake), {@code tpr},
 * {@code fpr}, {@code tpr_or_uncertain}, {@code uncertain} (see {@link #conditionMetrics}); and
 * {@code <baseline>_auc} (and, for learnt baselines, per condition) for each {@link FoldBaseline}. Resumable: a fold with a result is
 * not redone, a fold whose model is finished is only scored, and an unfinished training resumes from its
 * checkpoints.
 */
public final class CrossValidation {
    public static final String MANIFEST = "manifest.csv";
    public static final String RESULT = "result.json";
    public static final String SUMMARY = "cv.json";
    public static final Perturbation JPEG75 = new Perturbation(Perturbation.Kind.JPEG, 75);
    /** The degradation sweep every fold's test images are scored under (the standard one of evaluate --perturb). */
    public static final List<Perturbation> SWEEP = Perturbation.standard();
    public static final int ECE_BINS = 10;

    /** What a run reports as it goes; the CLI turns it into progress bars and lines. */
    public interface Listener {
        /**
         * The monitor for one fold's training (progress bar, train log); closed after the training when it is
         * {@link AutoCloseable}.
         */
        default TrainingMonitor training(int fold, int folds, Path dir) throws IOException {
            return TrainingMonitor.NONE;
        }

        /** Called once per scored test image (clean and JPEG pass together). */
        default IntConsumer scoring(int fold, int images) {
            return n -> {};
        }

        default void scoringDone(int fold) {}

        /** @param reused true when the result was read from an earlier run's result.json */
        default void foldDone(FoldResult result, boolean reused) {}

        default void message(String message) {}
    }

    /**
     * One fold's outcome.
     *
     * @param generator    the held-out generator (leave-one-generator-out), else empty
     * @param sizes        usable images per split and label (see {@link Folds.Fold#sizes()})
     * @param trainSeconds wall-clock seconds of the training in the run that trained it (0 when the model was
     *                     already finished; only the resumed part when resumed)
     * @param resumed      true when the fold continued, or only scored, a training of an earlier run
     * @param failedImages test images that could not be decoded (left out of every metric)
     * @param metrics      auc, auc_jpeg75, ece, then {@code <baseline>_auc}; null where undefined
     */
    public record FoldResult(int fold, String generator, Map<String, Integer> sizes,
                             @JsonProperty("train_seconds") double trainSeconds, boolean resumed,
                             @JsonProperty("test_images") int testImages,
                             @JsonProperty("failed_images") int failedImages, Map<String, Double> metrics) {}

    /** Everything in cv.json. */
    public record Summary(String protocol, String by, int folds,
                          @JsonProperty("train_seconds_total") double trainSecondsTotal,
                          Map<String, Double> mean, Map<String, Double> std,
                          @JsonProperty("fold_results") List<FoldResult> foldResults,
                          @JsonProperty("training_config") Map<String, Object> trainingConfig) {}

    private final TrainingConfig config;
    private final Path backboneWeightsFile;
    private PostTraining post = PostTraining.defaults();
    private AdversarialTraining adversarial;
    private final List<FoldBaseline> baselines;

    public CrossValidation(TrainingConfig config, Path backboneWeightsFile, List<FoldBaseline> baselines) {
        this.config = config;
        this.backboneWeightsFile = backboneWeightsFile;
        this.baselines = List.copyOf(baselines);
    }

    /** Every fold's model with this post-training fit ({@link Trainer#postTraining}). */
    public CrossValidation postTraining(PostTraining p) {
        this.post = java.util.Objects.requireNonNull(p, "post-training");
        return this;
    }

    /** Every fold's networks hardened by adversarial training ({@link Trainer#adversarial}; null: none). */
    public CrossValidation adversarial(AdversarialTraining at) {
        this.adversarial = at;
        return this;
    }

    /** The shortcut baselines every run reports: file size and sharpness. */
    public static List<FoldBaseline> shortcutBaselines() {
        return List.of(FoldBaseline.FILE_SIZE, FoldBaseline.SHARPNESS);
    }

    /**
     * Shortcut baselines, the spectral-profile logistic regression (Durall et al. 2020) to beat, and the default's
     * hand-crafted cue alone.
     */
    public static List<FoldBaseline> standardBaselines() {
        return List.of(FoldBaseline.FILE_SIZE, FoldBaseline.SHARPNESS, FoldBaseline.SPECTRAL,
                FoldBaseline.SPECTRAL_RESAMPLING);
    }

    public static Path foldDir(Path outDir, int fold) {
        return outDir.resolve("fold-" + fold);
    }

    public Summary run(List<Folds.Fold> folds, Folds.By by, Path outDir, Listener listener)
            throws IOException, BundleException, ManifestException {
        Listener l = listener == null ? new Listener() {} : listener;
        Files.createDirectories(outDir);
        List<FoldResult> results = new ArrayList<>();
        for (Folds.Fold fold : folds) {
            Path dir = foldDir(outDir, fold.index());
            boolean trained = prepareFold(fold, dir);
            Path resultFile = dir.resolve(RESULT);
            if (Files.exists(resultFile)) {
                FoldResult r = Json.MAPPER.readValue(resultFile.toFile(), FoldResult.class);
                results.add(r);
                l.foldDone(r, true);
                continue;
            }
            FoldResult r = runFold(fold, folds.size(), dir, trained, l);
            AtomicFiles.writeString(resultFile, Json.pretty(r));
            results.add(r);
            l.foldDone(r, false);
        }
        Summary s = summarise(Folds.describe(by, folds.size()), by, results);
        AtomicFiles.writeString(outDir.resolve(SUMMARY), Json.pretty(s));
        return s;
    }

    /**
     * Writes the fold's manifest, refusing a folder whose finished model came from another configuration or another
     * fold manifest (other data, K or rule): its results would otherwise be reused as if they were this run's.
     *
     * @return whether the folder already holds this fold's finished model
     */
    private boolean prepareFold(Folds.Fold fold, Path dir) throws IOException, BundleException {
        Files.createDirectories(dir);
        Path fresh = dir.resolve(".manifest.csv.new");
        fold.manifest().write(fresh);
        String sha = Manifest.fileHash(fresh);
        if (Files.exists(dir.resolve(ModelBundle.METADATA_FILE))) {
            ModelMetadata meta = ModelBundle.readMetadata(dir);
            if (!sameConfig(meta) || !sha.equals(meta.provenance.manifestSha256)) {
                Files.delete(fresh);
                throw new IllegalArgumentException(dir + ": holds a model trained with another configuration or "
                        + "other folds (data, K or --cv-by); choose another output directory");
            }
            AtomicFiles.moveIntoPlace(fresh, dir.resolve(MANIFEST));
            return true;
        }
        AtomicFiles.moveIntoPlace(fresh, dir.resolve(MANIFEST));
        return false;
    }

    private FoldResult runFold(Folds.Fold fold, int folds, Path dir, boolean trained, Listener l)
            throws IOException, BundleException, ManifestException {
        Path manifestFile = dir.resolve(MANIFEST);
        Manifest manifest = Manifest.read(manifestFile); // paths re-anchored to the fold's folder, as train reads it
        ModelBundle bundle;
        double seconds = 0;
        boolean resumed = false;
        if (trained) {
            l.message("fold-" + fold.index() + ": model already trained, scoring it");
            bundle = ModelBundle.load(dir);
            resumed = true;
        } else {
            resumed = Files.exists(dir.resolve(Trainer.CHECKPOINTS)) || Files.exists(dir.resolve("members"));
            TrainingMonitor monitor = l.training(fold.index(), folds, dir);
            long t0 = System.nanoTime();
            try {
                // Always resume: the Trainer starts afresh where no checkpoint exists, and refuses a checkpoint
                // written with another configuration.
                bundle = new Trainer(config, monitor).backboneWeightsFile(backboneWeightsFile).postTraining(post)
                        .adversarial(adversarial)
                        .train(manifest, manifestFile, dir, true);
            } finally {
                if (monitor instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (IOException | RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IOException(e);
                    }
                }
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        return score(fold, manifest, bundle, seconds, resumed, l);
    }

    /** The model's stored training configuration is this one (the worker count aside: it does not change it). */
    private boolean sameConfig(ModelMetadata meta) {
        Map<String, Object> stored = new LinkedHashMap<>(meta.provenance.trainingConfig);
        Map<String, Object> mine = Trainer.storedConfig(config, adversarial, post);
        stored.remove("workers");
        mine.remove("workers");
        // folds trained before newer switches existed read with the values that reproduce their behaviour
        return TrainingConfig.sameJson(TrainingConfig.upgraded(stored), TrainingConfig.upgraded(mine));
    }

    /** A sweep condition's metric-key suffix: jpeg=75 -> jpeg75, resize=0.75+jpeg=75 -> resize0.75_jpeg75. */
    public static String conditionKey(Perturbation p) {
        return p.label().replace("=", "").replace("+", "_");
    }

    private FoldResult score(Folds.Fold fold, Manifest manifest, ModelBundle bundle, double seconds, boolean resumed,
                             Listener l) {
        Detector detector = new Detector(bundle);
        List<ManifestEntry> test = manifest.usable(Split.TEST);
        List<Perturbation> sweep = SWEEP;
        List<Path> scoredFiles = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        List<Prediction> clean = new ArrayList<>();
        // per condition: the images it could score (a degradation can leave an image too small for the cue)
        List<List<Prediction>> degraded = new ArrayList<>();
        List<List<Boolean>> degradedLabels = new ArrayList<>();
        for (int c = 0; c < sweep.size(); c++) {
            degraded.add(new ArrayList<>());
            degradedLabels.add(new ArrayList<>());
        }
        int failed = 0;
        IntConsumer progress = l.scoring(fold.index(), test.size());
        int chunk = Math.max(1, config.batchSize());
        // In chunks, so only a batch of decoded images is held at a time.
        for (int start = 0; start < test.size(); start += chunk) {
            List<Detector.PreparedImage> images = new ArrayList<>();
            List<List<Detector.PreparedImage>> perturbed = new ArrayList<>();
            List<List<Boolean>> perturbedLabels = new ArrayList<>();
            for (int c = 0; c < sweep.size(); c++) {
                perturbed.add(new ArrayList<>());
                perturbedLabels.add(new ArrayList<>());
            }
            for (ManifestEntry e : test.subList(start, Math.min(test.size(), start + chunk))) {
                Path file = manifest.resolve(e);
                boolean fake = e.label() == Label.FAKE;
                try {
                    BufferedImage img = detector.preprocessor().decode(file).rgb();
                    images.add(detector.prepare(img, file.toString()));
                    scoredFiles.add(file);
                    labels.add(fake);
                    for (int c = 0; c < sweep.size(); c++) {
                        try {
                            perturbed.get(c).add(detector.prepare(sweep.get(c).apply(img, e.path().hashCode()),
                                    file.toString()));
                            perturbedLabels.get(c).add(fake);
                        } catch (ImageLoadException tooSmall) {
                            l.message("fold-" + fold.index() + ": " + file + ": not scored under "
                                    + sweep.get(c).label() + " (" + tooSmall.getMessage() + ")");
                        }
                    }
                } catch (ImageLoadException | RuntimeException ex) {
                    failed++;
                    l.message("fold-" + fold.index() + ": " + file + ": skipped (" + ex.getMessage() + ")");
                }
                progress.accept(1);
            }
            if (!images.isEmpty()) {
                clean.addAll(detector.predictPrepared(images));
            }
            for (int c = 0; c < sweep.size(); c++) {
                if (!perturbed.get(c).isEmpty()) {
                    degraded.get(c).addAll(detector.predictPrepared(perturbed.get(c)));
                }
                degradedLabels.get(c).addAll(perturbedLabels.get(c));
            }
        }
        l.scoringDone(fold.index());
        boolean[] y = toArray(labels);
        Map<String, Double> metrics = new LinkedHashMap<>();
        conditionMetrics(metrics, "", y, clean, detector.threshold());
        List<String> worstAuc = new ArrayList<>();
        for (int c = 0; c < sweep.size(); c++) {
            String key = "_" + conditionKey(sweep.get(c));
            conditionMetrics(metrics, key, toArray(degradedLabels.get(c)), degraded.get(c), detector.threshold());
            worstAuc.add(key);
        }
        worst(metrics, "auc", worstAuc, true);
        worst(metrics, "bacc", worstAuc, true);
        worst(metrics, "ece", worstAuc, false);
        worst(metrics, "tpr", worstAuc, true);
        FoldImages testImages = new FoldImages(scoredFiles, y);
        Map<Path, Long> seedOf = new java.util.HashMap<>(); // the seed each test image's degradations got above
        for (ManifestEntry e : test) {
            seedOf.put(manifest.resolve(e), (long) e.path().hashCode());
        }
        FoldImages trainImages = images(manifest, Split.TRAIN, Split.VAL);
        for (FoldBaseline b : baselines) {
            FoldBaseline.Scorer scorer;
            try {
                scorer = b.fit(trainImages);
            } catch (ImageLoadException | RuntimeException e) {
                l.message("fold-" + fold.index() + ": baseline " + b.name() + " failed: " + e.getMessage());
                continue;
            }
            metrics.put(b.name() + "_auc", baselineAuc(b, scorer, testImages, fold.index(), l));
            if (!b.directionFree()) { // a learnt baseline is a detector too: measure its robustness alike
                List<String> keys = new ArrayList<>();
                for (Perturbation p : sweep) {
                    FoldImages t = testImages.transformed((img, file) -> p.apply(img, seedOf.getOrDefault(file, (long) file.toString().hashCode())));
                    String key = "_" + conditionKey(p);
                    metrics.put(b.name() + "_auc" + key, baselineAuc(b, scorer, t, fold.index(), l));
                    keys.add(key);
                }
                worst(metrics, b.name() + "_auc", keys, true);
            }
        }
        return new FoldResult(fold.index(), fold.generator(), fold.sizes(), seconds, resumed, y.length, failed,
                metrics);
    }

    private static boolean[] toArray(List<Boolean> values) {
        boolean[] out = new boolean[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /**
     * Metrics of one condition, keys suffixed with {@code suffix}: auc (ranking the log-odds), bacc (balanced
     * accuracy at the bundle's threshold), ece, tpr (share of fakes called fake), fpr (share of reals called fake),
     * tpr_or_uncertain (share of fakes called fake or uncertain), uncertain (share of all images in the band).
     */
    static void conditionMetrics(Map<String, Double> metrics, String suffix, boolean[] y, List<Prediction> preds,
                                 double threshold) {
        if (y.length == 0) { // nothing could be scored under this condition: every metric undefined
            for (String k : List.of("auc", "bacc", "ece", "tpr", "fpr", "tpr_or_uncertain", "uncertain")) {
                metrics.put(k + suffix, null);
            }
            return;
        }
        double[] z = preds.stream().mapToDouble(Prediction::logOdds).toArray();
        double[] p = preds.stream().mapToDouble(Prediction::pFake).toArray();
        // AUC ranks the log-odds: calibrated probabilities can saturate to 0 or 1 in double precision and tie
        metrics.put("auc" + suffix, finite(BinaryMetrics.rocAuc(y, z)));
        BinaryMetrics.Confusion cm = BinaryMetrics.confusion(y, p, threshold);
        metrics.put("bacc" + suffix, finite(y.length == 0 ? Double.NaN : cm.balancedAccuracy()));
        metrics.put("ece" + suffix, finite(y.length == 0 ? Double.NaN
                : BinaryMetrics.expectedCalibrationError(y, p, ECE_BINS)));
        int fakes = 0;
        int fakeOrUnsure = 0;
        int unsure = 0;
        for (int i = 0; i < y.length; i++) {
            boolean inBand = preds.get(i).verdict() == Prediction.Verdict.UNCERTAIN;
            unsure += inBand ? 1 : 0;
            if (y[i]) {
                fakes++;
                fakeOrUnsure += inBand || preds.get(i).pFake() >= threshold ? 1 : 0;
            }
        }
        metrics.put("tpr" + suffix, finite(cm.recall()));
        metrics.put("fpr" + suffix, finite(1 - cm.specificity()));
        metrics.put("tpr_or_uncertain" + suffix, finite(fakes == 0 ? Double.NaN : fakeOrUnsure / (double) fakes));
        metrics.put("uncertain" + suffix, finite(y.length == 0 ? Double.NaN : unsure / (double) y.length));
    }

    /** {@code <prefix>_worst}: the minimum (or maximum) of {@code <prefix>} over the clean and the swept conditions. */
    private static void worst(Map<String, Double> metrics, String prefix, List<String> suffixes, boolean min) {
        Double w = metrics.get(prefix);
        for (String s : suffixes) {
            Double v = metrics.get(prefix + s);
            if (v != null && (w == null || (min ? v < w : v > w))) {
                w = v;
            }
        }
        metrics.put(prefix + "_worst", w);
    }

    private static Double baselineAuc(FoldBaseline b, FoldBaseline.Scorer scorer, FoldImages test, int fold,
                                      Listener l) {
        try {
            double[] s = scorer.scores(test);
            double a = BinaryMetrics.rocAuc(test.labels(), s);
            return finite(b.directionFree() && !Double.isNaN(a) ? Math.max(a, 1 - a) : a);
        } catch (ImageLoadException | RuntimeException e) {
            l.message("fold-" + fold + ": baseline " + b.name() + " failed: " + e.getMessage());
            return null;
        }
    }

    private static FoldImages images(Manifest manifest, Split... splits) {
        List<Path> files = new ArrayList<>();
        List<Boolean> fake = new ArrayList<>();
        for (Split s : splits) {
            for (ManifestEntry e : manifest.usable(s)) {
                files.add(manifest.resolve(e));
                fake.add(e.label() == Label.FAKE);
            }
        }
        boolean[] y = new boolean[fake.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = fake.get(i);
        }
        return new FoldImages(files, y);
    }

    /** NaN (e.g. a test split with one class) is stored as null, which JSON can hold. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    Summary summarise(String protocol, Folds.By by, List<FoldResult> results) {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        for (FoldResult r : results) {
            r.metrics().forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            values.computeIfAbsent("train_seconds", x -> new ArrayList<>()).add(r.trainSeconds());
        }
        Map<String, Double> mean = new LinkedHashMap<>();
        Map<String, Double> std = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            double[] x = v.stream().filter(d -> d != null && Double.isFinite(d)).mapToDouble(Double::doubleValue)
                    .toArray();
            mean.put(k, finite(mean(x)));
            std.put(k, finite(sampleStd(x)));
        });
        double total = results.stream().mapToDouble(FoldResult::trainSeconds).sum();
        Map<String, Object> cfg = Trainer.storedConfig(config.withWorkers(0), adversarial, post);
        return new Summary(protocol, by.code(), results.size(), total, mean, std, results, cfg);
    }

    static double mean(double[] x) {
        if (x.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Sample standard deviation (n - 1 in the denominator); NaN for fewer than two values. */
    static double sampleStd(double[] x) {
        if (x.length < 2) {
            return Double.NaN;
        }
        double m = mean(x);
        double ss = 0;
        for (double v : x) {
            ss += (v - m) * (v - m);
        }
        return Math.sqrt(ss / (x.length - 1));
    }
}
