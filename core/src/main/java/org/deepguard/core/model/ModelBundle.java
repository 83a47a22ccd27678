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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A trained model on disk: a directory holding {@code model.json} ({@link ModelMetadata}) and the network weights.
 * Written to a staging sibling and renamed into place, so a bundle directory is always complete. Loading checks the
 * format version and the weights' SHA-256 before anything is deserialised.
 */
public final class ModelBundle {
    public static final String METADATA_FILE = "model.json";

    private final Path directory;
    private final ModelMetadata metadata;
    private final List<ComputationGraph> networks;

    public ModelBundle(Path directory, ModelMetadata metadata, ComputationGraph network) {
        this(directory, metadata, List.of(network));
    }

    public ModelBundle(Path directory, ModelMetadata metadata, List<ComputationGraph> networks) {
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("a bundle needs at least one network");
        }
        this.directory = directory;
        this.metadata = metadata;
        this.networks = List.copyOf(networks);
    }

    public Path directory() {
        return directory;
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** The network, or the first member of a seed ensemble (what explanations look inside). */
    public ComputationGraph network() {
        return networks.get(0);
    }

    /** All networks: one, or the members of a seed ensemble. */
    public List<ComputationGraph> networks() {
        return networks;
    }

    /**
     * Writes {@code network} and {@code metadata} into {@code target}. The weights go to a content-named file first,
     * then {@code model.json} is renamed into place pointing at it, so at every instant the folder holds a complete,
     * consistent bundle (old or new); other files in the folder (checkpoints, logs) are left alone.
     */
    public static ModelBundle save(Path target, ModelMetadata metadata, ComputationGraph network) throws IOException {
        return save(target, metadata, List.of(network));
    }

    /** Writes a bundle of one network or of a seed ensemble's members (scored as the mean of their log-odds). */
    public static ModelBundle save(Path target, ModelMetadata metadata, List<ComputationGraph> networks)
            throws IOException {
        Path dir = target.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        List<ModelMetadata.WeightsFile> written = new ArrayList<>();
        for (ComputationGraph network : networks) {
            Path tmp = Files.createTempFile(dir, ".weights-", ".tmp");
            try {
                ModelSerializer.writeModel(network, tmp.toFile(), false);
                String sha = Hashing.sha256(tmp);
                String name = "weights-" + sha.substring(0, 16) + ".zip";
                AtomicFiles.moveIntoPlace(tmp, dir.resolve(name));
                written.add(new ModelMetadata.WeightsFile(name, sha));
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        metadata.weightsFile = written.get(0).file();
        metadata.weightsSha256 = written.get(0).sha256();
        metadata.ensemble = written.size() > 1 ? written : null;
        metadata.formatVersion = metadata.requiredFormat();
        if (metadata.modelId == null) {
            metadata.modelId = dir.getFileName() + "-" + metadata.weightsSha256.substring(0, 12);
        }
        AtomicFiles.writeString(dir.resolve(METADATA_FILE), Json.pretty(metadata));
        Set<String> keep = new HashSet<>();
        written.forEach(w -> keep.add(w.file()));
        try (var old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().matches("weights-[0-9a-f]{16}\\.zip")
                    && !keep.contains(p.getFileName().toString())).toList()) {
                Files.deleteIfExists(p);
            }
        }
        return new ModelBundle(dir, metadata, networks);
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
        if (meta.preprocessing == null || (meta.network == null && meta.imported == null) || meta.weightsFile == null) {
            throw new BundleException(json + ": incomplete model metadata (preprocessing, network and weightsFile "
                    + "are required)");
        }
        if ((meta.spectral == null) != (meta.fusion == null)) {
            throw new BundleException(json + ": the spectral cue needs both its classifier and its fusion weights");
        }
        if (!(meta.threshold >= 0 && meta.threshold <= 1) || !(meta.temperature > 0)) {
            throw new BundleException(json + ": threshold must lie in [0,1] and temperature be positive");
        }
        return meta;
    }

    public static ModelBundle load(Path directory) throws BundleException {
        Path abs = directory.toAbsolutePath().normalize();
        ModelMetadata meta = readMetadata(abs);
        List<ModelMetadata.WeightsFile> files = meta.ensemble != null && !meta.ensemble.isEmpty() ? meta.ensemble
                : List.of(new ModelMetadata.WeightsFile(meta.weightsFile, meta.weightsSha256));
        return new ModelBundle(abs, meta, loadAll(abs, files));
    }

    /**
     * Loads the members side by side (one thread per core at most): each member's checksum is still verified before
     * its weights are deserialised, but one member's hashing overlaps another's restore, which shortens a cold
     * start on a multi-core machine. Failures are reported for the first failing member in bundle order.
     */
    private static List<ComputationGraph> loadAll(Path dir, List<ModelMetadata.WeightsFile> files)
            throws BundleException {
        int threads = Math.min(files.size(), Runtime.getRuntime().availableProcessors());
        if (threads <= 1) {
            List<ComputationGraph> graphs = new ArrayList<>();
            for (ModelMetadata.WeightsFile f : files) {
                graphs.add(loadWeights(dir.resolve(f.file()), f.sha256()));
            }
            return graphs;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bundle-load");
            t.setDaemon(true);
            return t;
        });
        try {
            // The checksums need no native code: they run while this thread loads ND4J's native libraries (about a
            // second cold), and each member is restored only after its own checksum matched.
            List<java.util.concurrent.Future<BundleException>> checks = new ArrayList<>();
            for (ModelMetadata.WeightsFile f : files) {
                checks.add(pool.submit(() -> checkWeights(dir.resolve(f.file()), f.sha256())));
            }
            Backend.init(); // once, before the restores: DL4J decides on oneDNN helpers when layers are created
            List<java.util.concurrent.Future<ComputationGraph>> loads = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Path weights = dir.resolve(files.get(i).file());
                java.util.concurrent.Future<BundleException> check = checks.get(i);
                loads.add(pool.submit(() -> {
                    BundleException bad = check.get();
                    if (bad != null) {
                        throw bad;
                    }
                    return loadWeights(weights, null);
                }));
            }
            List<ComputationGraph> graphs = new ArrayList<>();
            for (java.util.concurrent.Future<ComputationGraph> f : loads) {
                try {
                    graphs.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof BundleException b) {
                        throw b;
                    }
                    throw new BundleException(dir + ": cannot load weights (" + e.getCause() + ")", e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BundleException(dir + ": interrupted while loading weights", e);
                }
            }
            return graphs;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The problem with a member's weights file (missing, or not matching its checksum), or null when it is fine. */
    private static BundleException checkWeights(Path weights, String sha256) {
        try {
            if (!Files.isRegularFile(weights)) {
                return new BundleException(weights + ": weights file is missing");
            }
            if (sha256 != null && !sha256.equals(Hashing.sha256(weights))) {
                return new BundleException(weights + ": weights do not match the checksum in " + METADATA_FILE
                        + " (file damaged or replaced)");
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return new BundleException(weights + ": cannot load weights (" + e.getMessage() + ")", e);
        }
    }

    private static ComputationGraph loadWeights(Path weights, String sha256) throws BundleException {
        try {
            if (!Files.isRegularFile(weights)) {
                throw new BundleException(weights + ": weights file is missing");
            }
            if (sha256 != null && !sha256.equals(Hashing.sha256(weights))) {
                throw new BundleException(weights + ": weights do not match the checksum in " + METADATA_FILE
                        + " (file damaged or replaced)");
            }
            Backend.init();
            return GraphRestore.restore(weights);
        } catch (IOException | RuntimeException e) {
            throw new BundleException(weights + ": cannot load weights (" + e.getMessage() + ")", e);
        }
    }
}
