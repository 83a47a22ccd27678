package org.deepguard.core.model;

import org.deepguard.core.Backend;
import org.deepguard.core.io.AtomicFiles;
import org.deepguard.core.io.Hashing;
import org.deepguard.core.io.Json;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A trained model on disk: a directory holding {@code model.json} ({@link ModelMetadata}) and the network weights.
 * Written to a staging sibling and renamed into place, so a bundle directory is always complete. Loading checks the
 * format version and the weights' SHA-256 before anything is deserialised.
 */
public final class ModelBundle {
    public static final String METADATA_FILE = "model.json";

    private final Path directory;
    private final ModelMetadata metadata;
    private final ComputationGraph network;

    public ModelBundle(Path directory, ModelMetadata metadata, ComputationGraph network) {
        this.directory = directory;
        this.metadata = metadata;
        this.network = network;
    }

    public Path directory() {
        return directory;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    public ComputationGraph network() {
        return network;
    }

    /**
     * Writes {@code network} and {@code metadata} into {@code target}. The weights go to a content-named file first,
     * then {@code model.json} is renamed into place pointing at it, so at every instant the folder holds a complete,
     * consistent bundle (old or new); other files in the folder (checkpoints, logs) are left alone.
     */
    public static ModelBundle save(Path target, ModelMetadata metadata, ComputationGraph network) throws IOException {
        Path dir = target.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".weights-", ".tmp");
        try {
            ModelSerializer.writeModel(network, tmp.toFile(), false);
            String sha = Hashing.sha256(tmp);
            String name = "weights-" + sha.substring(0, 16) + ".zip";
            AtomicFiles.moveIntoPlace(tmp, dir.resolve(name));
            metadata.weightsFile = name;
            metadata.weightsSha256 = sha;
            if (metadata.modelId == null) {
                metadata.modelId = dir.getFileName() + "-" + sha.substring(0, 12);
            }
            AtomicFiles.writeString(dir.resolve(METADATA_FILE), Json.pretty(metadata));
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (var old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().matches("weights-[0-9a-f]{16}\\.zip")
                    && !p.getFileName().toString().equals(metadata.weightsFile)).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return new ModelBundle(dir, metadata, network);
    }

    /** Reads only {@code model.json}, validated, without loading weights. */
    public static ModelMetadata readMetadata(Path directory) throws BundleException {
        Path json = directory.resolve(METADATA_FILE);
        if (!Files.isDirectory(directory)) {
            throw new BundleException(directory + ": model bundle directory does not exist");
        }
        ModelMetadata meta;
        try {
            meta = Json.MAPPER.readValue(json.toFile(), ModelMetadata.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new BundleException(directory + ": not a model bundle (no " + METADATA_FILE + ")");
        } catch (IOException e) {
            throw new BundleException(json + ": unreadable model metadata ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (meta.formatVersion > ModelMetadata.CURRENT_FORMAT || meta.formatVersion < 1) {
            throw new BundleException(json + ": bundle format " + meta.formatVersion + " is not supported (this "
                    + "version reads format " + ModelMetadata.CURRENT_FORMAT + "); use a matching toolkit version");
        }
        if (meta.preprocessing == null || meta.network == null || meta.weightsFile == null) {
            throw new BundleException(json + ": incomplete model metadata (preprocessing, network and weightsFile "
                    + "are required)");
        }
        if (!(meta.threshold >= 0 && meta.threshold <= 1) || !(meta.temperature > 0)) {
            throw new BundleException(json + ": threshold must lie in [0,1] and temperature be positive");
        }
        return meta;
    }

    public static ModelBundle load(Path directory) throws BundleException {
        Path abs = directory.toAbsolutePath().normalize();
        ModelMetadata meta = readMetadata(abs);
        Path weights = abs.resolve(meta.weightsFile);
        try {
            if (!Files.isRegularFile(weights)) {
                throw new BundleException(weights + ": weights file is missing");
            }
            if (meta.weightsSha256 != null && !meta.weightsSha256.equals(Hashing.sha256(weights))) {
                throw new BundleException(weights + ": weights do not match the checksum in " + METADATA_FILE
                        + " (file damaged or replaced)");
            }
            Backend.init();
            ComputationGraph graph = ModelSerializer.restoreComputationGraph(weights.toFile(), false);
            return new ModelBundle(abs, meta, graph);
        } catch (IOException | RuntimeException e) {
            throw new BundleException(weights + ": cannot load weights (" + e.getMessage() + ")", e);
        }
    }
}
