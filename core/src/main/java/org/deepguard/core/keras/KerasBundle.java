package org.deepguard.core.keras;

import org.deepguard.core.Backend;
import org.deepguard.core.data.Label;
import org.deepguard.core.data.Manifest;
import org.deepguard.core.data.ManifestEntry;
import org.deepguard.core.data.Split;
import org.deepguard.core.image.ImageLoadException;
import org.deepguard.core.io.Hashing;
import org.deepguard.core.metrics.BinaryMetrics;
import org.deepguard.core.metrics.Calibration;
import org.deepguard.core.model.Detector;
import org.deepguard.core.model.ModelBundle;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.ResizePolicy;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A Keras model made into a model bundle that every stage uses through {@link Detector}: the imported graph, its
 * preprocessing, and either the uncalibrated defaults (temperature 1, threshold 0.5) or, given a manifest, the
 * temperature and threshold fitted on its validation split exactly as {@code train} fits them.
 */
public final class KerasBundle {
    /** What the import did, for the command to report. */
    public record Result(ModelBundle bundle, List<String> warnings, int calibrationImages, int failedImages) {}

    private KerasBundle() {}

    /**
     * @param calibration a manifest whose {@code val} split calibrates the model, or null for the defaults
     * @param onProblem   told about each validation image that cannot be scored (it is left out)
     */
    public static Result create(Path kerasFile, Label classOne, String mode, ResizePolicy resize, Path calibration,
                                Path output, Consumer<String> onProblem)
            throws KerasImportException, IOException, org.deepguard.core.data.ManifestException {
        KerasImport.Imported imp = KerasImport.importModel(kerasFile, classOne, mode, resize);
        ModelMetadata meta = new ModelMetadata();
        meta.preprocessing = imp.preprocessing();
        meta.imported = new ModelMetadata.ImportedFrom("keras-h5", kerasFile.toAbsolutePath().toString(),
                Hashing.sha256(kerasFile), imp.kerasVersion(), imp.head(), classOne.name().toLowerCase(),
                mode.toLowerCase());
        meta.thresholdRule = "default 0.5 (imported, not calibrated)";
        List<String> warnings = new ArrayList<>(imp.warnings());
        int used = 0;
        int failed = 0;
        if (calibration != null) {
            Manifest manifest = Manifest.read(calibration);
            List<ManifestEntry> val = manifest.usable(Split.VAL);
            Detector detector = new Detector(new ModelBundle(output, meta, imp.graph()));
            List<Detector.PreparedImage> prepared = new ArrayList<>();
            List<Boolean> labels = new ArrayList<>();
            for (ManifestEntry e : val) {
                try {
                    prepared.add(detector.prepare(manifest.resolve(e)));
                    labels.add(e.label() == Label.FAKE);
                } catch (ImageLoadException ex) {
                    failed++;
                    onProblem.accept(ex.getMessage());
                }
            }
            boolean[] y = new boolean[labels.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = labels.get(i);
            }
            String reason = BinaryMetrics.singleClassReason(y);
            if (y.length == 0 || reason != null) {
                throw new org.deepguard.core.data.ManifestException(calibration + ": the val split cannot calibrate "
                        + "(" + (y.length == 0 ? "no usable val images" : reason) + ")");
            }
            double[] z = new double[y.length];
            for (int start = 0; start < y.length; start += 64) { // bounded memory
                int end = Math.min(y.length, start + 64);
                System.arraycopy(detector.imageLogOdds(prepared.subList(start, end)), 0, z, start, end - start);
            }
            used = y.length;
            double t = Calibration.fitTemperature(z, y);
            double[] before = Calibration.probabilities(z, 1.0);
            double[] after = Calibration.probabilities(z, t);
            meta.temperature = t;
            double thr = BinaryMetrics.youdenThreshold(y, after);
            if (!Double.isNaN(thr)) {
                meta.threshold = thr;
                meta.thresholdRule = "max Youden J on the validation split (calibrated p_fake)";
            }
            meta.metrics.put("val_auc", BinaryMetrics.rocAuc(y, before));
            meta.metrics.put("val_loss", BinaryMetrics.logLoss(y, before));
            meta.metrics.put("val_accuracy_at_threshold", BinaryMetrics.confusion(y, after, meta.threshold).accuracy());
            meta.metrics.put("val_ece_before_calibration", BinaryMetrics.expectedCalibrationError(y, before, 10));
            meta.metrics.put("val_ece_after_calibration", BinaryMetrics.expectedCalibrationError(y, after, 10));
            meta.provenance.manifestPath = calibration.toAbsolutePath().toString();
            meta.provenance.manifestSha256 = Manifest.fileHash(calibration);
            meta.provenance.dataCounts.put("val", used);
        } else {
            warnings.add("not calibrated: threshold 0.5 and temperature 1; pass a manifest with a val split to fit "
                    + "them");
        }
        ModelMetadata.Provenance p = meta.provenance;
        p.createdAt = Instant.now().toString();
        p.toolVersion = KerasBundle.class.getPackage().getImplementationVersion();
        p.backend = Nd4j.getBackend().getClass().getSimpleName() + " (" + Backend.init().reason() + ")";
        ModelBundle bundle = ModelBundle.save(output, meta, imp.graph());
        return new Result(bundle, warnings, used, failed);
    }
}
