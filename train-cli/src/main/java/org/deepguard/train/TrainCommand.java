package org.deepguard.train;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.Cli;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.cli.Progress;
import org.deepguard.core.data.Folds;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.io.Json;
import org.deepguard.core.keras.KerasBackbone;
import org.deepguard.core.model.Backbone;
import org.deepguard.core.model.BackboneWeights;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.NetworkConfig;
import org.deepguard.core.preprocess.PatchVoting;
import org.deepguard.core.preprocess.ResizePolicy;
import org.deepguard.core.report.ChartFiles;
import org.deepguard.core.report.Plots;
import org.deepguard.core.train.ArtifactSimulator;
import org.deepguard.core.train.AugmentationConfig;
import org.deepguard.core.train.SimulationConfig;
import org.deepguard.core.train.CrossValidation;
import org.deepguard.core.train.PostTraining;
import org.deepguard.core.train.Trainer;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.train.TrainingConfig;
import org.deepguard.core.train.TrainingMonitor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Command(name = "train", subcommands = ImportKerasCommand.class,
        description = "Train the hybrid real/fake detector on a manifest and write a model bundle.",
        footer = {"", "Examples:",
                "  train --manifest data/manifest.csv -o models/v1",
                "  train --manifest m.csv -o models/small --image-size 64 \\",
                "        --backbone resnet50_lite --epochs 10",
                "  train --manifest m.csv -o models/imagenet --backbone-weights notop.h5",
                "        # a Keras ResNet50 notop file; ~/.keras/models/resnet50_weights_*_notop.h5",
                "        # is picked up without the option",
                "  train --manifest m.csv -o models/v1 --resume   # continue a killed run",
                "  train --manifest m.csv -o models/p --image-size 64 --patches 3 --ensemble 3",
                "  train --manifest m.csv -o cv/default --cv 5    # grouped 5-fold CV",
                "  train --manifest m.csv -o cv/logo --cv-by generator --json",
                "  train --manifest m.csv -o models/sim --simulate --simulate-only  # reals only",
                "  train --manifest m.csv -o models/old --blur 0.1 --jpeg 0.1 --downscale 0 \\",
                "        --noise 0 --blur-max-sigma 3 --jpeg-min-quality 30 --degraded-copies 0",
                "  train --manifest m.csv -o models/s6 --fusion fitted  # the fusion before session 7",
                "  train import-keras m.h5 -o models/k --positive-class real --preprocess unit",
                "  train --manifest m.csv -o models/hard --adversarial fgsm-rs --adversarial-eps 2",
                "  train --manifest m.csv -o models/capped --cue-cap 1   # the cue moves z by <= 1",
                "",
                "The bundle directory receives model.json, the weights, checkpoints/",
                "(last and best, written atomically after every epoch), train-log.jsonl",
                "(one JSON object per epoch) and curves-*.png.",
                "",
                "--cv K: K models, one per fold, in OUT/fold-i (manifest.csv, bundle,",
                "result.json), and OUT/cv.json: ROC AUC, balanced accuracy at the",
                "threshold and ECE, clean and under the standard degradation sweep",
                "(evaluate --perturb standard) with the worst case, and",
                "the baselines (file size, sharpness, the spectral profile of Durall et",
                "al. alone, the hand-crafted cue alone) per fold, with mean and sample",
                "std. Groups (the manifest's group column) never straddle folds. A",
                "rerun skips finished folds and resumes an interrupted training."})
public class TrainCommand extends BaseCommand {
    // Required, but checked in run(): picocli would demand them of the import-keras subcommand too.
    @Option(names = "--manifest", paramLabel = "CSV", description = "Dataset manifest (from `dataset scan`); required.")
    Path manifest;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Model bundle directory to write; required.")
    Path output;

    @Option(names = "--epochs", defaultValue = "30", description = "Maximum epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--image-size", defaultValue = "64",
            description = "Square input size in pixels: the patch side with --patches (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for initialisation, shuffling, augmentation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate, Adam (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--warmup-epochs", defaultValue = "1", description = "Linear warm-up before cosine decay (default: ${DEFAULT-VALUE}).")
    double warmupEpochs;

    @Option(names = "--patience", defaultValue = "5", description = "Early stopping patience in epochs, 0 = off (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--backbone", defaultValue = "auto",
            description = "auto, resnet50, resnet50_keras (Keras geometry, for Keras weights), resnet50_lite (64x "
                    + "downsampling, 4x cheaper) or none. auto: the hybrid when ImageNet weights are used (with "
                    + "resnet50_keras for a Keras .h5, given or found in ~/.keras/models), else the CNN branch alone, "
                    + "which learns far better than a randomly initialised ResNet50 on small data (default: "
                    + "${DEFAULT-VALUE}).")
    String backboneChoice;

