package org.deepguard.core.train;

import org.deepguard.core.Backend;
import org.deepguard.core.data.Folds;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Json;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Calibration;
import org.deepguard.core.metrics.ScaleCalibration;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.BundleException;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.HybridNetwork;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.model.PretrainedWeights;
import org.deepguard.core.model.Scores;
import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.preprocess.Preprocessor;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.spectral.ResamplingConfig;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;
import org.deepguard.core.spectral.SpectrumConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.awt.image.BufferedImage;
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
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Trains the hybrid network from a manifest and writes a model bundle. Each epoch ends with a validation pass and
 * atomically written checkpoints ({@code checkpoints/last.zip} with updater state, {@code checkpoints/best.zip}),
 * so a killed run resumes from its last completed epoch. Shuffling, augmentation and dropout draw from streams
 * derived from (seed, epoch), which is what makes a resumed run continue as an uninterrupted one would.
 */
public final class Trainer {
    public static final String CHECKPOINTS = "checkpoints";
    /** Where a seed ensemble's members are trained, each a complete run of its own. */
    public static final String MEMBERS = "members";
    static final String STATE_FILE = "state.json";
    static final String LAST = "last.zip";
    static final String BEST = "best.zip";

    private final TrainingConfig config;
    private final TrainingMonitor monitor;
    private final Preprocessing preprocessing;
    private Path backboneWeightsFile;
    private AdversarialTraining adversarial;
    private PostTraining post = PostTraining.defaults();
    /** An ensemble member: its own calibration is not what ships, so it does not warn about it. */
    private boolean member;

    public Trainer(TrainingConfig config, TrainingMonitor monitor) {
        this.config = config;
        Preprocessing base = Preprocessing.defaults(config.network().inputSize());
        this.preprocessing = config.patches() == null ? base.withResize(config.resize())
                : base.withResize(ResizePolicy.NATIVE_CROP).withPatches(config.patches());
        this.monitor = monitor == null ? TrainingMonitor.NONE : monitor;
    }

    private Trainer asMember() {
        member = true;
        return this;
    }

    /** Local ImageNet weights for the backbone (else the zoo cache/download is used when IMAGENET is asked). */
    public Trainer backboneWeightsFile(Path file) {
        this.backboneWeightsFile = file;
        return this;
    }

    /** Hardening: train on adversarial copies of each batch (null: off, the default). */
    public Trainer adversarial(AdversarialTraining at) {
        this.adversarial = at;
        return this;
    }

    /**
     * What is fitted after the network(s) train ({@link PostTraining}: the cue's band and pseudo-fakes, the fusion
     * rule and cue cap, the threshold rule); {@link PostTraining#defaults()} unless set. Stored in the provenance.
     */
    public Trainer postTraining(PostTraining p) {
        this.post = java.util.Objects.requireNonNull(p, "post-training");
        return this;
    }

    /** How the stored threshold is chosen on the validation split. */
    public enum ThresholdRule {
        /** The equal-cost cut ({@link Calibration#balancedCut}); the default since session 6. */
        EQUAL_COST("equal-cost"),
        /** The cut of maximum Youden J (balanced accuracy) on the validation scores; the rule before. */
        YOUDEN("youden");

        private final String code;

