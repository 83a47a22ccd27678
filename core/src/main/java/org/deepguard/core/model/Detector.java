package org.deepguard.core.model;

import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.preprocess.Preprocessor;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The translator between files and the network (as DJL's Translator): preprocessing from the bundle in, calibrated
 * {@link Prediction}s out. Shared by detect, evaluate and the web page so they report the same numbers.
 */
public final class Detector {
    private final ModelBundle bundle;
    private final Preprocessor preprocessor;
    private final double threshold;

    public Detector(ModelBundle bundle) {
        this(bundle, bundle.metadata().threshold);
    }

    public Detector(ModelBundle bundle, double threshold) {
        this.bundle = bundle;
        this.preprocessor = new Preprocessor(bundle.metadata().preprocessing);
        this.threshold = threshold;
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    public double threshold() {
        return threshold;
    }

    public Prediction predict(Path file) throws ImageLoadException {
        return predictTensors(List.of(preprocessor.load(file))).get(0);
    }

    public Prediction predict(BufferedImage image) {
        return predictTensors(List.of(preprocessor.toTensor(image))).get(0);
    }

    /** Raw log-odds for a prepared NCHW batch. */
    public double[] logOdds(INDArray batch) {
        INDArray out;
        synchronized (bundle.network()) { // a ComputationGraph is not safe for concurrent output() calls
            out = bundle.network().outputSingle(false, batch);
        }
        return Scores.logOdds(out);
    }

    public List<Prediction> predictTensors(List<float[]> tensors) {
        double[] z = logOdds(preprocessor.batch(tensors));
        ModelMetadata m = bundle.metadata();
        List<Prediction> out = new ArrayList<>(z.length);
        for (double v : z) {
            out.add(Prediction.of(v, m.temperature, threshold, m.uncertainBand));
        }
        return out;
    }
}