    @Option(names = "--backbone-weights", paramLabel = "random|imagenet|FILE",
            description = {"How the ResNet50 branch starts: random; imagenet (the DL4J zoo's weights: "
                    + "--backbone-weights-file, the zoo cache or a download, else Keras's file in ~/.keras/models); "
                    + "or FILE, a Keras ResNet50 notop .h5 such as ~/.keras/models/" + KerasBackbone.NOTOP_FILE
                    + ", which gives the branch Keras geometry and caffe preprocessing (a DL4J zoo .zip works "
                    + "too). Default: that Keras file when it is present and --backbone is auto, else random."})
    String backboneWeightsChoice;

    @Option(names = "--backbone-weights-file", paramLabel = "ZIP|H5",
            description = "Local ImageNet weights for --backbone-weights imagenet: the DL4J zoo's "
                    + "resnet50_dl4j_inference.v3.zip (or a Keras notop .h5).")
    Path backboneWeightsFile;

    /** The weights file the run uses (resolved from the two options above and ~/.keras/models), or null. */
    private Path weightsFile;

    @Option(names = "--cnn-channels", split = ",", defaultValue = "32,64,128,256",
            description = "Channels of the CNN branch blocks (default: ${DEFAULT-VALUE}).")
    int[] cnnChannels;

    @Option(names = "--branch-input", paramLabel = "residuals|rgb+residuals|rgb",
            description = {"What the CNN branch sees: fixed SRM high-pass residuals only (the default: it cannot "
                    + "learn scene content or colour, which a small training set tempts it to learn), the residuals "
                    + "beside the RGB pixels, or the RGB pixels alone."})
    String branchInput;

    // Before --branch-input existed; kept so scripts keep working.
    @Option(names = "--no-high-pass", hidden = true, description = "Same as --branch-input rgb.")
    boolean noHighPass;

    @Option(names = "--residual-only", negatable = true, hidden = true,
            description = "Same as --branch-input residuals; --no-residual-only: rgb+residuals.")
    Boolean residualOnly; // null when absent: the two forms map to different inputs

    @Option(names = "--resize", defaultValue = "center_crop",
            description = "center_crop, native_crop (no resampling), stretch or pad (default: ${DEFAULT-VALUE}).")
    ResizePolicy resize;

    @Option(names = "--patches", defaultValue = "3", paramLabel = "GRID",
            description = {"Patch training and patch-vote inference: train on random --image-size patches cut at "
                    + "native resolution, score an image from up to GRID x GRID patches (0 = off, whole image "
                    + "resized; default: ${DEFAULT-VALUE}). Stored in the bundle, so detect cuts the same patches."})
    int patchGrid;

    @Option(names = "--patch-aggregate", defaultValue = "mean", paramLabel = "mean|Q",
            description = "How patch log-odds make the image score: mean, or a quantile Q in [0,1] such as 0.75 "
                    + "(default: ${DEFAULT-VALUE}).")
    String patchAggregate;

    // A plain --no- flag: picocli's negatable options read a true default differently across versions.
    @Option(names = "--no-spectral",
            description = "Do not fuse the network's score with the hand-crafted cue (on by default: a logistic "
                    + "regression on the azimuthally averaged power spectrum, Durall et al. 2020, plus one on "
                    + "resampling periodicity, fitted on the train split, fused on the validation split, then refitted on "
                    + "train+val).")
    boolean noSpectral;

    @Option(names = "--no-resampling",
            description = "Leave the resampling-periodicity part out of the hand-crafted cue (spectral profile only).")
    boolean noResampling;

    @Option(names = "--ensemble", defaultValue = "3", paramLabel = "N",
            description = "Train N members with seeds seed..seed+N-1 and score with the mean of their log-odds "
                    + "(default: ${DEFAULT-VALUE}).")
    int ensemble;

    @Option(names = "--flip", defaultValue = "0.5", description = "Horizontal flip probability (default: ${DEFAULT-VALUE}).")
    double flip;

    @Option(names = "--crop", defaultValue = "0", description = "Random resized crop probability (default: ${DEFAULT-VALUE}).")
    double crop;

    @Option(names = "--blur", defaultValue = "0.3",
            description = "Degradation chain: Gaussian blur probability, sigma ~ U(0, --blur-max-sigma) (default: "
                    + "${DEFAULT-VALUE}).")
    double blur;

    @Option(names = "--blur-max-sigma", defaultValue = "2", paramLabel = "PX",
            description = "Largest augmentation blur sigma in pixels (default: ${DEFAULT-VALUE}).")
    double blurMaxSigma;

    @Option(names = "--jpeg", defaultValue = "0.3",
            description = "Degradation chain: JPEG re-compression probability, quality ~ U(--jpeg-min-quality, 100) "
                    + "(default: ${DEFAULT-VALUE}).")
    double jpeg;

    @Option(names = "--jpeg-min-quality", defaultValue = "50", paramLabel = "Q",
            description = "Lowest augmentation JPEG quality (default: ${DEFAULT-VALUE}).")
    int jpegMinQuality;

    @Option(names = "--downscale", defaultValue = "0.3", paramLabel = "P",
            description = "Degradation chain: probability of shrinking by a factor ~ U(--downscale-min, 1) with a "
                    + "random kernel (nearest, box, bilinear, bicubic, Lanczos), kept small (default: ${DEFAULT-VALUE}).")
    double downscale;