        ThresholdRule(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static ThresholdRule parse(String s) {
            for (ThresholdRule r : values()) {
                if (r.code.equalsIgnoreCase(s)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("threshold rule must be equal-cost or youden, got '" + s + "'");
        }
    }

    /** Progress saved between epochs. */
    public static class State {
        public int epochsDone;
        public double bestValLoss = Double.POSITIVE_INFINITY;
        public int bestEpoch = -1;
        public int epochsWithoutImprovement;
        /** 1 = backbone frozen (pretrained only), 2 = fine-tuning; a random backbone trains in phase 1 throughout. */
        public int phase = 1;
        /** Product of reduce-on-plateau factors applied so far. */
        public double lrScale = 1.0;
        public int epochsSinceLrChange;
        public String configJson;
        /** SHA-256 of the manifest file trained on (null in checkpoints written before it was recorded). */
        public String manifestSha256;
        public List<Map<String, Object>> history = new ArrayList<>();
    }

    /**
     * The preprocessing a run stores in its bundle. With patch voting the single view (what explanations show) is
     * the centred native-resolution patch, so the resize policy becomes NATIVE_CROP.
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public ModelBundle train(Manifest manifest, Path manifestFile, Path outDir, boolean resume)
            throws IOException, BundleException {
        if (config.ensemble() > 1) {
            return trainEnsemble(manifest, manifestFile, outDir, resume);
        }
        Preprocessing prep = preprocessing();
        Preprocessor preprocessor = new Preprocessor(prep);
        List<BatchPipeline.Item> train = simulated(items(manifest, Split.TRAIN), false);
        List<BatchPipeline.Item> val = simulated(items(manifest, Split.VAL), true);
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
        boolean pretrained = config.network().backbone().isResNet()
                && config.network().backboneWeights() == BackboneWeights.IMAGENET;
        int phase1Epochs = pretrained ? Math.min(config.freezeEpochs(), config.epochs()) : config.epochs();

        Path checkpoints = outDir.resolve(CHECKPOINTS);
        Files.createDirectories(checkpoints);
        try (var stale = Files.list(checkpoints)) { // temp files of a run killed mid-write; never the real ones
            for (Path p : stale.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(p);
            }
        }
        String configJson = checkpointConfigJson(config, adversarial);
        State state = new State();
        ComputationGraph net;
        Path last = checkpoints.resolve(LAST);
        Path stateFile = checkpoints.resolve(STATE_FILE);
        if (resume && Files.exists(last) && Files.exists(stateFile)) {
            state = Json.MAPPER.readValue(stateFile.toFile(), State.class);
            if (!sameTraining(configJson, state.configJson)) {
                throw new IllegalArgumentException(outDir + ": cannot resume: the training configuration differs from "
                        + "the checkpoint's (" + state.configJson + ")");
            }
            if (!sameManifest(state, manifestFile)) {
                throw new IllegalArgumentException(outDir + ": cannot resume: " + manifestFile + " is not the manifest "
                        + "the checkpoint was trained on (its SHA-256 differs)");
            }
            Backend.init();
            net = ModelSerializer.restoreComputationGraph(last.toFile(), true);
            monitor.onMessage("resuming after epoch " + state.epochsDone + " (phase " + state.phase + ", iteration "
                    + net.getConfiguration().getIterationCount() + ")");
        } else {
            state.configJson = configJson;
            state.manifestSha256 = Manifest.fileHash(manifestFile);
            Predicate<String> frozen = pretrained && phase1Epochs > 0 ? HybridNetwork::isBackboneVertex : n -> false;
            state.phase = pretrained && phase1Epochs > 0 ? 1 : (pretrained ? 2 : 1);
            net = build(phaseSchedule(state.phase == 1 ? 0 : phase1Epochs, state.phase == 1 && pretrained
                    ? phase1Epochs : config.epochs(), batchesPerEpoch, state.phase == 2 ? config.finetuneLrFactor() : 1,
                    1.0), classWeights, state.phase == 2 ? unfreezeFilter(null) : frozen);
            if (config.network().backbone().isResNet()) {
                if (pretrained) {
                    String copied;
                    if (config.network().backbone() == org.deepguard.core.model.Backbone.RESNET50_KERAS) {
                        Path file = backboneWeightsFile != null ? backboneWeightsFile
                                : org.deepguard.core.keras.KerasBackbone.defaultFile();
                        copied = "Keras weights from " + file + ": "
                                + org.deepguard.core.keras.KerasBackbone.load(file, net).describe();
                    } else {
                        copied = "ImageNet weights copied into " + PretrainedWeights.transfer(
                                PretrainedWeights.loadResNet50(backboneWeightsFile), net) + " layers";
                    }
                    monitor.onMessage("backbone: " + copied + "; phase 1 trains the "
                            + "CNN branch and head for " + phase1Epochs + " epochs with the backbone frozen, then the "
                            + "last " + config.unfreezeLast() + " backbone layers are fine-tuned at "
                            + config.finetuneLrFactor() + "x the learning rate");
                } else {
                    monitor.onMessage("backbone: randomly initialised (He-normal), so nothing is frozen: all layers "
                            + "train from the start in one phase");
                }
            }
        }
        monitor.onStart(config.epochs(), batchesPerEpoch, train.size(), val.size(),
                String.format("%,d parameters", net.numParams()));

        try (BatchPipeline pipeline = new BatchPipeline(preprocessor, new Augmenter(config.augmentation()),
                config.workers(), 2, (item, e) -> monitor.onSkippedImage(item.path().toString(),
                e.problem().code()))) {
            for (int epoch = state.epochsDone; epoch < config.epochs(); epoch++) {
                if (pretrained && state.phase == 1 && epoch >= phase1Epochs) {
                    net = startFineTuning(net, classWeights, phase1Epochs, batchesPerEpoch, state);
                    state.phase = 2;
                    state.epochsWithoutImprovement = 0;
                    state.bestValLoss = Double.POSITIVE_INFINITY; // phase 2 is judged on its own
                }
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
                    org.nd4j.linalg.api.ndarray.INDArray features = adversarial == null ? b.features() : adversarial.perturb(net, b.features(),
                            b.labels(), prep, new java.util.SplittableRandom(config.seed() * 7919L + epoch * 1009L
                                    + batch));
                    net.fit(new DataSet(features, b.labels()));
                    double loss = net.score();
                    lossSum += loss * b.items().size();
                    seen += b.items().size();
                    monitor.onBatch(epoch, ++batch, b.items().size(), loss);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double waitShare = (pipeline.waitNanos() - wait0) / 1e9 / seconds;

                Map<String, Object> record = new LinkedHashMap<>();
                record.put("epoch", epoch + 1);
                record.put("phase", state.phase);
                record.put("loss", seen == 0 ? Double.NaN : lossSum / seen);
                record.put("lr", net.getLearningRate(HybridNetwork.OUTPUT));
                double valLoss = lossSum / Math.max(seen, 1);
                if (!val.isEmpty()) {
                    Evaluation ev = evaluate(List.of(net), pipeline, val);
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
                state.epochsSinceLrChange = improved ? 0 : state.epochsSinceLrChange + 1;
                if (config.plateauFactor() > 0 && state.epochsSinceLrChange >= config.plateauPatience()) {
                    state.lrScale *= config.plateauFactor();
                    state.epochsSinceLrChange = 0;
                    int start = state.phase == 2 ? phase1Epochs : 0;
                    int end = state.phase == 1 && pretrained ? phase1Epochs : config.epochs();
                    net.setLearningRate(phaseSchedule(start, end, batchesPerEpoch,
                            state.phase == 2 ? config.finetuneLrFactor() : 1, state.lrScale));
                    monitor.onMessage(String.format("validation loss stalled: learning rate scaled to %.3gx",
                            state.lrScale));
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
            return finish(List.of(best), state.history, pipeline, train, val, null,
                    groupsPerLabel(manifest, Split.VAL), manifestFile, outDir);
        }
    }

    /**
     * A seed ensemble: each member is trained as a complete single-network run in {@code members/member-i} (so an
     * interrupted ensemble resumes member by member), then the bundle holds all members and is calibrated on the
     * mean of their log-odds.
     */
    private ModelBundle trainEnsemble(Manifest manifest, Path manifestFile, Path outDir, boolean resume)
            throws IOException, BundleException {
        List<Manifest> parts = null;
        if (post.crossFit()) {
            try {
                parts = Folds.crossFitParts(manifest, config.ensemble());
            } catch (IllegalArgumentException e) {
                monitor.onMessage("cross-fitting off: " + e.getMessage() + "; every member validates on the "
                        + "manifest's validation split");
            }
        }
        List<ComputationGraph> members = new ArrayList<>();
        List<Map<String, Object>> history = new ArrayList<>();
        for (int i = 0; i < config.ensemble(); i++) {
            TrainingConfig memberConfig = config.ensembleMember(i);
            Path dir = outDir.resolve(MEMBERS).resolve("member-" + i);
            monitor.onMessage("ensemble member " + (i + 1) + "/" + config.ensemble() + " (seed "
                    + memberConfig.seed() + (parts == null ? "" : ", validating on cross-fitting part " + (i + 1))
                    + ")");
            Manifest memberManifest = manifest;
            Path memberManifestFile = manifestFile;
            if (parts != null) { // the member's own splits, beside its bundle (its provenance names and hashes it)
                memberManifest = parts.get(i);
                Files.createDirectories(dir);
                memberManifestFile = dir.resolve(MEMBER_MANIFEST);
                memberManifest.write(memberManifestFile);
            }
            State checkpoint = resume ? checkpointState(dir) : null;
            // cross-fitted members train on their own splits: switching to or from cross-fitting never resumes one
            boolean resumeMember = resume && (checkpoint == null || sameManifest(checkpoint, memberManifestFile));
            if (resume && !resumeMember) {
                monitor.onMessage("ensemble member " + (i + 1) + ": its checkpoint was trained on other splits; "
                        + "training it afresh");
            }
            ModelBundle member = resumeMember && checkpoint != null
                    && Files.exists(dir.resolve(ModelBundle.METADATA_FILE))
                    && sameTraining(checkpointConfigJson(memberConfig, adversarial), checkpoint.configJson)
                    ? ModelBundle.load(dir)
                    : new Trainer(memberConfig, monitor).asMember().backboneWeightsFile(backboneWeightsFile)
                            .adversarial(adversarial).train(memberManifest, memberManifestFile, dir, resumeMember);
            members.add(member.network());
            for (Map<String, Object> record : member.metadata().history) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("member", i);
                r.putAll(record);
                history.add(r);
            }
        }
        try (BatchPipeline pipeline = new BatchPipeline(new Preprocessor(preprocessing()), null, config.workers(), 2,
                (item, e) -> monitor.onSkippedImage(item.path().toString(), e.problem().code()))) {
            if (parts == null) {
                return finish(members, history, pipeline, simulated(items(manifest, Split.TRAIN), false),
                        simulated(items(manifest, Split.VAL), true), null, groupsPerLabel(manifest, Split.VAL),
                        manifestFile, outDir);
            }
            // every training image is validation for the one member that did not train on it
            List<BatchPipeline.Item> pooled = new ArrayList<>();
            Map<Path, Integer> heldOutBy = new LinkedHashMap<>();
            for (int i = 0; i < parts.size(); i++) {
                List<BatchPipeline.Item> part = simulated(items(parts.get(i), Split.VAL), true);
                for (BatchPipeline.Item it : part) {
                    heldOutBy.put(it.path(), i);
                }
                pooled.addAll(part);
            }
            monitor.onMessage("cross-fitting: fusion, calibration and threshold on the held-out scores of "
                    + heldOutBy.size() + " training images (each from the member that did not train on it)");
            return finish(members, history, pipeline, simulated(items(manifest, Split.TRAIN, Split.VAL), false),
                    pooled, new CrossFit(heldOutBy, parts.size()), groupsPerLabel(manifest, Split.TRAIN, Split.VAL),
                    manifestFile, outDir);
        }
    }

    /** Fewer validation groups (photo sources) than this per label and `train` warns that the threshold may not hold. */
    static final int FEW_VALIDATION_GROUPS = 3;

    /** Distinct groups (source photos or people) among the usable rows of these splits: {real, fake}. */
    static int[] groupsPerLabel(Manifest manifest, Split... splits) {
        List<Set<String>> groups = List.of(new HashSet<>(), new HashSet<>());
        for (Split split : splits) {
            for (ManifestEntry e : manifest.usable(split)) {
                groups.get(e.label() == Label.FAKE ? 1 : 0).add(e.groupKey());
            }
        }
        return new int[] {groups.get(0).size(), groups.get(1).size()};
    }

    /** A cross-fitting member's own manifest, in its folder. */
    static final String MEMBER_MANIFEST = "manifest.csv";

    /** Which of the {@code members} holds out each validation image (by file), when they were cross-fitted. */
    private record CrossFit(Map<Path, Integer> heldOutBy, int members) {
        int memberOf(BatchPipeline.Item item) {
            Integer m = heldOutBy.get(item.path());
            if (m == null) {
                throw new IllegalStateException("no cross-fitting member holds out " + item.path());
            }
            return m;
        }
    }

    /**
     * What a checkpoint records as the run's identity: the configuration plus adversarial training, which changes
     * every step (so a resume with another hardening is refused). What is fitted after training ({@link
     * PostTraining}) is left out. Without adversarial training the text is what checkpoints stored before it existed.
     */
    static String checkpointConfigJson(TrainingConfig config, AdversarialTraining adversarial) {
        return Json.line(storedConfig(config.withWorkers(0), adversarial, null));
    }

    /** A run folder's checkpoint state, null when it has none (a member whose bundle exists finished with it). */
    private static State checkpointState(Path dir) throws IOException {
        Path stateFile = dir.resolve(CHECKPOINTS).resolve(STATE_FILE);
        return Files.exists(stateFile) ? Json.MAPPER.readValue(stateFile.toFile(), State.class) : null;
    }

    /** Checkpoints from before the manifest's hash was recorded count as trained on it. */
    private static boolean sameManifest(State state, Path manifestFile) throws IOException {
        return state.manifestSha256 == null || state.manifestSha256.equals(Manifest.fileHash(manifestFile));
    }

    /**
     * Whether a checkpoint's stored configuration trains the network(s) exactly as this one does. Keys that only
     * change what is fitted after training (the resampling cue, degraded copies) are left out of the comparison, and
     * a configuration stored before newer keys existed reads with the values that reproduce its behaviour.
     */
    @SuppressWarnings("unchecked")
    static boolean sameTraining(String currentJson, String storedJson) throws IOException {
        if (storedJson == null) {
            return false;
        }
        Map<String, Object> current = TrainingConfig.upgraded(Json.MAPPER.readValue(currentJson, LinkedHashMap.class));
        Map<String, Object> stored = TrainingConfig.upgraded(Json.MAPPER.readValue(storedJson, LinkedHashMap.class));
        TrainingConfig.POST_TRAINING_KEYS.forEach(k -> {
            current.remove(k);
            stored.remove(k);
        });
        return TrainingConfig.sameJson(current, stored);
    }

    /**
     * The training configuration as a bundle's provenance stores it: the config plus the switches that live outside
     * it: adversarial training (when on) and what is fitted after training ({@link PostTraining#storeInto}; null:
     * none of it, as in a checkpoint's identity).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> storedConfig(TrainingConfig config, AdversarialTraining adversarial, PostTraining post) {
        Map<String, Object> m = Json.MAPPER.convertValue(config, Map.class);
        if (adversarial != null) {
            m.put("adversarial", adversarial.describe());
        }
        if (post != null) {
            post.storeInto(m, config.spectral());
        }
        return m;
    }

    /** Calibration, threshold and provenance on the chosen network(s), then the bundle is written. */
    private ModelBundle finish(List<ComputationGraph> networks, List<Map<String, Object>> history,
                               BatchPipeline pipeline, List<BatchPipeline.Item> train,
                               List<BatchPipeline.Item> val, CrossFit crossFit, int[] valGroups,
                               Path manifestFile, Path outDir) throws IOException {
        int fakes = (int) train.stream().filter(it -> it.label() == 1).count();
        int reals = train.size() - fakes;
        ModelMetadata meta = new ModelMetadata();
        meta.preprocessing = preprocessing();
        meta.network = config.network();
        meta.history = history;
        List<BatchPipeline.Item> cueTrain = withCueSimulated(withDegradedCopies(train), train);
        List<double[]> trainSpectra = config.spectral() ? spectralFeatures(cueTrain) : null;
        if (trainSpectra != null) {
            meta.spectral = fitSpectral(cueTrain, trainSpectra);
            // without a validation split: the sum of the two log-odds
            meta.fusion = new ScoreFusion(1, 1, 0, post.cueCap());
        }
        if (!val.isEmpty()) {
            // fusion, temperature, threshold and band are fitted on the validation images as they are and, with
            // degraded copies, as they would arrive after resizing, blurring, noise and re-encoding
            Evaluation ev = evaluateHeldOut(networks, pipeline, withDegradedCopies(val), crossFit);
            boolean[] y = ev.isFake;
            boolean equalCostThreshold = false;
            // the cue that scores the scale knots' copies: the held-out one when cross-fitted, else the refitted one
            Function<BatchPipeline.Item, SpectralClassifier> knotCue = item -> meta.spectral;
            if (meta.spectral != null) {
                Function<BatchPipeline.Item, SpectralClassifier> heldOutCue = heldOutCue(meta.spectral, cueTrain,
                        trainSpectra, crossFit);
                List<double[]> valSpectra = spectralFeatures(ev.items);
                double[] zSpectral = new double[valSpectra.size()];
                for (int i = 0; i < zSpectral.length; i++) { // no spectrum (image too small): no spectral evidence
                    zSpectral[i] = valSpectra.get(i) == null ? 0
                            : heldOutCue.apply(ev.items.get(i)).logOddsOfFeatures(valSpectra.get(i));
                }
                meta.fusion = ScoreFusion.fit(ev.logOdds, zSpectral, y, post.fusionRule()).withCueCap(post.cueCap());
                meta.metrics.put("val_auc_network", ev.auc);
                meta.metrics.put("val_auc_spectral", BinaryMetrics.rocAuc(y, Calibration.probabilities(zSpectral,
                        1.0)));
                for (int i = 0; i < ev.logOdds.length; i++) {
                    ev.logOdds[i] = meta.fusion.fuse(ev.logOdds[i], zSpectral[i]);
                }
                // With the fusion weights chosen on held-out scores, the spectral classifier is refitted on train and
                // val together (as stacking refits its base models on all the data); its scale barely moves with a
                // fifth more images, while the linear model gains them. Calibration below still uses the held-out fit.
                // Cross-fitted, the cue was fitted on every image already (train holds the validation images too).
                if (crossFit == null) {
                    List<BatchPipeline.Item> all = new ArrayList<>(cueTrain);
                    all.addAll(ev.items);
                    List<double[]> allSpectra = new ArrayList<>(trainSpectra);
                    allSpectra.addAll(valSpectra);
                    meta.spectral = fitSpectral(all, allSpectra);
                } else {
                    knotCue = heldOutCue;
                }
                double[] p = Calibration.probabilities(ev.logOdds, 1.0);
                ev.auc = BinaryMetrics.rocAuc(y, p);
                ev.loss = BinaryMetrics.logLoss(y, p);
                monitor.onMessage(String.format("spectral cue: validation AUC network %.4f, spectral %.4f, fused "
                        + "%.4f (z = %.3f z_net + %.3f z_spec + %.3f)", meta.metrics.get("val_auc_network"),
                        meta.metrics.get("val_auc_spectral"), ev.auc, meta.fusion.a(), meta.fusion.b(),
                        meta.fusion.c()));
            }
            meta.metrics.put("val_groups_real", (double) valGroups[0]);
            meta.metrics.put("val_groups_fake", (double) valGroups[1]);
            if (!member && Math.min(valGroups[0], valGroups[1]) < FEW_VALIDATION_GROUPS) {
                monitor.onMessage("warning: the threshold is set on images from " + valGroups[0] + " real and "
                        + valGroups[1] + " fake source group(s); it may not hold for photos from other sources "
                        + "(more groups in the validation split, or an ensemble with --validation cross-fit, which "
                        + "sets it on every training group)");
            }
            double t = Calibration.fitTemperature(ev.logOdds, y);
            double[] pBefore = Calibration.probabilities(ev.logOdds, 1.0);
            double[] pAfter = Calibration.probabilities(ev.logOdds, t);
            meta.temperature = t;
            String images = config.degradedCopies() > 0 ? ", clean and " + config.degradedCopies()
                    + " degraded copies of each image" : "";
            double youden = BinaryMetrics.youdenThreshold(y, pAfter);
            double cut = post.thresholdRule() == ThresholdRule.EQUAL_COST ? Calibration.balancedCut(ev.logOdds, y)
                    : Double.NaN;
            if (!Double.isNaN(cut)) {
                equalCostThreshold = true;
                meta.threshold = Scores.calibrated(cut, t);
                meta.thresholdRule = "equal-cost cut: a class-balanced logistic fit of the validation labels on "
                        + "the calibrated p_fake" + images;
            } else if (!Double.isNaN(youden)) {
                meta.threshold = youden;
                meta.thresholdRule = "max Youden J on the validation split (calibrated p_fake" + images + ")";
            }
            if (!Double.isNaN(youden)) {
                meta.metrics.put("val_youden_threshold", youden); // with the equal-cost rule: for comparison
            }
            meta.uncertainBand = uncertainBand(y, pAfter, meta.threshold, BAND_MAX_ERROR);
            meta.metrics.put("val_uncertain_band", meta.uncertainBand);
            meta.metrics.put("val_images_scored", (double) y.length);
            meta.metrics.put("val_auc", ev.auc);
            meta.metrics.put("val_loss", ev.loss);
            meta.metrics.put("val_accuracy_at_threshold", BinaryMetrics.confusion(y, pAfter, meta.threshold).accuracy());
            meta.metrics.put("val_ece_before_calibration", BinaryMetrics.expectedCalibrationError(y, pBefore, 10));
            meta.metrics.put("val_ece_after_calibration", BinaryMetrics.expectedCalibrationError(y, pAfter, 10));
            monitor.onMessage(String.format("calibration: temperature %.3f, validation ECE %.4f -> %.4f; "
                    + "threshold %.4f (%s); uncertain band +-%.3f", t, meta.metrics.get("val_ece_before_calibration"),
                    meta.metrics.get("val_ece_after_calibration"), meta.threshold, meta.thresholdRule,
                    meta.uncertainBand));
            if (!config.scaleCalibration().isEmpty()) {
                meta.scaleCalibration = fitScaleCalibration(networks, pipeline, val, meta, equalCostThreshold,
                        crossFit, knotCue);
            }
        }
        ModelMetadata.Provenance p = meta.provenance;
        p.createdAt = Instant.now().toString();
        p.seed = config.seed();
        p.toolVersion = Trainer.class.getPackage().getImplementationVersion();
        p.manifestPath = manifestFile.toAbsolutePath().toString();
        p.manifestSha256 = Manifest.fileHash(manifestFile);
        p.trainingConfig = storedConfig(config, adversarial, post);
        p.dataCounts.put("train_real", reals);
        p.dataCounts.put("train_fake", fakes);
        p.dataCounts.put("val", val.size());
        if (crossFit != null) { // train and val are the same images, each validated by one member
            p.dataCounts.put("cross_fit_members", networks.size());
        }
        p.backend = Nd4j.getBackend().getClass().getSimpleName() + " (" + Backend.init().reason() + ")";
        return ModelBundle.save(outDir, meta, networks);
    }

    /** Downscaled validation copies per knot: two kernel draws per image and factor. */
    static final int SCALE_COPIES = 2;

    /**
     * The scale calibration: the validation images downscaled by each configured factor (both classes alike, with
     * kernels drawn as the augmentation draws them), scored as the detector scores them (network, cue, fusion), and
     * one penalised shift per factor against the clean temperature, moved where needed so that the stored threshold
     * is the copies' cut too, by the threshold's own rule: their equal-cost cut when {@code equalCostThreshold}, else
     * their Youden-optimal cut ({@link ScaleCalibration#fit}). The reference side is the median short side of the
     * validation images.
     */
    private ScaleCalibration fitScaleCalibration(List<ComputationGraph> networks, BatchPipeline pipeline,
                                                 List<BatchPipeline.Item> val, ModelMetadata meta,
                                                 boolean equalCostThreshold, CrossFit crossFit,
                                                 Function<BatchPipeline.Item, SpectralClassifier> cue) {
        Preprocessor decoder = new Preprocessor(preprocessing());
        int[] sides = parallelMap(val, item -> {
            try {
                BufferedImage img = item.render(decoder.decode(item.path()).rgb(), config.seed(), -1);
                return Math.min(img.getWidth(), img.getHeight());
            } catch (ImageLoadException e) {
                return -1;
            }
        }).stream().mapToInt(Integer::intValue).filter(v -> v > 0).sorted().toArray();
        if (sides.length == 0) {
            return null;
        }
        int referenceSide = sides[sides.length / 2];
        List<Double> factors = config.scaleCalibration();
        double[] scales = factors.stream().mapToDouble(Double::doubleValue).toArray();
        List<double[]> z = new ArrayList<>();
        List<boolean[]> y = new ArrayList<>();
        for (int k = 0; k < scales.length; k++) {
            Degrader down = Augmenter.downscale(scales[k]);
            List<BatchPipeline.Item> copies = new ArrayList<>();
            for (int c = 0; c < SCALE_COPIES; c++) {
                for (BatchPipeline.Item it : val) {
                    copies.add(new BatchPipeline.Item(it.path(), it.label(), it.simulator(), down,
                            it.variant() + 5000 + 100 * k + c));
                }
            }
            Evaluation ev = evaluateHeldOut(networks, pipeline, copies, crossFit);
            double[] fused = ev.logOdds.clone();
            if (meta.spectral != null && meta.fusion != null) {
                List<double[]> spectra = spectralFeatures(ev.items);
                for (int i = 0; i < fused.length; i++) {
                    double zCue = spectra.get(i) == null ? 0
                            : cue.apply(ev.items.get(i)).logOddsOfFeatures(spectra.get(i));
                    fused[i] = meta.fusion.fuse(fused[i], zCue);
                }
            }
            z.add(fused);
            y.add(ev.isFake);
        }
        double thr = Math.min(Math.max(meta.threshold, 1e-9), 1 - 1e-9);
        double thresholdLogOdds = meta.temperature * Math.log(thr / (1 - thr));
        ScaleCalibration sc = ScaleCalibration.fit(referenceSide, scales, z, y, meta.temperature, SCALE_L2,
                thresholdLogOdds, equalCostThreshold);
        for (int k = 0; k < scales.length; k++) {
            double[] shifted = z.get(k).clone();
            for (int i = 0; i < shifted.length; i++) {
                shifted[i] += sc.offsets()[k];
            }
            double[] p = Calibration.probabilities(shifted, meta.temperature);
            String key = String.format(java.util.Locale.ROOT, "val_scale%.2f", scales[k]);
            double bacc = BinaryMetrics.confusion(y.get(k), p, meta.threshold).balancedAccuracy();
            meta.metrics.put(key + "_auc", BinaryMetrics.rocAuc(y.get(k), p));
            meta.metrics.put(key + "_balanced_accuracy_at_threshold", bacc);
            monitor.onMessage(String.format(java.util.Locale.ROOT, "scale calibration: inputs %.2f x %d px: z -> "
                    + "z %+.3f (%d validation copies; balanced accuracy at the threshold %.3f)", scales[k],
                    referenceSide, sc.offsets()[k], p.length, bacc));
        }
        return sc;
    }

    /** Penalty of each scale knot's fit towards the clean calibration (in summed log-loss units). */
    static final double SCALE_L2 = 1.0;

    /** Validation pass: mean loss, accuracy at 0.5, ROC AUC, and the raw log-odds. */
    static final class Evaluation {
        double loss;
        double accuracy;
        double auc;
        double[] logOdds;
        boolean[] isFake;
        /** The images scored, in the order of {@code logOdds} (unreadable ones are left out). */
        List<BatchPipeline.Item> items = new ArrayList<>();

        static Evaluation of(List<BatchPipeline.Item> items, double[] logOdds) {
            Evaluation ev = new Evaluation();
            ev.items = items;
            ev.logOdds = logOdds;
            ev.isFake = new boolean[items.size()];
            for (int i = 0; i < items.size(); i++) {
                ev.isFake[i] = items.get(i).label() == 1;
            }
            double[] p = Calibration.probabilities(ev.logOdds, 1.0);
            ev.loss = BinaryMetrics.logLoss(ev.isFake, p);
            ev.accuracy = BinaryMetrics.confusion(ev.isFake, p, 0.5).accuracy();
            ev.auc = BinaryMetrics.rocAuc(ev.isFake, p);
            return ev;
        }
    }

    /**
     * Spectral features of each image's clean decode, computed in parallel, each image decoded once; null where an
     * image fails to load or is too small for a spectrum.
     */
    private List<double[]> spectralFeatures(List<BatchPipeline.Item> items) {
        SpectrumConfig cfg = spectrumConfig();
        ResamplingConfig resampling = resamplingConfig();
        Preprocessor decoder = new Preprocessor(preprocessing());
        return parallelMap(items, item -> {
            try {
                return SpectralClassifier.features(item.render(decoder.decode(item.path()).rgb(), config.seed(), -1),
                        cfg, resampling);
            } catch (ImageLoadException | IllegalArgumentException e) {
                monitor.onSkippedImage(item.path().toString(), "spectral: " + e.getMessage());
                return null;
            }
        });
    }

    /** The spectral classifier on the given images' features (images without features left out). */
    private SpectralClassifier fitSpectral(List<BatchPipeline.Item> items, List<double[]> spectra) {
        List<double[]> features = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            if (spectra.get(i) != null) {
                features.add(spectra.get(i));
                labels.add(items.get(i).label() == 1);
            }
        }
        boolean[] y = new boolean[labels.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.get(i);
        }
        SpectrumConfig cfg = spectrumConfig();
        ResamplingConfig resampling = resamplingConfig();
        SpectralClassifier c = SpectralClassifier.fitFeatures(features.toArray(double[][]::new), y, cfg, resampling,
                SpectralClassifier.DEFAULT_L2);
        monitor.onMessage("spectral cue: logistic regression on " + cfg.bins() + "-bin azimuthal power spectra"
                + (resampling == null ? "" : " + one on " + resampling.dimension() + " resampling-periodicity features")
                + " of " + features.size() + " images");
        return c;
    }

