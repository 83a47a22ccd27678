package org.deepguard.core.train;

import org.deepguard.core.Backend;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Calibration;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.PretrainedWeights;
import org.deepguard.core.model.Scores;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains the hybrid network from a manifest and writes a model bundle. Each epoch ends with a validation pass and
 * atomically written checkpoints ({@code checkpoints/last.zip} with updater state, {@code checkpoints/best.zip}),
 * so a killed run resumes from its last completed epoch. Shuffling, augmentation and dropout draw from streams
 * derived from (seed, epoch), which is what makes a resumed run continue as an uninterrupted one would.
 */
public final class Trainer {
    public static final String CHECKPOINTS = "checkpoints";
    static final String STATE_FILE = "state.json";
    static final String LAST = "last.zip";
    static final String BEST = "best.zip";

    private final TrainingConfig config;
    private final TrainingMonitor monitor;
    private Path backboneWeightsFile;

    public Trainer(TrainingConfig config, TrainingMonitor monitor) {
        this.config = config;
        this.monitor = monitor == null ? TrainingMonitor.NONE : monitor;
    }

    /** Local ImageNet weights for the backbone (else the zoo cache/download is used when IMAGENET is asked). */
    public Trainer backboneWeightsFile(Path file) {
        this.backboneWeightsFile = file;
        return this;
    }

    /** Progress saved between epochs. */
    public static class State {
        public int epochsDone;
        public double bestValLoss = Double.POSITIVE_INFINITY;
        public int bestEpoch = -1;
        public int epochsWithoutImprovement;
        public String configJson;
        public List<Map<String, Object>> history = new ArrayList<>();
    }

