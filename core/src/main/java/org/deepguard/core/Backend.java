package org.deepguard.core;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Chooses the compute path before any network is built: DL4J's oneDNN layer helpers (convolution, BatchNorm,
 * pooling, LRN) when the loaded libnd4j has oneDNN, DL4J's built-in Java layer code otherwise.
 *
 * <p>DL4J reads its switch ({@value #DL4J_HELPERS_DISABLE}, default {@code true} in M2.1) each time a layer is
 * created, so this must run before {@code ComputationGraph.init()} or a model restore; every core entry point that
 * creates a network calls {@link #init()}. The helpers fail silently (a failed check just leaves them out), so
 * {@link #init()} verifies DL4J's own check and falls back to the built-in path, with the reason in
 * {@link Status#reason()}.
 *
 * <p>Off switch: {@code -Ddeepguard.onednn=false} or {@code DEEPGUARD_ONEDNN=0}. An explicit
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=...} is honoured as given.
 */
public final class Backend {
    public static final String SWITCH_PROPERTY = "deepguard.onednn";
    public static final String SWITCH_ENV = "DEEPGUARD_ONEDNN";
    public static final String DL4J_HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

    /**
     * @param oneDnnLibrary whether the loaded libnd4j was built with oneDNN
     * @param requested     false when the user turned the helpers off
     * @param helpers       whether layers created from now on get oneDNN helpers
     * @param reason        one line saying why, for logs and {@code --version}-style output
     */
    public record Status(boolean oneDnnLibrary, boolean requested, boolean helpers, String reason) {}

    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    private static Status status;

    private Backend() {}

    /** Configures the backend once per JVM and returns the outcome; cheap after the first call. */
    public static synchronized Status init() {
        if (status == null) {
            status = configure();
            if (status.oneDnnLibrary() && status.requested() && !status.helpers()) {
                LOG.warn("running without oneDNN layer helpers, several times slower: {}", status.reason());
            } else {
                LOG.debug("compute path: {}", status.reason());
            }
        }
        return status;
    }

    /**
     * Runs {@code build} (which creates a network) with DL4J's helpers forced on or off, then restores the setting.
     * For side-by-side comparisons in tests and benchmarks; forcing them on without a usable oneDNN library
     * gives layers without helpers, which {@link #helperLayers} reveals.
     */
    public static synchronized <T> T withHelpers(boolean on, Supplier<T> build) {
        init();
        String before = System.getProperty(DL4J_HELPERS_DISABLE);
        System.setProperty(DL4J_HELPERS_DISABLE, String.valueOf(!on));
        try {
            return build.get();
        } finally {
            if (before == null) {
                System.clearProperty(DL4J_HELPERS_DISABLE);
            } else {
                System.setProperty(DL4J_HELPERS_DISABLE, before);
            }
        }
    }

    /** How many of the network's layers hold a platform helper (oneDNN here); 0 means the built-in path. */
    public static int helperLayers(ComputationGraph network) {
        int n = 0;
        for (Layer layer : network.getLayers()) {
            if (layer.getHelper() != null) {
                n++;
            }
        }
        return n;
    }

    private static Status configure() {
        String explicit = System.getProperty(DL4J_HELPERS_DISABLE);
        String wish = System.getProperty(SWITCH_PROPERTY, System.getenv(SWITCH_ENV));
        boolean library = oneDnnLibrary();
        if (explicit != null) {
            boolean wanted = !Boolean.parseBoolean(explicit.trim());
            return new Status(library, wanted, wanted && helpersUsable(),
                    DL4J_HELPERS_DISABLE + "=" + explicit + " given explicitly");
        }
        if (wish != null && isOff(wish)) {
            disableHelpers();
            return new Status(library, false, false,
                    "oneDNN helpers turned off (" + SWITCH_PROPERTY + " / " + SWITCH_ENV + ")");
        }
        if (!library) {
            // The plain libnd4j would run the helpers through its generic kernels: untested here, so stay on the
            // reference path.
            disableHelpers();
            return new Status(false, true, false,
                    "libnd4j without oneDNN (non-x86_64 build, -Pcpu or a GPU backend)");
        }
        System.setProperty(DL4J_HELPERS_DISABLE, "false");
        if (!helpersUsable()) {
            disableHelpers();
            return new Status(true, true, false, "DL4J rejected its oneDNN helpers (BaseMKLDNNHelper check failed)");
        }
        return new Status(true, true, true, "oneDNN layer helpers on");
    }

    private static boolean isOff(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "0", "false", "off", "no" -> true;
            default -> false;
        };
    }

    private static void disableHelpers() {
        System.setProperty(DL4J_HELPERS_DISABLE, "true");
    }

    /** The CPU backend's build information lists HAVE_ONEDNN when libnd4j carries oneDNN kernels. */
    private static boolean oneDnnLibrary() {
        try {
            String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
            return "CPU".equalsIgnoreCase(backend)
                    && NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo().contains("HAVE_ONEDNN");
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** DL4J's own gate for every oneDNN helper; with the org.nd4j.nativeblas.Nd4jCpu shim it can pass. */
    private static boolean helpersUsable() {
        try {
            return BaseMKLDNNHelper.mklDnnEnabled();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