    @Option(names = "--downscale-min", defaultValue = "0.5", paramLabel = "F",
            description = "Smallest augmentation downscale factor (default: ${DEFAULT-VALUE}).")
    double downscaleMin;

    @Option(names = "--noise", defaultValue = "0.3", paramLabel = "P",
            description = "Degradation chain: probability of Gaussian noise, sigma ~ U(0, --noise-max-sigma) grey "
                    + "levels (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--noise-max-sigma", defaultValue = "5", paramLabel = "S",
            description = "Largest augmentation noise sigma in grey levels of 255 (default: ${DEFAULT-VALUE}).")
    double noiseMaxSigma;

    @Option(names = "--degraded-copies", defaultValue = "0", paramLabel = "N",
            description = "Copies of each image under a random draw of the degradation chain: training images for "
                    + "the hand-crafted cue, validation images for fusion, temperature, threshold and uncertain band, "
                    + "meant to hold after re-encoding and resizing; measured to lower the worst-case AUC, so off by "
                    + "default (default: ${DEFAULT-VALUE}).")
    int degradedCopies;

    @Option(names = "--scale-calibration", defaultValue = "0.75,0.5", paramLabel = "F[,F...]|none",
            description = "Downscale factors (decreasing, below 0.9) at which inputs smaller than the training images "
                    + "get their own calibration, fitted on the validation images downscaled by each factor (both "
                    + "classes alike); `none` scores every input as it is (default: ${DEFAULT-VALUE}).")
    String scaleCalibration;

    @Option(names = "--simulate", paramLabel = "FAMILIES", arity = "0..1", fallbackValue = "all",
            description = "Train with simulated fakes made from the real images (artifact simulator): all, or a "
                    + "comma list of upsample, transposed-conv, conv-decoder, spectral-peaks, blend, "
                    + "learned-upsample. Beside the manifest's fakes unless --simulate-only.")
    String simulate;

    @Option(names = "--simulate-only",
            description = "With --simulate: leave the manifest's fakes out of training and validation.")
    boolean simulateOnly;

    @Option(names = "--simulate-per-real", defaultValue = "1", paramLabel = "R",
            description = "With --simulate: pseudo-fakes per real image and epoch (default: ${DEFAULT-VALUE}).")
    double simulatePerReal;

    @Option(names = "--simulate-match-detail",
            description = "With --simulate: give each pseudo-fake its real image's fine-detail energy back where "
                    + "the simulation removed some (unsharp masking), so softness alone does not mark a fake.")
    boolean simulateMatchDetail;

    @Option(names = "--simulate-hold-out", paramLabel = "FAMILY",
            description = "With --simulate: keep this family out of training and calibrate the threshold on its "
                    + "pseudo-fakes of the validation reals, as a stand-in for generators never seen.")
    String simulateHoldOut;

    @Option(names = "--color-jitter", defaultValue = "0", description = "Brightness/contrast/saturation jitter probability (default: ${DEFAULT-VALUE}).")
    double colorJitter;

    @Option(names = "--weight-decay", defaultValue = "1e-5", description = "L2 on all weights (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--freeze-epochs", defaultValue = "5",
            description = "With ImageNet weights: epochs with the backbone frozen before fine-tuning (default: ${DEFAULT-VALUE}).")
    int freezeEpochs;

    @Option(names = "--unfreeze-last", defaultValue = "20",
            description = "Fine-tuning trains the last N backbone layers (default: ${DEFAULT-VALUE}).")
    int unfreezeLast;

    @Option(names = "--finetune-lr-factor", defaultValue = "0.1",
            description = "Fine-tuning learning rate = --lr times this (default: ${DEFAULT-VALUE}).")
    double finetuneLrFactor;

    @Option(names = "--plateau-factor", defaultValue = "0",
            description = "Scale the learning rate by this when validation loss stalls; 0 = off (default: ${DEFAULT-VALUE}).")
    double plateauFactor;

    @Option(names = "--plateau-patience", defaultValue = "2", description = "Epochs before a plateau reduction (default: ${DEFAULT-VALUE}).")
    int plateauPatience;

    @Option(names = "--no-class-weights", description = "Do not weight the loss by inverse class frequency.")
    boolean noClassWeights;

    @Option(names = "--workers", description = "Decoding threads (default: number of cores).")
    Integer workers;

    @Option(names = "--resume", description = "Continue from the checkpoints in the output directory.")
    boolean resume;

    @Option(names = "--cv", paramLabel = "K",
            description = "Grouped, stratified K-fold cross-validation instead of one model: train and score one "
                    + "model per fold under OUT/fold-i, summary in OUT/cv.json; a rerun resumes.")
    Integer cvFolds;

    @Option(names = "--cv-by", defaultValue = "group", paramLabel = "RULE",
            description = "group (stratified group K-fold) or generator (leave-one-generator-out, one fold per "
                    + "value of the manifest's generator column; implies --cv) (default: ${DEFAULT-VALUE}).")
    String cvBy;

