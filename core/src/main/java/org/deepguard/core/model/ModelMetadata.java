package org.deepguard.core.model;

import org.deepguard.core.preprocess.Preprocessing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code model.json} says about a model: what it predicts, how its input is prepared, how its scores
 * become decisions, and where it came from. Fields are public for Jackson; the bundle validates them on load.
 */
public class ModelMetadata {
    /** Bumped when a reader of an older version could misread the bundle. */
    public static final int CURRENT_FORMAT = 1;

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
    public Provenance provenance = new Provenance();
    /** Summary metrics on the validation split, keyed by metric name. */
    public Map<String, Double> metrics = new LinkedHashMap<>();
    /** Per-epoch training history (epoch, phase, train/val loss, accuracy, auc, lr, ...). */
    public List<Map<String, Object>> history = new ArrayList<>();

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
