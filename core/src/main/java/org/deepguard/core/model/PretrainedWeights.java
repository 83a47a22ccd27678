package org.deepguard.core.model;

import org.deepguard.core.Backend;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.model.ResNet50;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ImageNet weights for the ResNet50 branch: from a local file when given, else the DL4J zoo's cache or download
 * ({@code ~/.deeplearning4j/models/resnet50/resnet50_dl4j_inference.v3.zip}). Parameters are copied by vertex
 * name and shape, which our ResNet50 shares with the zoo's.
 */
public final class PretrainedWeights {
    public static final String ZOO_FILE = "resnet50_dl4j_inference.v3.zip";

    private PretrainedWeights() {}

    public static Path zooCacheFile() {
        return Path.of(System.getProperty("user.home"), ".deeplearning4j", "models", "resnet50", ZOO_FILE);
    }

    /** Loads the zoo ResNet50 from {@code localFile}, or the zoo cache/download when null. */
    public static ComputationGraph loadResNet50(Path localFile) throws BundleException {
        Backend.init();
        try {
            if (localFile != null) {
                if (!Files.isRegularFile(localFile)) {
                    throw new BundleException(localFile + ": ImageNet weight file does not exist");
                }
                return ModelSerializer.restoreComputationGraph(localFile.toFile(), false);
            }
            return (ComputationGraph) ResNet50.builder().build().initPretrained(PretrainedType.IMAGENET);
        } catch (BundleException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BundleException("cannot obtain ImageNet ResNet50 weights (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); offline, download " + ZOO_FILE + " elsewhere and pass it with "
                    + "--backbone-weights-file, or place it at " + zooCacheFile(), e);
        }
    }

    /** Copies every backbone parameter whose vertex name and shape match; returns how many layers were copied. */
    public static int transfer(ComputationGraph from, ComputationGraph to) {
        return HybridNetwork.copyParameters(from, to, HybridNetwork::isBackboneVertex);
    }
}