    /** The spectral part of the hand-crafted cue: one definition for the features it is fitted on and its model. */
    private SpectrumConfig spectrumConfig() {
        return SpectrumConfig.defaults().withBandStart(post.cueBand());
    }

    /** The resampling part of the hand-crafted cue, or null when the configuration leaves it out. */
    private ResamplingConfig resamplingConfig() {
        return config.resampling() ? ResamplingConfig.defaults() : null;
    }

    private <T> List<T> parallelMap(List<BatchPipeline.Item> items,
                                    java.util.function.Function<BatchPipeline.Item, T> f) {
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(Math.max(1, config.workers()));
        try {
            return pool.submit(() -> items.parallelStream().map(f).toList()).join(); // toList keeps nulls and order
        } finally {
            pool.shutdown();
        }
    }

    /**
     * The cue that did not see an image: cross-fitted, one cue per member, fitted on the images that member trained
     * on (pseudo-fakes and degraded copies follow their source image); otherwise {@code fitted} (on the train split).
     */
    private Function<BatchPipeline.Item, SpectralClassifier> heldOutCue(SpectralClassifier fitted,
                                                                        List<BatchPipeline.Item> cueTrain,
                                                                        List<double[]> spectra, CrossFit crossFit) {
        if (crossFit == null) {
            return item -> fitted;
        }
        List<SpectralClassifier> cues = new ArrayList<>(crossFit.members());
        for (int m = 0; m < crossFit.members(); m++) {
            List<BatchPipeline.Item> items = new ArrayList<>();
            List<double[]> features = new ArrayList<>();
            for (int i = 0; i < cueTrain.size(); i++) {
                if (crossFit.memberOf(cueTrain.get(i)) != m) {
                    items.add(cueTrain.get(i));
                    features.add(spectra.get(i));
                }
            }
            cues.add(fitSpectral(items, features));
        }
        return item -> cues.get(crossFit.memberOf(item));
    }

