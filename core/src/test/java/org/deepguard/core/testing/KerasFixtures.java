package org.deepguard.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The Keras-format fixtures of {@code core/src/test/resources/keras} (written by its make_fixtures.py with h5py and
 * NumPy, no TensorFlow), copied out of the classpath (other modules see them inside core's test jar).
 */
public final class KerasFixtures {
    private KerasFixtures() {}

    /** Rescaling(1/255) + RandomFlip + two conv blocks + Dense(2, softmax); 24 x 24 RGB input. */
    public static final String SMALL_SOFTMAX = "rescaling_softmax.h5";
    /** A Conv2D with groups=2: refused. */
    public static final String REFUSED_GROUPS = "refused_groups.h5";
    /** A ResNet50 notop weights file (make_notop.py) at reduced widths (stem 2, stages 2-4-8-16), tf.keras names. */
    public static final String NOTOP_SMALL = "notop_tf2.h5";

    public static Path copy(String name, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path out = dir.resolve(name);
        try (InputStream in = KerasFixtures.class.getResourceAsStream("/keras/" + name)) {
            if (in == null) {
                throw new IOException("no Keras fixture " + name);
            }
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
        }
        return out;
    }
}
