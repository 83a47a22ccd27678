package org.deepguard.train;

import org.deepguard.cli.BaseCommand;
import org.deepguard.cli.CliException;
import org.deepguard.cli.ExitCode;
import org.deepguard.core.data.Label;
import org.deepguard.core.keras.KerasBundle;
import org.deepguard.core.keras.KerasImportException;
import org.deepguard.core.model.ModelMetadata;
import org.deepguard.core.preprocess.ResizePolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

@Command(name = "import-keras",
        description = "Make a model bundle from a trained tf.keras 2.x model (.h5 from model.save), so that "
                + "detect, evaluate, gradcam, the web page, video and Spark scoring use it.",
        footer = {"", "Examples:",
                "  train import-keras best_model.h5 -o models/keras \\",
                "        --positive-class real --preprocess unit",
                "  train import-keras m.h5 -o models/k --positive-class fake --preprocess caffe \\",
                "        --calibrate work/manifest.csv   # temperature and threshold on its val split",
                "",
                "Neither which class the model's output 1 means nor its preprocessing is in the",
                "file. flow_from_directory over folders fake/ and real/ numbers classes",
                "alphabetically, so 1 = real; check class_indices in your training script.",
                "--preprocess: unit = x/255 (ImageDataGenerator(rescale=1/255)); tf = x/127.5 - 1;",
                "caffe = BGR minus the ImageNet mean (keras.applications.resnet50.preprocess_input);",
                "torch = x/255 then ImageNet mean/std; raw = 0-255 pixels (a model that rescales",
                "itself: a leading Rescaling layer is folded into the preprocessing).",
                "",
                "Refused, with exit code 4 and one line naming the file and the reason: Keras 3",
                "files (.keras, or .h5 written by Keras 3), a nested model (x = base(inputs)),",
                "TFOpLambda/Lambda layers (code is not in the file), Conv2D with groups > 1",
                "(DL4J would silently compute an ordinary convolution), Resizing/cropping",
                "layers, layers DL4J cannot import, and anything but one square RGB input and",
                "a Dense(1, sigmoid) or Dense(2, softmax) output. RandomFlip and the other",
                "augmentation layers are the identity at inference."})
public class ImportKerasCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL.h5", description = "The Keras model (HDF5, tf.keras 2.x).")
    Path model;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Model bundle directory to write.")
    Path output;

    @Option(names = "--positive-class", required = true, paramLabel = "real|fake",
            description = "Which label the model's class 1 means (the sigmoid's 1, or the second softmax unit).")
    String positiveClass;

    @Option(names = "--preprocess", required = true, paramLabel = "unit|tf|caffe|torch|raw",
            description = "The preprocessing the model was trained with (see below).")
    String preprocess;

    @Option(names = "--resize", defaultValue = "center_crop",
            description = "How images become the model's square input: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    ResizePolicy resize;

    @Option(names = "--calibrate", paramLabel = "CSV",
            description = "Fit temperature and threshold on this manifest's val split (as train does); without it: "
                    + "threshold 0.5, temperature 1, and a warning.")
    Path calibrate;

    @Override
    protected int run() throws Exception {
        Label classOne;
        try {
            classOne = Label.valueOf(positiveClass.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, "--positive-class must be real or fake, got '" + positiveClass + "'");
        }
        String mode = preprocess.trim().toLowerCase(Locale.ROOT);
        if (!java.util.List.of("unit", "tf", "caffe", "torch", "raw").contains(mode)) {
            throw new CliException(ExitCode.USAGE, "--preprocess must be unit, tf, caffe, torch or raw, got '"
                    + preprocess + "'");
        }
        if (!Files.isRegularFile(model)) {
            throw new CliException(ExitCode.INPUT, model + ": no such file");
        }
        KerasBundle.Result result;
        try {
            result = KerasBundle.create(model, classOne, mode, resize, calibrate, output,
                    problem -> err().println("warning: " + problem + " (left out of calibration)"));
        } catch (KerasImportException e) {
            throw new CliException(ExitCode.INPUT, e.getMessage(), e);
        }
        for (String w : result.warnings()) {
            info("warning: " + w);
        }
        ModelMetadata meta = result.bundle().metadata();
        if (calibrate != null) {
            info(String.format("calibrated on %d val images%s: temperature %.3f, threshold %.4f, val AUC %.4f, "
                            + "ECE %.4f -> %.4f", result.calibrationImages(),
                    result.failedImages() > 0 ? " (" + result.failedImages() + " unreadable, left out)" : "",
                    meta.temperature, meta.threshold, meta.metrics.get("val_auc"),
                    meta.metrics.get("val_ece_before_calibration"), meta.metrics.get("val_ece_after_calibration")));
        }
        out().printf("model written to %s (id %s, %s head, class 1 = %s, input %dx%d, preprocessing %s)%n",
                result.bundle().directory(), meta.modelId, meta.imported.head(), meta.imported.classOneMeans(),
                meta.preprocessing.inputSize(), meta.preprocessing.inputSize(), mode);
        out().flush();
        return ExitCode.OK;
    }
}