    @Option(names = "--json", description = "With --cv: JSON lines, one per fold and a summary line.")
    boolean json;

    @Option(names = "--adversarial", paramLabel = "fgsm-rs|pgd",
            description = "Hardening: train on adversarial copies of every batch, found against the network being "
                    + "trained with exact input gradients: fgsm-rs (FGSM from a random start, one gradient per batch) "
                    + "or pgd (--adversarial-steps steps). The hand-crafted cue is not hardened.")
    String adversarialMethod;

    @Option(names = "--adversarial-eps", defaultValue = "2", paramLabel = "LEVELS",
            description = "L-inf budget of --adversarial in 8-bit levels (x/255) (default: ${DEFAULT-VALUE}).")
    double adversarialEps;

    @Option(names = "--adversarial-steps", defaultValue = "3", paramLabel = "N",
            description = "PGD steps of --adversarial pgd (default: ${DEFAULT-VALUE}).")
    int adversarialSteps;

    @Option(names = "--cue-cap", defaultValue = "2", paramLabel = "C",
            description = "Cap on the hand-crafted cue: its share b*z of the fused log-odds becomes C*tanh(b*z/C), "
                    + "so the cue moves the fused log-odds by at most C. The cue is fitted to the training "
                    + "generators' spectra and grows extreme where it is out of its depth (an up-sampling factor it "
                    + "never saw, blur, noise, an attack); capped, it cannot outvote the network there. Temperature "
                    + "and threshold are fitted on the capped score; C is stored in the bundle. 0 = no cap, the "
                    + "default before session 9 (default: ${DEFAULT-VALUE}).")
    double cueCap;

    @Option(names = "--cue-band", defaultValue = "0.0625", paramLabel = "R",
            description = "Where the hand-crafted cue's spectral profile starts, in Nyquist units: the rings from R "
                    + "up, in dB relative to their own mean, so the cue reads the shape of the high band and not how "
                    + "soft the scene is. 0 = the whole profile relative to the total power (Durall et al.; the cue "
                    + "of bundles written before this option). Stored in the bundle (default: ${DEFAULT-VALUE}).")
    double cueBand;

    @Option(names = "--threshold-rule", defaultValue = "equal-cost", paramLabel = "RULE",
            description = "How the stored threshold is set on the validation split: equal-cost (where a "
                    + "class-balanced logistic fit of the labels on the calibrated score crosses one half; steadier "
                    + "on small validation sets) or youden (the cut of best balanced accuracy on the validation "
                    + "scores, the rule of bundles written before this option). The scale knots follow the same "
                    + "rule (default: ${DEFAULT-VALUE}).")
    String thresholdRule;

    @Option(names = "--fusion", defaultValue = "bounded", paramLabel = "RULE",
            description = "How the network's and the hand-crafted cue's log-odds are weighed, fitted on the "
                    + "validation split: bounded (the cue counts at most as much as the network per standard "
                    + "deviation of their validation scores: validation holds only generators that training saw, "
                    + "where the cue looks stronger than it is on others) or fitted (both weights as the "
                    + "validation images say, the rule of bundles written before this option) "
                    + "(default: ${DEFAULT-VALUE}).")
    String fusion;

    @Option(names = "--cue-simulate", defaultValue = "0", paramLabel = "N",
            description = "Fit the hand-crafted cue on N pseudo-fakes per training real image as well (the artifact "
                    + "simulator's families: those of --simulate, else all); the network never sees them. 0 = off "
                    + "(default: ${DEFAULT-VALUE}).")
    int cueSimulate;

    @Option(names = "--validation", defaultValue = "split", paramLabel = "RULE",
            description = "With --ensemble N > 1, what the members validate on: cross-fit (the train and "
                    + "validation groups are spread over N parts; member i validates on part i, early-stops on it and "
                    + "trains on the rest; fusion, calibration, threshold and uncertain band are then fitted on every "
                    + "one of those images, each scored by the member that did not train on it) or split (every "
                    + "member trains on the train split and validates on the validation split). Cross-fit needs at "
                    + "least N groups and falls back to split with a message where a part would lack a label "
                    + "(default: ${DEFAULT-VALUE}).")
    String validation;