    /**
     * Validation scores: cross-fitted, each image scored by the one member that did not train on it; otherwise by
     * the whole ensemble ({@link #evaluate}).
     */
    private Evaluation evaluateHeldOut(List<ComputationGraph> nets, BatchPipeline pipeline,
                                       List<BatchPipeline.Item> items, CrossFit crossFit) {
        if (crossFit == null) {
            return evaluate(nets, pipeline, items);
        }
        List<BatchPipeline.Item> kept = new ArrayList<>();
        List<Double> z = new ArrayList<>();
        for (int m = 0; m < nets.size(); m++) {
            final int member = m;
            List<BatchPipeline.Item> mine = items.stream().filter(it -> crossFit.memberOf(it) == member).toList();
            if (!mine.isEmpty()) {
                Evaluation e = evaluate(List.of(nets.get(m)), pipeline, mine);
                kept.addAll(e.items);
                for (double v : e.logOdds) {
                    z.add(v);
                }
            }
        }
        return Evaluation.of(kept, z.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Scores images exactly as the Detector will: ensemble mean per view, then the patch aggregate per image. */
    private Evaluation evaluate(List<ComputationGraph> nets, BatchPipeline pipeline, List<BatchPipeline.Item> val) {
        List<Double> z = new ArrayList<>();
        List<BatchPipeline.Item> kept = new ArrayList<>();
        Iterator<BatchPipeline.Batch> it = pipeline.batchesWithoutAugmentation(val, config.batchSize());
        while (it.hasNext()) {
            BatchPipeline.Batch b = it.next();
            if (b.items().isEmpty()) {
                continue;
            }
            double[] lo = Detector.aggregateViews(Detector.memberMeanLogOdds(nets, b.features()), b.views(),
                    preprocessing().patches());
            for (double v : lo) {
                z.add(v);
            }
            kept.addAll(b.items());
        }
        return Evaluation.of(kept, z.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * The cosine schedule of one phase, in the network's global iteration count: phase 1 starts at iteration 0,
     * phase 2 at the first iteration after phase 1; each has its own warm-up and decay.
     */
    private CosineSchedule phaseSchedule(int startEpoch, int endEpoch, int batchesPerEpoch, double lrFactor,
                                         double lrScale) {
        int start = startEpoch * batchesPerEpoch;
        int length = Math.max(1, (endEpoch - startEpoch) * batchesPerEpoch);
        int warmup = (int) Math.min(length, Math.round(config.warmupEpochs() * batchesPerEpoch));
        double peak = config.learningRate() * lrFactor * lrScale;
        return new CosineSchedule(peak, Math.min(peak, config.minLearningRate()), warmup, length, start);
    }

    private ComputationGraph build(CosineSchedule schedule, double[] classWeights, Predicate<String> frozen) {
        return HybridNetwork.init(new ComputationGraph(HybridNetwork.configuration(config.network(),
                Adam.builder().learningRateSchedule(schedule).build(), classWeights, frozen, config.weightDecay())));
    }

    /**
     * Vertices frozen in phase 2: the backbone up to its last {@code unfreezeLast} layers. Everything after the first
     * unfrozen layer in graph order stays trainable (shortcut additions included), because DL4J sends no gradient
     * through a frozen vertex and a trainable layer feeding one would get none.
     */
    private Predicate<String> unfreezeFilter(ComputationGraph reference) {
        ComputationGraph ref = reference != null ? reference : HybridNetwork.build(config.network());
        List<String> layers = HybridNetwork.backboneLayerOrder(ref);
        if (config.unfreezeLast() == 0 || layers.isEmpty()) {
            return HybridNetwork::isBackboneVertex;
        }
        String firstTrainable = layers.get(Math.max(0, layers.size() - config.unfreezeLast()));
        Set<String> trainable = new HashSet<>();
        boolean inTail = false;
        for (int idx : ref.topologicalSortOrder()) {
            String name = ref.getVertices()[idx].getVertexName();
            inTail |= name.equals(firstTrainable);
            if (inTail && HybridNetwork.isBackboneVertex(name)) {
                trainable.add(name);
            }
        }
        return name -> HybridNetwork.isBackboneVertex(name) && !trainable.contains(name);
    }

    /** Phase 2: a new graph with the last N backbone layers trainable and a lower learning rate; weights carried. */
    private ComputationGraph startFineTuning(ComputationGraph phase1, double[] classWeights, int phase1Epochs,
                                             int batchesPerEpoch, State state) {
        ComputationGraph next = build(phaseSchedule(phase1Epochs, config.epochs(), batchesPerEpoch,
                config.finetuneLrFactor(), state.lrScale), classWeights, unfreezeFilter(phase1));
        HybridNetwork.copyParameters(phase1, next, n -> true);
        next.getConfiguration().setIterationCount(phase1.getConfiguration().getIterationCount());
        next.getConfiguration().setEpochCount(phase1.getConfiguration().getEpochCount());
        monitor.onMessage("phase 2: fine-tuning the last " + config.unfreezeLast() + " backbone layers at "
                + config.finetuneLrFactor() + "x the learning rate");
        return next;
    }

    private static void writeModelAtomically(ComputationGraph net, Path target, boolean withUpdater)
            throws IOException {
        AtomicFiles.write(target, out -> ModelSerializer.writeModel(net, out, withUpdater));
    }

    /**
     * Validation examples whose accuracy outside the band must reach 1 - this: the uncertain band is the narrowest
     * half-width around the threshold (0 to {@link #BAND_LIMIT}) outside of which the validation images (clean and
     * degraded) are misclassified at most this often.
     */
    static final double BAND_MAX_ERROR = 0.05;
    static final double BAND_LIMIT = 0.3;

    /** See {@link #BAND_MAX_ERROR}; 0 when the validation images are classified well enough without a band. */
    static double uncertainBand(boolean[] isFake, double[] pFake, double threshold, double maxError) {
        for (int step = 0; step <= 30; step++) {
            double band = BAND_LIMIT * step / 30;
            int outside = 0;
            int wrong = 0;
            for (int i = 0; i < pFake.length; i++) {
                if (Math.abs(pFake[i] - threshold) >= band) {
                    outside++;
                    if ((pFake[i] >= threshold) != isFake[i]) {
                        wrong++;
                    }
                }
            }
            if (outside == 0 || wrong <= maxError * outside) {
                return band;
            }
        }
        return BAND_LIMIT;
    }

    /**
     * The cue's training examples: {@code items} plus {@link PostTraining#cueSimulated} pseudo-fakes of each real
     * image of {@code train} (not of simulated or degraded ones), drawn once, deterministic per (seed, image, copy).
     */
    List<BatchPipeline.Item> withCueSimulated(List<BatchPipeline.Item> items, List<BatchPipeline.Item> train) {
        int perReal = post.cueSimulated();
        if (perReal == 0) {
            return items;
        }
        SimulationConfig sim = config.simulation();
        ArtifactSimulator simulator = new ArtifactSimulator(sim != null ? sim.trainingFamilies()
                : List.of(ArtifactSimulator.Family.values()), sim != null && sim.matchDetail());
        List<BatchPipeline.Item> out = new ArrayList<>(items);
        for (BatchPipeline.Item it : train) {
            if (it.label() == 0 && it.simulator() == null) {
                for (int v = 0; v < perReal; v++) {
                    out.add(new BatchPipeline.Item(it.path(), 1, simulator, null, CUE_SIMULATED_VARIANT + v));
                }
            }
        }
        return out;
    }

    /** Variants of the cue's pseudo-fakes: apart from the network's (0..) and the degraded copies' (1000 k). */
    private static final int CUE_SIMULATED_VARIANT = 9000;

    /** The examples followed by {@link TrainingConfig#degradedCopies()} degraded copies of each. */
    List<BatchPipeline.Item> withDegradedCopies(List<BatchPipeline.Item> items) {
        int copies = config.degradedCopies();
        if (copies == 0 || !config.augmentation().hasDegradations()) {
            return items;
        }
        Augmenter degrader = new Augmenter(config.augmentation().degradationsOnly());
        List<BatchPipeline.Item> out = new ArrayList<>(items);
        for (int k = 1; k <= copies; k++) {
            for (BatchPipeline.Item it : items) {
                out.add(new BatchPipeline.Item(it.path(), it.label(), it.simulator(), degrader,
                        it.variant() + 1000 * k));
            }
        }
        return out;
    }

    /**
     * The split's examples with the configuration's simulated fakes: without the manifest's fakes in simulator-only
     * training, plus pseudo-fakes of its real images ({@link SimulationConfig#perReal()} each; on the validation
     * split from the held-out family when there is one).
     */
    List<BatchPipeline.Item> simulated(List<BatchPipeline.Item> items, boolean validation) {
        SimulationConfig sim = config.simulation();
        if (sim == null) {
            return items;
        }
        List<BatchPipeline.Item> out = new ArrayList<>();
        for (BatchPipeline.Item it : items) {
            if (!(sim.only() && it.label() == 1)) {
                out.add(it);
            }
        }
        ArtifactSimulator simulator = new ArtifactSimulator(validation && sim.holdOut() != null
                ? List.of(sim.holdOut()) : sim.trainingFamilies(), sim.matchDetail());
        int whole = (int) Math.floor(sim.perReal());
        double fraction = sim.perReal() - whole;
        for (BatchPipeline.Item it : items) {
            if (it.label() != 0) {
                continue;
            }
            // the fractional part picks a fixed, seed-independent share of the real images
            double u = (Augmenter.imageKey(it.path()) >>> 11) / (double) (1L << 53);
            int n = whole + (u < fraction ? 1 : 0);
            for (int v = 0; v < n; v++) {
                out.add(new BatchPipeline.Item(it.path(), 1, simulator, null, v));
            }
        }
        return out;
    }

    static List<BatchPipeline.Item> items(Manifest manifest, Split... splits) {
        List<BatchPipeline.Item> out = new ArrayList<>();
        for (Split split : splits) {
            for (ManifestEntry e : manifest.usable(split)) {
                out.add(new BatchPipeline.Item(manifest.resolve(e), e.label() == Label.FAKE ? 1 : 0));
            }
        }
        return out;
    }
}