    public ModelBundle train(Manifest manifest, Path manifestFile, Path outDir, boolean resume)
            throws IOException, BundleException {
        Preprocessing prep = Preprocessing.defaults(config.network().inputSize());
        Preprocessor preprocessor = new Preprocessor(prep);
        List<BatchPipeline.Item> train = items(manifest, Split.TRAIN);
        List<BatchPipeline.Item> val = items(manifest, Split.VAL);
        if (train.isEmpty()) {
            throw new IllegalArgumentException(manifestFile + ": no usable rows in the train split");
        }
        int fakes = (int) train.stream().filter(i -> i.label() == 1).count();
        int reals = train.size() - fakes;
        if (fakes == 0 || reals == 0) {
            throw new IllegalArgumentException(manifestFile + ": the train split needs both real and fake images ("
                    + reals + " real, " + fakes + " fake)");
        }
        double[] classWeights = config.classWeights()
                ? new double[] {train.size() / (2.0 * reals), train.size() / (2.0 * fakes)} : null;
        int batchesPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
        int totalIterations = batchesPerEpoch * config.epochs();
        int warmup = (int) Math.min(totalIterations, Math.round(config.warmupEpochs() * batchesPerEpoch));
        CosineSchedule schedule = new CosineSchedule(config.learningRate(), config.minLearningRate(), warmup,
                totalIterations);

        Path checkpoints = outDir.resolve(CHECKPOINTS);
        Files.createDirectories(checkpoints);
        String configJson = Json.line(config);
        State state = new State();
        ComputationGraph net;
        Path last = checkpoints.resolve(LAST);
        Path stateFile = checkpoints.resolve(STATE_FILE);
        if (resume && Files.exists(last) && Files.exists(stateFile)) {
            state = Json.MAPPER.readValue(stateFile.toFile(), State.class);
            if (!configJson.equals(state.configJson)) {
                throw new IllegalArgumentException(outDir + ": cannot resume: the training configuration differs from "
                        + "the checkpoint's (" + state.configJson + ")");
            }
            Backend.init();
            net = ModelSerializer.restoreComputationGraph(last.toFile(), true);
            monitor.onMessage("resuming after epoch " + state.epochsDone + " (iteration "
                    + net.getConfiguration().getIterationCount() + ")");
        } else {
            state.configJson = configJson;
            net = HybridNetwork.build(config.network(), adam(schedule), classWeights);
            if (config.network().backbone().isResNet()) {
                if (config.network().backboneWeights() == BackboneWeights.IMAGENET) {
                    int n = PretrainedWeights.transfer(PretrainedWeights.loadResNet50(backboneWeightsFile), net);
                    monitor.onMessage("backbone: ImageNet weights copied into " + n + " layers");
                } else {
                    monitor.onMessage("backbone: randomly initialised (He-normal); all layers are trained");
                }
            }
        }
        monitor.onStart(config.epochs(), batchesPerEpoch, train.size(), val.size(),
                String.format("%,d parameters", net.numParams()));

        try (BatchPipeline pipeline = new BatchPipeline(preprocessor, new Augmenter(config.flipProbability()),
                config.workers(), 2, (item, e) -> monitor.onSkippedImage(item.path().toString(),
                e.problem().code()))) {
            BatchPipeline valPipeline = pipeline; // same workers; no augmentation is applied to validation below
            for (int epoch = state.epochsDone; epoch < config.epochs(); epoch++) {
                long t0 = System.nanoTime();
                long wait0 = pipeline.waitNanos();
                Nd4j.getRandom().setSeed(config.seed() * 31 + epoch);
                List<BatchPipeline.Item> order = new ArrayList<>(train);
                Collections.shuffle(order, new Random(config.seed() * 1_000_003L + epoch));
                double lossSum = 0;
                int seen = 0;
                int batch = 0;
                Iterator<BatchPipeline.Batch> it = pipeline.batches(order, config.batchSize(), config.seed(), epoch);
                while (it.hasNext()) {
                    BatchPipeline.Batch b = it.next();
                    if (b.items().isEmpty()) {
                        continue;
                    }
                    net.fit(new DataSet(b.features(), b.labels()));
                    double loss = net.score();
                    lossSum += loss * b.items().size();
                    seen += b.items().size();
                    monitor.onBatch(epoch, ++batch, b.items().size(), loss);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double waitShare = (pipeline.waitNanos() - wait0) / 1e9 / seconds;

                Map<String, Object> record = new LinkedHashMap<>();
                record.put("epoch", epoch + 1);
                record.put("phase", 1);
                record.put("loss", seen == 0 ? Double.NaN : lossSum / seen);
                record.put("lr", schedule.valueAt(net.getConfiguration().getIterationCount(), epoch));
                double valLoss = lossSum / Math.max(seen, 1);
                if (!val.isEmpty()) {
                    Evaluation ev = evaluate(net, valPipeline, val, epoch);
                    valLoss = ev.loss;
                    record.put("val_loss", ev.loss);
                    record.put("val_accuracy", ev.accuracy);
                    record.put("val_auc", ev.auc);
                }
                record.put("seconds", seconds);
                record.put("images_per_second", seen / seconds);
                record.put("data_wait_share", waitShare);
                state.history.add(record);
                state.epochsDone = epoch + 1;
                boolean improved = valLoss < state.bestValLoss - 1e-6;
                if (improved) {
                    state.bestValLoss = valLoss;
                    state.bestEpoch = epoch + 1;
                    state.epochsWithoutImprovement = 0;
                    writeModelAtomically(net, checkpoints.resolve(BEST), false);
                } else {
                    state.epochsWithoutImprovement++;
                }
                writeModelAtomically(net, last, true);
                AtomicFiles.writeString(stateFile, Json.pretty(state));
                record.put("best", improved);
                monitor.onEpoch(record);
                if (config.patience() > 0 && state.epochsWithoutImprovement >= config.patience()) {
                    monitor.onMessage("early stop: validation loss has not improved for " + config.patience()
                            + " epochs (best epoch " + state.bestEpoch + ")");
                    break;
                }
            }

            ComputationGraph best = Files.exists(checkpoints.resolve(BEST))
                    ? ModelSerializer.restoreComputationGraph(checkpoints.resolve(BEST).toFile(), false) : net;
            ModelMetadata meta = new ModelMetadata();
            meta.preprocessing = prep;
            meta.network = config.network();
            meta.history = state.history;
            if (!val.isEmpty()) {
                Evaluation ev = evaluate(best, valPipeline, val, 0);
                boolean[] y = ev.isFake;
                double t = Calibration.fitTemperature(ev.logOdds, y);
                double[] pBefore = Calibration.probabilities(ev.logOdds, 1.0);
                double[] pAfter = Calibration.probabilities(ev.logOdds, t);
                meta.temperature = t;
                double thr = BinaryMetrics.youdenThreshold(y, pAfter);
                if (!Double.isNaN(thr)) {
                    meta.threshold = thr;
                    meta.thresholdRule = "max Youden J on the validation split (calibrated p_fake)";
                }
                meta.metrics.put("val_auc", ev.auc);
                meta.metrics.put("val_loss", ev.loss);
                meta.metrics.put("val_accuracy_at_threshold",
                        BinaryMetrics.confusion(y, pAfter, meta.threshold).accuracy());
                meta.metrics.put("val_ece_before_calibration", BinaryMetrics.expectedCalibrationError(y, pBefore, 10));
                meta.metrics.put("val_ece_after_calibration", BinaryMetrics.expectedCalibrationError(y, pAfter, 10));
                monitor.onMessage(String.format("calibration: temperature %.3f, validation ECE %.4f -> %.4f; "
                        + "threshold %.4f (%s)", t, meta.metrics.get("val_ece_before_calibration"),
                        meta.metrics.get("val_ece_after_calibration"), meta.threshold, meta.thresholdRule));
            }
            ModelMetadata.Provenance p = meta.provenance;
            p.createdAt = Instant.now().toString();
            p.seed = config.seed();
            p.toolVersion = Trainer.class.getPackage().getImplementationVersion();
            p.manifestPath = manifestFile.toAbsolutePath().toString();
            p.manifestSha256 = Manifest.fileHash(manifestFile);
            p.trainingConfig = Json.MAPPER.convertValue(config, Map.class);
            p.dataCounts.put("train_real", reals);
            p.dataCounts.put("train_fake", fakes);
            p.dataCounts.put("val", val.size());
            p.backend = Nd4j.getBackend().getClass().getSimpleName();
            return ModelBundle.save(outDir, meta, best);
        }
    }

    /** Validation pass: mean loss, accuracy at 0.5, ROC AUC, and the raw log-odds. */
    static final class Evaluation {
        double loss;
        double accuracy;
        double auc;
        double[] logOdds;
        boolean[] isFake;
    }

    private Evaluation evaluate(ComputationGraph net, BatchPipeline pipeline, List<BatchPipeline.Item> val, int epoch) {
        List<Double> z = new ArrayList<>();
        List<Boolean> y = new ArrayList<>();
        Iterator<BatchPipeline.Batch> it = pipeline.batchesWithoutAugmentation(val, config.batchSize());
        while (it.hasNext()) {
            BatchPipeline.Batch b = it.next();
            if (b.items().isEmpty()) {
                continue;
            }
            double[] lo = Scores.logOdds(net.outputSingle(false, b.features()));
            for (int i = 0; i < lo.length; i++) {
                z.add(lo[i]);
                y.add(b.items().get(i).label() == 1);
            }
        }
        Evaluation ev = new Evaluation();
        ev.logOdds = z.stream().mapToDouble(Double::doubleValue).toArray();
        ev.isFake = new boolean[y.size()];
        for (int i = 0; i < y.size(); i++) {
            ev.isFake[i] = y.get(i);
        }
        double[] p = Calibration.probabilities(ev.logOdds, 1.0);
        ev.loss = BinaryMetrics.logLoss(ev.isFake, p);
        ev.accuracy = BinaryMetrics.confusion(ev.isFake, p, 0.5).accuracy();
        ev.auc = BinaryMetrics.rocAuc(ev.isFake, p);
        return ev;
    }

    private static Adam adam(CosineSchedule schedule) {
        return Adam.builder().learningRateSchedule(schedule).build();
    }

    private static void writeModelAtomically(ComputationGraph net, Path target, boolean withUpdater)
            throws IOException {
        AtomicFiles.write(target, out -> ModelSerializer.writeModel(net, out, withUpdater));
    }

    static List<BatchPipeline.Item> items(Manifest manifest, Split split) {
        List<BatchPipeline.Item> out = new ArrayList<>();
        for (ManifestEntry e : manifest.usable(split)) {
            out.add(new BatchPipeline.Item(manifest.resolve(e), e.label() == Label.FAKE ? 1 : 0));
        }
        return out;
    }
}