    @Override
    protected int run() throws Exception {
        if (manifest == null || output == null) {
            throw new CliException(ExitCode.USAGE, "Missing required option" + (manifest == null && output == null
                    ? "s: '--manifest=CSV', '--output=DIR'" : manifest == null ? ": '--manifest=CSV'"
                    : ": '--output=DIR'") + " (run 'train --help' for usage)");
        }
        Manifest m = Manifest.read(manifest);
        TrainingConfig config = trainingConfig();
        adversarialTraining(); // usage errors before any work
        PostTraining post = postTraining();
        Folds.By by = parseCvBy();
        if (cvFolds != null || by == Folds.By.GENERATOR) {
            return crossValidate(m, config, by, post);
        }
        if (!resume && (Files.exists(output.resolve(Trainer.CHECKPOINTS))
                || Files.exists(output.resolve(Trainer.MEMBERS)))) {
            throw new CliException(ExitCode.USAGE, output + ": holds checkpoints of an earlier run; pass --resume to "
                    + "continue it, or choose another output directory");
        }
        Files.createDirectories(output);
        Path log = output.resolve("train-log.jsonl");
        if (!resume) {
            Files.deleteIfExists(log); // a fresh run starts a fresh log; a resumed one continues it
        }
        try (BufferedWriter logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
             ConsoleMonitor monitor = new ConsoleMonitor(logWriter, output)) {
            ModelBundle bundle = new Trainer(config, monitor).backboneWeightsFile(weightsFile)
                    .adversarial(adversarialTraining()).postTraining(post).train(m, manifest, output, resume);
            var meta = bundle.metadata();
            out().printf("model written to %s (id %s, val AUC %s, threshold %.4f, temperature %.3f)%n",
                    bundle.directory(), meta.modelId, fmt(meta.metrics.get("val_auc")), meta.threshold,
                    meta.temperature);
            out().flush();
        }
        return ExitCode.OK;
    }

