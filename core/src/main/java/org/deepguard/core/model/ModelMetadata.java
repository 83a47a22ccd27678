package org.deepguard.core.model;

import org.deepguard.core.preprocess.Preprocessing;
import org.deepguard.core.spectral.ScoreFusion;
import org.deepguard.core.spectral.SpectralClassifier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code model.json} says about a model: what it predicts, how its input is prepared, how its scores
 * become decisions, and where it came from. Fields are public for Jackson; the bundle validates them on load.
 */
public class ModelMetadata {
    /**
     * Bumped when a reader of an older version could misread the bundle. Format 2 adds patch voting, seed ensembles
     * and the spectral cue; a bundle using none of them is still written as format 1, so older readers keep working.
     * Format 3 adds the NHWC layout and BGR channel order of graphs imported from Keras (an older reader would
     * silently feed them NCHW RGB).
     */
    public static final int CURRENT_FORMAT = 4;

    public int formatVersion = CURRENT_FORMAT;
    public String modelId;
    public List<String> labels = List.of("real", "fake");
    public String positiveClass = "fake";
    public Preprocessing preprocessing;
    public NetworkConfig network;
    /** p_fake at or above this is called fake. */
    public double threshold = 0.5;
    /** How the threshold was chosen (e.g. "youden-j on val", "default"). */
    public String thresholdRule = "default";
    /** Temperature applied to the log-odds before reporting p_fake (1 = uncalibrated). */
    public double temperature = 1.0;
    /** |p_fake - threshold| below this is reported as uncertain (0 disables). */
    public double uncertainBand = 0.0;
    public String weightsFile = "weights.zip";
    public String weightsSha256;
    /**
     * A seed ensemble: every member's weights (the first is also {@code weightsFile}); the image log-odds is the
     * mean of the members' log-odds. Null for a single network.
     */
    public List<WeightsFile> ensemble;
    /**
     * The hand-crafted cue: a classifier on the azimuthally averaged power spectrum, plus one on resampling
     * periodicity when trained with it, fused with the network's image log-odds by {@link #fusion} before
     * temperature scaling. Null when off. (The JSON name predates the resampling part.)
     */
    public SpectralClassifier spectral;
    public ScoreFusion fusion;
    /**
     * Calibration of the fused log-odds for inputs smaller than the training images (format 4), applied before
     * {@link #temperature}; null: every input is scored as it is.
     */
    public org.deepguard.core.metrics.ScaleCalibration scaleCalibration;
    /**
     * Where an imported network came from (a Keras file); null for a network trained here. An imported bundle has
     * no {@link #network} configuration: its graph is stored whole in the weights file.
     */
    public ImportedFrom imported;
    public Provenance provenance = new Provenance();
    /** Summary metrics on the validation split, keyed by metric name. */
    public Map<String, Double> metrics = new LinkedHashMap<>();
    /** Per-epoch training history (epoch, phase, train/val loss, accuracy, auc, lr, ...). */
    public List<Map<String, Object>> history = new ArrayList<>();

    /**
     * An imported model: the source file and its SHA-256, the Keras version that wrote it, its head (sigmoid or
     * softmax), which label its class 1 meant, and the preprocessing mode given at import.
     */
    public record ImportedFrom(String format, String file, String sha256, String kerasVersion, String head,
                               String classOneMeans, String preprocessMode) {}

    /** One network's weights in the bundle, checked by SHA-256 on load. */
    public record WeightsFile(String file, String sha256) {}

    /** The lowest format that can read this bundle correctly. */
    public int requiredFormat() {
        if (scaleCalibration != null) {
            return 4;
        }
        if (preprocessing != null && (preprocessing.channelsLast() || preprocessing.bgr())) {
            return 3;
        }
        boolean usesFormat2 = (ensemble != null && ensemble.size() > 1)
                || (preprocessing != null && preprocessing.patches() != null) || spectral != null;
        return usesFormat2 ? 2 : 1;
    }

    /** Where a model came from: enough to reproduce or audit it. */
    public static class Provenance {
        public String toolVersion;
        public String createdAt;
        public long seed;
        public String manifestPath;
        public String manifestSha256;
        public Map<String, Object> trainingConfig = new LinkedHashMap<>();
        public Map<String, Integer> dataCounts = new LinkedHashMap<>();
        public String backend;
        public String host;
    }
}