    private PatchVoting patchVoting() {
        if (patchGrid == 0) {
            return null;
        }
        try {
            if (patchAggregate.equalsIgnoreCase("mean")) {
                return PatchVoting.meanOfLogits(patchGrid);
            }
            return new PatchVoting(patchGrid, PatchVoting.Aggregate.QUANTILE, Double.parseDouble(patchAggregate));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--patches/--patch-aggregate: " + e.getMessage()
                    + " (aggregate: mean or a quantile in [0,1])");
        }
    }

    /** --branch-input, or what the older flags asked for; residuals by default. */
    private String branchInput() {
        if (noHighPass && residualOnly != null) {
            throw new CliException(ExitCode.USAGE, "--no-high-pass and --" + (residualOnly ? "" : "no-")
                    + "residual-only contradict each other");
        }
        String legacy = noHighPass ? "rgb" : residualOnly == null ? null : residualOnly ? "residuals" : "rgb+residuals";
        if (branchInput == null) {
            return legacy == null ? "residuals" : legacy;
        }
        String v = branchInput.trim().toLowerCase(java.util.Locale.ROOT);
        if (!List.of("residuals", "rgb+residuals", "rgb").contains(v)) {
            throw new CliException(ExitCode.USAGE, "--branch-input must be residuals, rgb+residuals or rgb, got '"
                    + branchInput + "'");
        }
        if (legacy != null && !legacy.equals(v)) {
            throw new CliException(ExitCode.USAGE, "--branch-input " + v + " contradicts "
                    + (noHighPass ? "--no-high-pass" : residualOnly ? "--residual-only" : "--no-residual-only"));
        }
        return v;
    }

    /** The training configuration the options describe (shared by one training and each cross-validation fold). */
    private TrainingConfig trainingConfig() {
        WeightsChoice weights = weightsChoice();
        weightsFile = weights.file();
        BackboneWeights backboneWeights = weights.weights();
        Backbone backbone = resolveBackbone(weights);
        String input = branchInput();
        NetworkConfig net = NetworkConfig.defaults(imageSize, seed).withBackbone(backbone, backboneWeights)
                .withCnnChannels(cnnChannels).withHighPass(!input.equals("rgb"))
                .withResidualOnly(input.equals("residuals"));
        return new TrainingConfig(net, epochs, batchSize, learningRate, learningRate / 1000,
                warmupEpochs, weightDecay, patience,
                augmentation(), !noClassWeights,
                freezeEpochs, unfreezeLast, finetuneLrFactor, plateauFactor, plateauPatience,
                workers == null ? Math.max(1, Runtime.getRuntime().availableProcessors()) : workers, seed, resize,
                patchVoting(), ensemble, !noSpectral, !noSpectral && !noResampling, simulation(), degradedCopies,
                scaleCalibrationFactors());
    }

    private java.util.List<Double> scaleCalibrationFactors() {
        if (scaleCalibration.isBlank() || scaleCalibration.equalsIgnoreCase("none")) {
            return java.util.List.of();
        }
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (String f : scaleCalibration.split(",")) {
            try {
                out.add(Double.parseDouble(f.trim()));
            } catch (NumberFormatException e) {
                throw new CliException(ExitCode.USAGE, "--scale-calibration: not a number: '" + f.trim() + "'");
            }
        }
        try {
            org.deepguard.core.metrics.ScaleCalibration.checkFactors(
                    out.stream().mapToDouble(Double::doubleValue).toArray());
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--scale-calibration: " + e.getMessage());
        }
        return out;
    }

    private AugmentationConfig augmentation() {
        try {
            return new AugmentationConfig(flip, crop, 0.6, blur, blurMaxSigma, jpeg, jpegMinQuality, colorJitter,
                    downscale, downscaleMin, noise, noiseMaxSigma);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "augmentation: " + e.getMessage());
        }
    }

    private SimulationConfig simulation() {
        if (simulate == null) {
            if (simulateOnly || simulateHoldOut != null || simulateMatchDetail) {
                throw new CliException(ExitCode.USAGE,
                        "--simulate-only, --simulate-hold-out and --simulate-match-detail need --simulate");
            }
            return null;
        }
        try {
            return new SimulationConfig(SimulationConfig.parseFamilies(simulate), simulatePerReal, simulateOnly,
                    simulateHoldOut == null ? null : ArtifactSimulator.Family.parse(simulateHoldOut),
                    simulateMatchDetail);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--simulate: " + e.getMessage());
        }
    }

    /**
     * How the branch starts and from which file.
     *
     * @param keras the file is a Keras .h5 (the branch then needs Keras geometry)
     */
    record WeightsChoice(BackboneWeights weights, Path file, boolean keras) {}

    /** --backbone-weights and --backbone-weights-file, with Keras's notop file in ~/.keras/models as the default. */
    WeightsChoice weightsChoice() {
        String v = backboneWeightsChoice == null ? null : backboneWeightsChoice.trim();
        BackboneWeights kind;
        Path file = backboneWeightsFile;
        if (v == null) {
            Path keras = KerasBackbone.defaultFile();
            boolean auto = backboneChoice.equalsIgnoreCase("auto") || backboneChoice.equalsIgnoreCase("resnet50_keras");
            if (file == null && auto && Files.isRegularFile(keras)) {
                info("backbone weights: Keras ImageNet weights found at " + keras + " (--backbone-weights random "
                        + "leaves them out)");
                file = keras;
            }
            kind = file != null ? BackboneWeights.IMAGENET : BackboneWeights.RANDOM;
        } else if (v.equalsIgnoreCase("random")) {
            if (file != null) {
                throw new CliException(ExitCode.USAGE, "--backbone-weights random contradicts --backbone-weights-file");
            }
            kind = BackboneWeights.RANDOM;
        } else if (v.equalsIgnoreCase("imagenet")) {
            kind = BackboneWeights.IMAGENET;
            if (file == null && !Files.exists(org.deepguard.core.model.PretrainedWeights.zooCacheFile())
                    && Files.isRegularFile(KerasBackbone.defaultFile())) {
                file = KerasBackbone.defaultFile();
                info("backbone weights: no DL4J zoo file cached, using Keras's " + file);
            }
        } else {
            if (file != null) {
                throw new CliException(ExitCode.USAGE, "give the weights file once: --backbone-weights FILE or "
                        + "--backbone-weights imagenet --backbone-weights-file FILE");
            }
            kind = BackboneWeights.IMAGENET;
            file = Path.of(v.startsWith("~/") ? System.getProperty("user.home") + v.substring(1) : v);
        }
        if (file == null) {
            return new WeightsChoice(kind, null, false);
        }
        if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCode.INPUT, file + ": no such file (--backbone-weights takes random, imagenet "
                    + "or a weights file: a Keras ResNet50 notop .h5 or the DL4J zoo .zip)");
        }
        try {
            return new WeightsChoice(kind, file, KerasBackbone.isHdf5(file));
        } catch (IOException e) {
            throw new CliException(ExitCode.INPUT, file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private Backbone resolveBackbone(WeightsChoice weights) {
        if (!backboneChoice.equalsIgnoreCase("auto")) {
            Backbone b;
            try {
                b = Backbone.valueOf(backboneChoice.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--backbone must be auto, resnet50, resnet50_keras, "
                        + "resnet50_lite or none, got '" + backboneChoice + "'");
            }
            if (weights.keras() && b == Backbone.RESNET50) {
                info("backbone: Keras weights need Keras geometry, so the branch is resnet50_keras");
                return Backbone.RESNET50_KERAS;
            }
            if (weights.keras() && b != Backbone.RESNET50_KERAS) {
                throw new CliException(ExitCode.USAGE, "--backbone " + backboneChoice.toLowerCase(java.util.Locale.ROOT)
                        + " cannot take Keras weights (" + weights.file() + "): use --backbone auto or resnet50_keras");
            }
            if (b == Backbone.RESNET50_KERAS && weights.weights() == BackboneWeights.IMAGENET && !weights.keras()) {
                throw new CliException(ExitCode.USAGE, "--backbone resnet50_keras takes Keras weights: " + (weights
                        .file() == null ? "pass --backbone-weights FILE.h5 or place the notop file at "
                        + KerasBackbone.defaultFile() : weights.file() + " is not a Keras .h5 (a DL4J zoo file?)"));
            }
            return b;
        }
        if (weights.keras()) {
            return Backbone.RESNET50_KERAS;
        }
        if (weights.weights() == BackboneWeights.IMAGENET) {
            return Backbone.RESNET50;
        }
        info("backbone auto: no ImageNet weights, so the CNN branch alone (a randomly initialised ResNet50 adds "
                + "noise on small data: grouped-CV AUC after JPEG q75 0.801 vs 0.867 on the 118-image dev set); "
                + "--backbone resnet50 forces the hybrid");
        return Backbone.NONE;
    }

    /** What train fits after the networks (cue, fusion, threshold), from the options; a bad value names its option. */
    private PostTraining postTraining() {
        PostTraining band = asUsage("--cue-band", () -> PostTraining.defaults().withCueBand(cueBand));
        PostTraining simulated = asUsage("--cue-simulate", () -> band.withCueSimulated(cueSimulate));
        PostTraining capped = asUsage("--cue-cap", () -> simulated.withCueCap(cueCap));
        PostTraining fused = asUsage("--fusion", () -> capped.withFusionRule(ScoreFusion.Rule.parse(fusion)));
        PostTraining thresholded = asUsage("--threshold-rule",
                () -> fused.withThresholdRule(Trainer.ThresholdRule.parse(thresholdRule)));
        return asUsage("--validation", () -> thresholded.withCrossFit(switch (validation.trim().toLowerCase(
                java.util.Locale.ROOT)) {
            case "cross-fit" -> true;
            case "split" -> false;
            default -> throw new IllegalArgumentException("must be cross-fit or split, got '" + validation + "'");
        }));
    }

    /** An option value checked or parsed by core: its IllegalArgumentException becomes a usage error naming it. */
    private static <T> T asUsage(String option, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, option + ": " + e.getMessage());
        }
    }

    private Folds.By parseCvBy() {
        return asUsage("--cv-by", () -> Folds.By.parse(cvBy));
    }

    private org.deepguard.core.train.AdversarialTraining adversarialTraining() {
        if (adversarialMethod == null) {
            return null;
        }
        try {
            return new org.deepguard.core.train.AdversarialTraining(
                    org.deepguard.core.train.AdversarialTraining.Method.parse(adversarialMethod), adversarialEps,
                    adversarialSteps);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--adversarial: " + e.getMessage());
        }
    }

    /** --cv: one model per fold under OUT/fold-i, a table (or JSON lines) and OUT/cv.json. */
    private int crossValidate(Manifest m, TrainingConfig config, Folds.By by, PostTraining post) throws Exception {
        if (by == Folds.By.GROUP && (cvFolds == null || cvFolds < 2)) {
            throw new CliException(ExitCode.USAGE, "--cv needs at least 2 folds, got " + cvFolds);
        }
        if (resume) {
            info("note: --cv always resumes (finished folds are skipped); --resume is not needed");
        }
        if (by == Folds.By.GENERATOR && cvFolds != null) {
            info("note: --cv-by generator makes one fold per generator; --cv " + cvFolds + " is ignored");
        }
        List<Folds.Fold> folds = Folds.make(m, by, by == Folds.By.GROUP ? cvFolds : 0);
        info(Folds.describe(by, folds.size()));
        CrossValidation cv = new CrossValidation(config, weightsFile, CrossValidation.standardBaselines())
                .postTraining(post).adversarial(adversarialTraining());
        List<String> header = new ArrayList<>();
        CrossValidation.Summary summary = cv.run(folds, by, output, new CrossValidation.Listener() {
            private Progress bar;

            @Override
            public TrainingMonitor training(int fold, int count, Path dir) throws IOException {
                boolean fresh = !Files.exists(dir.resolve(Trainer.CHECKPOINTS))
                        && !Files.exists(dir.resolve(Trainer.MEMBERS));
                info(String.format("fold-%d (%d of %d): training into %s%s", fold, fold + 1, count, dir,
                        fresh ? "" : " (resuming)"));
                return new ConsoleMonitor(dir, fresh, "fold-" + fold + " ");
            }

            @Override
            public java.util.function.IntConsumer scoring(int fold, int images) {
                bar = progress("fold-" + fold + " scoring", images);
                return n -> bar.stepBy(n);
            }

            @Override
            public void scoringDone(int fold) {
                if (bar != null) {
                    bar.close();
                    bar = null;
                }
            }

            @Override
            public void foldDone(CrossValidation.FoldResult r, boolean reused) {
                if (reused) {
                    info("fold-" + r.fold() + ": already done, result read from "
                            + CrossValidation.foldDir(output, r.fold()).resolve(CrossValidation.RESULT));
                }
                if (json) {
                    out().println(Json.line(r));
                } else {
                    if (header.isEmpty()) {
                        header.addAll(r.metrics().keySet());
                        out().println(row("fold", "test r/f", header, "train_s"));
                    }
                    List<String> cells = new ArrayList<>();
                    header.forEach(k -> cells.add(cell(r.metrics().get(k))));
                    out().println(row(r.fold() + (r.generator().isEmpty() ? "" : " " + r.generator()),
                            r.sizes().get("test_real") + "/" + r.sizes().get("test_fake"), cells,
                            String.format("%.0f", r.trainSeconds())));
                }
                out().flush();
            }

            @Override
            public void message(String message) {
                info(message);
            }
        });
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("summary", true);
            line.put("by", summary.by());
            line.put("folds", summary.folds());
            line.put("mean", summary.mean());
            line.put("std", summary.std());
            line.put("train_seconds_total", summary.trainSecondsTotal());
            line.put("protocol", summary.protocol());
            out().println(Json.line(line));
        } else {
            List<String> cells = new ArrayList<>();
            header.forEach(k -> cells.add(cell(summary.mean().get(k)) + " +- " + cell(summary.std().get(k))));
            Double seconds = summary.mean().get("train_seconds");
            out().println(row("mean +- std", "", cells, seconds == null ? "n/a" : String.format("%.0f", seconds)));
            out().println("cross-validation summary written to " + output.resolve(CrossValidation.SUMMARY));
        }
        out().flush();
        return ExitCode.OK;
    }

    private static String row(String fold, String sizes, List<String> cells, String last) {
        StringBuilder b = new StringBuilder(String.format("%-14s %-9s", fold, sizes));
        cells.forEach(c -> b.append(String.format(" %-16s", c)));
        return b.append(' ').append(last).toString().stripTrailing();
    }

    private static String cell(Double v) {
        return v == null ? "n/a" : String.format("%.3f", v);
    }

    private static String fmt(Double d) {
        return d == null ? "n/a" : String.format("%.4f", d);
    }

    /** Progress bar per epoch plus a JSON-lines log of epochs. */
    private final class ConsoleMonitor implements TrainingMonitor, AutoCloseable {
        private final BufferedWriter log;
        private final Path dir;
        private final boolean ownsLog;
        private final String prefix;
        private final java.util.List<Map<String, Object>> history = new java.util.ArrayList<>();
        private Progress bar;
        private int batches;
        private int epochs;

        ConsoleMonitor(BufferedWriter log, Path dir) throws IOException {
            this(log, dir, false, "");
        }

        /** One cross-validation fold: opens (fresh: restarts) the fold's own train log and closes it at the end. */
        ConsoleMonitor(Path dir, boolean fresh, String prefix) throws IOException {
            this(openLog(dir, fresh), dir, true, prefix);
        }

        private ConsoleMonitor(BufferedWriter log, Path dir, boolean ownsLog, String prefix) throws IOException {
            this.log = log;
            this.dir = dir;
            this.ownsLog = ownsLog;
            this.prefix = prefix;
            Path existing = dir.resolve("train-log.jsonl");
            if (Files.exists(existing)) { // a resumed run draws its curves from the first epoch
                for (String line : Files.readAllLines(existing)) {
                    if (!line.isBlank()) {
                        history.add(Json.MAPPER.readValue(line, Map.class));
                    }
                }
            }
        }

        @Override
        public void onStart(int epochs, int batchesPerEpoch, int trainImages, int valImages, String note) {
            this.batches = batchesPerEpoch;
            this.epochs = epochs;
            info(String.format("training on %d images, validating on %d; %s", trainImages, valImages, note));
        }

        @Override
        public void onBatch(int epoch, int batch, int images, double loss) {
            if (bar == null) {
                bar = progress(String.format("%sepoch %d/%d", prefix, epoch + 1, epochs), batches);
            }
            bar.message(String.format(" loss %.4f", loss));
            bar.step();
        }

        @Override
        public void onEpoch(Map<String, Object> record) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            history.add(record);
            try {
                log.write(Json.line(record));
                log.newLine();
                log.flush();
                writeCurves();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            info(String.format("epoch %s: loss %.4f, val_loss %s, val_acc %s, val_auc %s, %.1f img/s, data wait %.0f%%%s",
                    record.get("epoch"), (Double) record.get("loss"), f(record.get("val_loss")),
                    f(record.get("val_accuracy")), f(record.get("val_auc")), (Double) record.get("images_per_second"),
                    100 * (Double) record.get("data_wait_share"),
                    Boolean.TRUE.equals(record.get("best")) ? " (best)" : ""));
        }

        /** Loss and quality curves, redrawn after every epoch so a long run can be watched. */
        private void writeCurves() throws IOException {
            var loss = Plots.trainingCurves(history, "loss", k -> k.equals("loss") || k.equals("val_loss"));
            var quality = Plots.trainingCurves(history, "validation", k -> k.equals("val_accuracy") || k.equals("val_auc"));
            if (loss != null) {
                ChartFiles.write(loss, dir, "curves-loss");
            }
            if (quality != null) {
                ChartFiles.write(quality, dir, "curves-validation");
            }
        }

        @Override
        public void onSkippedImage(String path, String reason) {
            err().println("warning: " + path + ": skipped (" + reason + ")");
            err().flush();
        }

        @Override
        public void onMessage(String message) {
            info(message);
        }

        private String f(Object v) {
            return v instanceof Double d ? String.format("%.4f", d) : "n/a";
        }

        @Override
        public void close() throws IOException {
            if (bar != null) {
                bar.close();
            }
            if (ownsLog) {
                log.close();
            }
        }
    }

    private static BufferedWriter openLog(Path dir, boolean fresh) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve("train-log.jsonl");
        if (fresh) {
            Files.deleteIfExists(log);
        }
        return Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    public static void main(String[] args) {
        Cli.main(new TrainCommand(), args);
    }
}
